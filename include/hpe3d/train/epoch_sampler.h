#pragma once
// The order in which an epoch visits the training samples, and which of them
// a rank trains on. The order is a pure function of (seed, epoch): a resumed
// run recomputes it instead of storing it, and every rank of a data-parallel
// run computes the same one. Rank r of a world of W takes every W-th sample
// of it, starting at r (a stride): the W shards partition the epoch. This is
// the one place that rule lives.
#include <cstdint>

#include <torch/torch.h>

namespace hpe3d::train {

struct EpochSampler {
  uint64_t seed = 0;  // train.seed
  int64_t epoch = 0;  // 0-based
  int rank = 0;       // 0 <= rank < world
  int world = 1;

  // [n] int64 on the CPU: a permutation of 0..n-1.
  torch::Tensor order(int64_t n) const;
  // [ceil((n - rank) / world)] int64 on the CPU: order(n)[rank::world].
  torch::Tensor shard(int64_t n) const;
  // Full batches of `batch_size` in the smallest shard (at least 1): every
  // rank runs the same number of steps; the tail of an epoch is left out.
  int64_t steps(int64_t n, int64_t batch_size) const;
};

}  // namespace hpe3d::train
