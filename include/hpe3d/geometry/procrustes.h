#pragma once
// Batched alignment of predicted poses to ground truth, for P-MPJPE (similarity:
// rotation, uniform scale, translation, no reflection) and N-MPJPE (scale only).
#include <torch/torch.h>

namespace hpe3d::geometry {

// pred, target: [B, J, 3] -> pred mapped by the s R x + t that minimises the
// squared distance to target, det(R) = +1. Computed in float64, returned in
// pred's dtype.
torch::Tensor align_similarity(const torch::Tensor& pred, const torch::Tensor& target);

// pred, target: [B, J, D] -> s * pred with s = <pred, target> / <pred, pred>
// per pose (least squares; no translation, so centre both first).
torch::Tensor align_scale(const torch::Tensor& pred, const torch::Tensor& target);

}  // namespace hpe3d::geometry
