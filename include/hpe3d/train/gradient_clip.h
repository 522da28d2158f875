#pragma once
// Gradient-norm clipping with the arithmetic of
// torch::nn::utils::clip_grad_norm_ (L2 norm over all gradients, each scaled
// by max_norm / (norm + 1e-6) clamped at 1) but without its read-back of the
// norm to the host, which would stall a GPU at every step.
#include <vector>

#include <torch/torch.h>

namespace hpe3d::train {

// The factor clip_grad_norm_ scales every gradient by: a 0-dim tensor on the
// gradients' device (undefined when no parameter has a gradient).
torch::Tensor gradient_clip_scale(const std::vector<torch::Tensor>& params, double max_norm);

// Scales the gradients of `params` in place (parameters without one are skipped).
void clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace hpe3d::train
