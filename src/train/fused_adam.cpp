#include "hpe3d/train/fused_adam.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "hpe3d/core/optimizer_state.h"

namespace hpe3d::train {
namespace {

struct AdamScalars {
  float scale, weight_decay, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bias2, eps, neg_step_size;
};

// The float arithmetic of LibTorch 1.13's Adam::step (adam.cpp), element by element:
//   grad = grad + wd * p; m = m * b1 + (1 - b1) * grad; v = v * b2 + (1 - b2) * grad * grad;
//   denom = sqrt(v) / sqrt(1 - b2^t) + eps; p = p - lr / (1 - b1^t) * m / denom
// Branch-free, so that it vectorises: kWriteGrad stores the scaled gradient back.
template <bool kWriteGrad>
inline void adam_loop(float* __restrict p, float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                      const AdamScalars& s) {
  const float scale = s.scale, wd = s.weight_decay, b1 = s.beta1, c1 = s.one_minus_beta1, b2 = s.beta2,
              c2 = s.one_minus_beta2, sb2 = s.sqrt_bias2, eps = s.eps, step = s.neg_step_size;
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) {
    float grad = g[i] * scale;
    if constexpr (kWriteGrad) g[i] = grad;  // the clipped gradient, as clip_grad_norm_ leaves it
    grad = grad + wd * p[i];                // wd = 0: the gradient unchanged (p finite)
    const float mi = m[i] * b1 + c1 * grad;
    const float vi = v[i] * b2 + c2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    const float denom = __builtin_sqrtf(vi) / sb2 + eps;
    p[i] = p[i] + step * (mi / denom);
  }
}

// Compiled for AVX-512 and AVX2 besides baseline x86-64; the file is built
// with -fno-math-errno (src/CMakeLists.txt) so that the square root vectorises.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void adam_kernel(float* __restrict p, float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                 AdamScalars s, bool write_grad) {
  if (write_grad) adam_loop<true>(p, g, m, v, n, s);
  else adam_loop<false>(p, g, m, v, n, s);
}

bool plain_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

}  // namespace

bool fused_adam_applies(torch::optim::Optimizer& optimizer) {
  auto* adam = dynamic_cast<torch::optim::Adam*>(&optimizer);
  if (adam == nullptr) return false;
  for (auto& group : adam->param_groups()) {
    if (static_cast<torch::optim::AdamOptions&>(group.options()).amsgrad()) return false;
    for (auto& p : group.params())
      if (!plain_float(p) || (p.grad().defined() && !plain_float(p.grad()))) return false;
  }
  return true;
}

void fused_adam_step(torch::optim::Adam& adam, float grad_scale) {
  TORCH_CHECK(fused_adam_applies(adam), "fused_adam_step: needs contiguous float32 CPU parameters, no amsgrad");
  torch::NoGradGuard no_grad;
  auto& states = adam.state();
  for (auto& group : adam.param_groups()) {
    const auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto key = core::optimizer_state_key(p);
      auto it = states.find(key);
      if (it == states.end()) {  // as Adam::step creates it
        auto state = std::make_unique<torch::optim::AdamParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = states.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
      state.step(state.step() + 1);
      const double bias1 = 1 - std::pow(beta1, state.step());
      const double bias2 = 1 - std::pow(beta2, state.step());
      const AdamScalars s{grad_scale,
                          static_cast<float>(o.weight_decay()),
                          static_cast<float>(beta1),
                          static_cast<float>(1 - beta1),
                          static_cast<float>(beta2),
                          static_cast<float>(1 - beta2),
                          static_cast<float>(std::sqrt(bias2)),
                          static_cast<float>(o.eps()),
                          static_cast<float>(-(o.lr() / bias1))};
      float* pp = p.data_ptr<float>();
      if (!state.exp_avg().is_contiguous()) state.exp_avg(state.exp_avg().contiguous());
      if (!state.exp_avg_sq().is_contiguous()) state.exp_avg_sq(state.exp_avg_sq().contiguous());
      float* gp = p.grad().data_ptr<float>();
      float* mp = state.exp_avg().data_ptr<float>();
      float* vp = state.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
        adam_kernel(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, s, grad_scale != 1.0f);
      });
    }
  }
}

}  // namespace hpe3d::train
