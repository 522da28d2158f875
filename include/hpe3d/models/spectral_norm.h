#pragma once
// Spectral normalisation (Miyato et al. 2018), as torch.nn.utils.spectral_norm
// does it (LibTorch 1.13's C++ API has none): the layer keeps the raw weight as
// the parameter `weight_orig` and persistent buffers `weight_u`, `weight_v`;
// each forward in train mode runs `power_iterations` steps of power iteration
// on W viewed as [out, -1] (updating u, v without grad), then uses
// W / sigma with sigma = u^T W v. Eval mode reuses the stored u, v.
// Differentiable twice (for WGAN-GP's gradient penalty).
#include <torch/torch.h>

namespace hpe3d::models {

// W / sigma(W); updates u [out] and v [in*k*k] in place when `update`.
torch::Tensor spectral_normalise(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 int64_t power_iterations, bool update, double eps = 1e-12);

// Linear with a spectrally normalised weight. [B, in] -> [B, out]
class SpectralLinearImpl : public torch::nn::Module {
 public:
  SpectralLinearImpl(int64_t in, int64_t out, int64_t power_iterations = 1);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight();  // the normalised weight, without updating u, v

  torch::Tensor weight_orig, bias, weight_u, weight_v;
  int64_t power_iterations;
};
TORCH_MODULE(SpectralLinear);

// Conv2d (with bias) with a spectrally normalised weight.
class SpectralConv2dImpl : public torch::nn::Module {
 public:
  SpectralConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                     int64_t power_iterations = 1);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight();

  torch::Tensor weight_orig, bias, weight_u, weight_v;
  int64_t stride, padding, power_iterations;
};
TORCH_MODULE(SpectralConv2d);

}  // namespace hpe3d::models
