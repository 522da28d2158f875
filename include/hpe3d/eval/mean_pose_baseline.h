#pragma once
// The reference every result should beat: predicting the mean training pose
// for every test sample.
#include <cstdint>

#include <torch/torch.h>

#include "hpe3d/data/pose_split.h"

namespace hpe3d::eval {

// train_pose3d: [N, 16, 3] mm, root-relative (a split's pose3d); `joints`: 17
// or 16 in the MPJPE denominator. -> Protocol 1 MPJPE in mm, mean over actions.
double mean_pose_mpjpe(const torch::Tensor& train_pose3d, const data::PoseSplit& test, int joints,
                       int64_t batch_size);

}  // namespace hpe3d::eval
