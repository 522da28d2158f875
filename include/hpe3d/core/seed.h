#pragma once
// The seed arithmetic of the project, in one place: every derived seed (a
// batch's augmentation, an epoch's flips and sample order, a sample's crop
// jitter, a synthetic pose's draws, a rendered background) comes from these
// two functions, so that no two streams are correlated by accident.
#include <cstdint>

namespace hpe3d::core {

// splitmix64 (Steele, Lea, Flood 2014): the golden-ratio increment, then the
// finaliser. Nearby inputs give unrelated outputs.
uint64_t splitmix64(uint64_t x);

// Per-epoch streams of a training run besides its batches (batch >= 0).
inline constexpr int64_t kFlipStream = -1;   // the epoch's left/right flips
inline constexpr int64_t kOrderStream = -2;  // the epoch's sample order (EpochSampler)
// A data-parallel rank's default generator (dropout, latent samples):
// splitmix64(batch_seed(seed, rank, kRankStream)); the epoch argument holds the rank.
inline constexpr int64_t kRankStream = -3;

// The seed of batch `batch` of `epoch` (or of a stream above): a pure function
// of the run seed, so that a resumed run draws exactly what it would have drawn.
uint64_t batch_seed(uint64_t seed, int64_t epoch, int64_t batch);

}  // namespace hpe3d::core
