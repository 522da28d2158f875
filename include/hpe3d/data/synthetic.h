#pragma once
// Synthetic 17-joint poses for tests and scale runs: joint angles sampled on
// the H36M skeleton within human ranges (spine, neck, hips, knees, shoulders,
// elbows), human bone lengths with per-pose variation, a random yaw about Z,
// a random place on the capture area, feet on the floor.
//
//   auto poses = hpe3d::data::sample_synthetic_poses(1000000, /*seed=*/7);  // [1M, 17, 3]
//   // streaming, same numbers: for (o = 0; o < 1000000; o += 50000)
//   //   sample_synthetic_poses(50000, 7, o);
//
// Pose i of stream `seed` depends only on (seed, i): each random number comes
// from a counter-based generator (SplitMix64 of seed and counter), never from
// the global RNG, so any split into chunks, any thread count and any machine
// give bit-identical poses.
#include <cstdint>

#include <torch/torch.h>

namespace hpe3d::data {

struct SyntheticPoseOptions {
  double body_scale_spread = 0.06;   // per-pose size factor uniform in [1 - s, 1 + s]
  double bone_jitter = 0.03;         // per-bone factor in [1 - j, 1 + j], equal on left and right
  double area_half_width_mm = 1000;  // root x, y uniform in [-w, w] around the world origin
  double ankle_height_mm = 80;       // height of the lower ankle (H36M "Foot" joint) above z = 0
};

// [n, 17, 3] float64, world mm, Z up: poses offset, offset + 1, ...,
// offset + n - 1 of the stream `seed`. The lower ankle is at ankle_height_mm,
// or higher where another joint would otherwise go below the floor (deep
// squats reaching down). Joint order: geometry::joint_names().
torch::Tensor sample_synthetic_poses(int64_t n, uint64_t seed, int64_t offset = 0,
                                     const SyntheticPoseOptions& options = {});

}  // namespace hpe3d::data
