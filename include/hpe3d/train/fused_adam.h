#pragma once
// torch::optim::Adam's update in one pass over each parameter (p, grad,
// exp_avg, exp_avg_sq read once, written once, on all torch threads) instead
// of its eight tensor operations, with the gradient-clip factor folded in.
// It works on the optimiser's own state (step, exp_avg, exp_avg_sq), so
// checkpoints, save() and load() are unchanged, and the result equals
// optimizer.step() after scaling the gradients, up to float rounding (~1e-7
// relative: the same operations, fused multiply-adds where the compiler forms them).
#include <torch/torch.h>

namespace hpe3d::train {

// True for a CPU Adam without amsgrad whose parameters are contiguous float32
// tensors: what fused_adam_step handles (anything else: scale the gradients and step()).
bool fused_adam_applies(torch::optim::Optimizer& optimizer);

// One Adam step of every parameter with a gradient, the gradient taken as
// grad * grad_scale; a scale other than 1 is also written back to the
// gradients, as clipping them in place would.
void fused_adam_step(torch::optim::Adam& adam, float grad_scale);

}  // namespace hpe3d::train
