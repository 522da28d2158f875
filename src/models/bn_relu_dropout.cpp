#include "hpe3d/models/bn_relu_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <vector>

// The loops below are memory-bound; compiled for AVX-512 and AVX2 besides the
// baseline x86-64, the best one picked at load time.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define HPE3D_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HPE3D_VECTOR_CLONES
#endif

namespace hpe3d::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// splitmix64's finaliser: 64 well-mixed bits from a counter.
inline uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t draw_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

int64_t row_grain(int64_t columns) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, columns)); }
constexpr int64_t kColumnGrain = 64;

// sum[c] = sum_b x[b, c], sq[c] = sum_b x[b, c]^2 for c in [c0, c1).
HPE3D_VECTOR_CLONES
void column_moments(const float* x, int64_t rows, int64_t cols, int64_t c0, int64_t c1, double* sum, double* sq) {
  for (int64_t c = c0; c < c1; ++c) sum[c] = sq[c] = 0.0;
  for (int64_t b = 0; b < rows; ++b) {
    const float* r = x + b * cols;
    for (int64_t c = c0; c < c1; ++c) {
      const double v = r[c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
}

// out = relu(x * a + shift) * (kept ? 1 / (1 - p) : 0), keep = kept && x * a + shift > 0, rows [b0, b1).
// Element (b, c) is kept when its 16 bits of mix(seed + b * groups + c / 4) are >= threshold.
HPE3D_VECTOR_CLONES
void forward_rows(const float* x, float* out, uint8_t* keep, int64_t b0, int64_t b1, int64_t cols, const float* a,
                  const float* shift, float scale, uint32_t threshold, uint64_t seed, bool dropout) {
  const int64_t groups = (cols + 3) / 4;
  for (int64_t b = b0; b < b1; ++b) {
    const float* xr = x + b * cols;
    float* o = out + b * cols;
    uint8_t* k = keep + b * cols;
    if (!dropout) {
      for (int64_t c = 0; c < cols; ++c) {
        const float y = xr[c] * a[c] + shift[c];
        o[c] = std::max(y, 0.0f);  // NaN stays NaN, as in relu
        k[c] = y > 0.0f;
      }
      continue;
    }
    for (int64_t g = 0; g < groups; ++g) {
      const uint64_t h = mix(seed + static_cast<uint64_t>(b * groups + g));
      const int64_t end = std::min(cols, 4 * g + 4);
      for (int64_t c = 4 * g; c < end; ++c) {
        const bool kept = ((h >> (16 * (c - 4 * g))) & 0xffff) >= threshold;
        const float y = xr[c] * a[c] + shift[c];
        o[c] = std::max(y, 0.0f) * (kept ? scale : 0.0f);  // a dropped NaN stays NaN, as in dropout
        k[c] = kept && y > 0.0f;
      }
    }
  }
}

// dbeta[c] = sum_b dz, dgx[c] = sum_b dz * (x - mean), dz = grad * (keep ? scale : 0), columns [c0, c1).
HPE3D_VECTOR_CLONES
void backward_sums(const float* grad, const float* x, const uint8_t* keep, int64_t rows, int64_t cols, int64_t c0,
                   int64_t c1, const float* mean, float scale, double* dbeta, double* dgx) {
  for (int64_t c = c0; c < c1; ++c) dbeta[c] = dgx[c] = 0.0;
  for (int64_t b = 0; b < rows; ++b) {
    const float* g = grad + b * cols;
    const float* xr = x + b * cols;
    const uint8_t* k = keep + b * cols;
    for (int64_t c = c0; c < c1; ++c) {
      const float dz = g[c] * (k[c] ? scale : 0.0f);
      dbeta[c] += dz;
      dgx[c] += static_cast<double>(dz) * (xr[c] - mean[c]);
    }
  }
}

// dx = A * dz + B * x + C per column, rows [b0, b1).
HPE3D_VECTOR_CLONES
void backward_rows(const float* grad, const float* x, const uint8_t* keep, float* dx, int64_t b0, int64_t b1,
                   int64_t cols, const float* ka, const float* kb, const float* kc, float scale) {
  for (int64_t b = b0; b < b1; ++b) {
    const float* g = grad + b * cols;
    const float* xr = x + b * cols;
    const uint8_t* k = keep + b * cols;
    float* d = dx + b * cols;
    for (int64_t c = 0; c < cols; ++c) d[c] = ka[c] * (g[c] * (k[c] ? scale : 0.0f)) + kb[c] * xr[c] + kc[c];
  }
}

class BnReluDropout : public torch::autograd::Function<BnReluDropout> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                               const torch::Tensor& beta, torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps, double p) {
    const int64_t rows = x.size(0), cols = x.size(1);
    const float* xp = x.data_ptr<float>();
    std::vector<double> sum(cols), sq(cols);
    at::parallel_for(0, cols, kColumnGrain, [&](int64_t c0, int64_t c1) {
      column_moments(xp, rows, cols, c0, c1, sum.data(), sq.data());
    });
    auto mean = torch::empty({cols}, x.options()), invstd = torch::empty({cols}, x.options());
    auto a = torch::empty({cols}, x.options()), shift = torch::empty({cols}, x.options());
    auto g = gamma.contiguous(), bt = beta.contiguous();
    float *mp = mean.data_ptr<float>(), *ip = invstd.data_ptr<float>(), *ap = a.data_ptr<float>(),
          *sp = shift.data_ptr<float>();
    const float *gp = g.data_ptr<float>(), *bp = bt.data_ptr<float>();
    auto rm = running_mean.data_ptr<float>(), rv = running_var.data_ptr<float>();
    const double n = static_cast<double>(rows);
    for (int64_t c = 0; c < cols; ++c) {
      const double m = sum[c] / n, var = std::max(sq[c] / n - m * m, 0.0);
      const double is = 1.0 / std::sqrt(var + eps);
      mp[c] = static_cast<float>(m);
      ip[c] = static_cast<float>(is);
      ap[c] = static_cast<float>(gp[c] * is);
      sp[c] = static_cast<float>(bp[c] - m * gp[c] * is);
      rm[c] = static_cast<float>((1 - momentum) * rm[c] + momentum * m);
      rv[c] = static_cast<float>((1 - momentum) * rv[c] + momentum * var * n / (n - 1));
    }
    const bool dropout = p > 0.0;
    const float scale = dropout ? static_cast<float>(1.0 / (1.0 - p)) : 1.0f;
    const auto threshold = static_cast<uint32_t>(std::lround(p * 65536.0));
    const uint64_t seed = dropout ? draw_seed() : 0;
    auto out = torch::empty_like(x);
    auto keep = torch::empty({rows, cols}, x.options().dtype(torch::kUInt8));
    float* op = out.data_ptr<float>();
    uint8_t* kp = keep.data_ptr<uint8_t>();
    at::parallel_for(0, rows, row_grain(cols), [&](int64_t b0, int64_t b1) {
      forward_rows(xp, op, kp, b0, b1, cols, ap, sp, scale, threshold, seed, dropout);
    });
    ctx->save_for_backward({x, g, keep, mean, invstd});
    ctx->saved_data["scale"] = static_cast<double>(scale);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &gamma = saved[1], &keep = saved[2], &mean = saved[3], &invstd = saved[4];
    const auto scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    auto grad = grads[0].contiguous();
    const int64_t rows = x.size(0), cols = x.size(1);
    torch::Tensor dx, dgamma, dbeta;
    if (torch::GradMode::is_enabled()) {  // create_graph: the same formula, differentiable
      auto dz = grad * keep.to(grad.dtype()) * scale;
      auto xhat = (x - mean) * invstd;
      dbeta = dz.sum(0);
      dgamma = (dz * xhat).sum(0);
      dx = gamma * invstd * (dz - dbeta / rows - xhat * dgamma / rows);
      return {dx, dgamma, dbeta, {}, {}, {}, {}, {}};
    }
    const float *gp = grad.data_ptr<float>(), *xp = x.data_ptr<float>(), *mp = mean.data_ptr<float>(),
                *ip = invstd.data_ptr<float>(), *gam = gamma.data_ptr<float>();
    const uint8_t* kp = keep.data_ptr<uint8_t>();
    std::vector<double> sb(cols), sgx(cols);
    at::parallel_for(0, cols, kColumnGrain, [&](int64_t c0, int64_t c1) {
      backward_sums(gp, xp, kp, rows, cols, c0, c1, mp, scale, sb.data(), sgx.data());
    });
    dgamma = torch::empty({cols}, x.options());
    dbeta = torch::empty({cols}, x.options());
    auto ka = torch::empty({cols}, x.options()), kb = torch::empty({cols}, x.options()),
         kc = torch::empty({cols}, x.options());
    float *dgp = dgamma.data_ptr<float>(), *dbp = dbeta.data_ptr<float>(), *kap = ka.data_ptr<float>(),
          *kbp = kb.data_ptr<float>(), *kcp = kc.data_ptr<float>();
    const double n = static_cast<double>(rows);
    for (int64_t c = 0; c < cols; ++c) {
      // dx = gamma * invstd * (dz - mean(dz) - xhat * mean(dz * xhat)), xhat = (x - mean) * invstd
      const double is = ip[c], gi = gam[c] * is;
      const double mdz = sb[c] / n, mdzx = sgx[c] * is / n;  // mean(dz), mean(dz * xhat)
      dbp[c] = static_cast<float>(sb[c]);
      dgp[c] = static_cast<float>(sgx[c] * is);
      kap[c] = static_cast<float>(gi);
      kbp[c] = static_cast<float>(-gi * is * mdzx);
      kcp[c] = static_cast<float>(gi * (mp[c] * is * mdzx - mdz));
    }
    dx = torch::empty_like(x);
    float* dxp = dx.data_ptr<float>();
    at::parallel_for(0, rows, row_grain(cols), [&](int64_t b0, int64_t b1) {
      backward_rows(gp, xp, kp, dxp, b0, b1, cols, kap, kbp, kcp, scale);
    });
    return {dx, dgamma, dbeta, {}, {}, {}, {}, {}};
  }
};

bool plain_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

}  // namespace

bool bn_relu_dropout_applies(const torch::Tensor& x, const torch::nn::BatchNorm1dImpl& bn) {
  const auto& o = bn.options;
  return bn.is_training() && o.affine() && o.track_running_stats() && o.momentum().has_value() && plain_float(x) &&
         x.dim() == 2 && x.size(0) > 1 && x.size(1) == o.num_features() && plain_float(bn.weight) &&
         plain_float(bn.bias) && plain_float(bn.running_mean) && plain_float(bn.running_var);
}

torch::Tensor bn_relu_dropout(const torch::Tensor& x, torch::nn::BatchNorm1dImpl& bn, double p) {
  TORCH_CHECK(bn_relu_dropout_applies(x, bn), "bn_relu_dropout: needs a training-mode affine BN and a contiguous "
                                              "[B > 1, C] float32 CPU input, got ", x.sizes());
  TORCH_CHECK(p >= 0.0 && p < 1.0, "bn_relu_dropout: p must be in [0, 1), got ", p);
  {
    torch::NoGradGuard no_grad;
    bn.num_batches_tracked.add_(1);
  }
  return BnReluDropout::apply(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, *bn.options.momentum(),
                              bn.options.eps(), p);
}

}  // namespace hpe3d::models
