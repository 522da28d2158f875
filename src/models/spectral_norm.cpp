#include "hpe3d/models/spectral_norm.h"

#include <cmath>

namespace hpe3d::models {

namespace {

torch::Tensor normalised(const torch::Tensor& x, double eps) { return x / x.norm().clamp_min(eps); }

// Random unit u, v, then 15 power iterations (as PyTorch does at registration).
void init_uv(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v) {
  auto w = weight.detach().reshape({weight.size(0), -1});
  u = normalised(torch::randn({w.size(0)}, weight.options()), 1e-12);
  v = normalised(torch::randn({w.size(1)}, weight.options()), 1e-12);
  spectral_normalise(weight.detach(), u, v, 15, /*update=*/true);
}

}  // namespace

torch::Tensor spectral_normalise(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 int64_t power_iterations, bool update, double eps) {
  auto w = weight.reshape({weight.size(0), -1});
  TORCH_CHECK(u.dim() == 1 && u.size(0) == w.size(0) && v.dim() == 1 && v.size(0) == w.size(1),
              "spectral_normalise: u ", u.sizes(), " / v ", v.sizes(), " do not fit weight ",
              weight.sizes());
  if (update) {
    torch::NoGradGuard no_grad;
    auto wd = w.detach();
    for (int64_t i = 0; i < power_iterations; ++i) {
      v.copy_(normalised(torch::mv(wd.t(), u), eps));
      u.copy_(normalised(torch::mv(wd, v), eps));
    }
  }
  // Clones keep autograd from seeing the in-place updates of the next call.
  auto uc = u.clone();
  auto vc = v.clone();
  auto sigma = torch::dot(uc, torch::mv(w, vc));
  return weight / sigma;
}

SpectralLinearImpl::SpectralLinearImpl(int64_t in, int64_t out, int64_t iterations)
    : power_iterations(iterations) {
  TORCH_CHECK(in > 0 && out > 0 && iterations >= 1, "SpectralLinear: bad sizes ", in, " -> ", out,
              " or power_iterations ", iterations);
  weight_orig = register_parameter("weight_orig", torch::empty({out, in}));
  bias = register_parameter("bias", torch::zeros({out}));
  torch::nn::init::kaiming_normal_(weight_orig, 0.0, torch::kFanIn, torch::kReLU);
  torch::Tensor u, v;
  init_uv(weight_orig, u, v);
  weight_u = register_buffer("weight_u", u);
  weight_v = register_buffer("weight_v", v);
}

torch::Tensor SpectralLinearImpl::forward(const torch::Tensor& x) {
  auto w = spectral_normalise(weight_orig, weight_u, weight_v, power_iterations, is_training());
  return torch::linear(x, w, bias);
}

torch::Tensor SpectralLinearImpl::weight() {
  return spectral_normalise(weight_orig, weight_u, weight_v, power_iterations, false);
}

SpectralConv2dImpl::SpectralConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride_,
                                       int64_t padding_, int64_t iterations)
    : stride(stride_), padding(padding_), power_iterations(iterations) {
  TORCH_CHECK(in > 0 && out > 0 && kernel > 0 && iterations >= 1, "SpectralConv2d: bad options");
  weight_orig = register_parameter("weight_orig", torch::empty({out, in, kernel, kernel}));
  bias = register_parameter("bias", torch::zeros({out}));
  torch::nn::init::kaiming_normal_(weight_orig, 0.0, torch::kFanOut, torch::kReLU);
  torch::Tensor u, v;
  init_uv(weight_orig, u, v);
  weight_u = register_buffer("weight_u", u);
  weight_v = register_buffer("weight_v", v);
}

torch::Tensor SpectralConv2dImpl::forward(const torch::Tensor& x) {
  auto w = spectral_normalise(weight_orig, weight_u, weight_v, power_iterations, is_training());
  return torch::conv2d(x, w, bias, stride, padding);
}

torch::Tensor SpectralConv2dImpl::weight() {
  return spectral_normalise(weight_orig, weight_u, weight_v, power_iterations, false);
}

}  // namespace hpe3d::models
