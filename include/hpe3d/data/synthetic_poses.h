#pragma once
// Plausible random human poses for tests and scale runs: joint angles sampled
// within human ranges on the 17-joint skeleton (bone lengths of an average
// Human3.6M subject, scaled per pose by ~5%), a random heading, feet on the
// floor, the body within 1 m of the capture-area centre.
//
// The poses form one deterministic stream per seed: pose i depends only on
// (seed, i), so a caller may draw any range [offset, offset + n) in chunks and
// get exactly the poses of one large call.
#include <cstdint>

#include <torch/torch.h>

#include "hpe3d/data/pose_file.h"

namespace hpe3d::data {

// -> [n, 17, 3] float64, world frame (Z up), mm.
torch::Tensor sample_synthetic_poses(int64_t n, uint64_t seed, int64_t offset = 0);

struct SyntheticOptions {
  int64_t poses = 10000;                          // world poses (each seen by 4 cameras)
  uint64_t seed = 0;
  std::vector<int> subjects{1, 5, 6, 7, 8, 9, 11}; // poses are dealt to subjects in equal blocks
};

// Writes poses x 4 cameras to `out` in chunks (bounded memory at any size).
int64_t prepare_synthetic(const SyntheticOptions& options, const std::string& out);

}  // namespace hpe3d::data
