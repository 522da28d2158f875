#pragma once
// Training-mode BatchNorm1d -> ReLU -> Dropout(p) of a [B, C] float32 CPU
// tensor as one autograd node: two passes over the activations forward
// (batch statistics, output) and two backward, on all torch threads, instead
// of LibTorch's nine operations and its element-by-element Bernoulli draws.
// Batch statistics, running statistics (momentum, unbiased running variance,
// num_batches_tracked) and gradients are those of torch::batch_norm + relu +
// dropout up to float rounding. The dropout mask comes from a counter-based
// hash of a seed drawn from torch's default CPU generator, so seeded runs
// repeat (on any number of threads) and a resumed run continues the same
// stream; an element is kept with probability 1 - p quantised to 1/65536
// (exact for p = 0.5). A backward that builds a graph (create_graph) runs
// the same formula in differentiable tensor operations.
#include <torch/torch.h>

namespace hpe3d::models {

// Whether bn_relu_dropout() handles this input and layer: training mode, a
// contiguous [B > 1, C] float32 CPU input, an affine BN with running
// statistics and a momentum.
bool bn_relu_dropout_applies(const torch::Tensor& x, const torch::nn::BatchNorm1dImpl& bn);

// dropout(relu(bn(x))), x: [B, C] -> [B, C]. Updates bn's running statistics.
torch::Tensor bn_relu_dropout(const torch::Tensor& x, torch::nn::BatchNorm1dImpl& bn, double p);

}  // namespace hpe3d::models
