#include "hpe3d/models/sync_batch_norm.h"

#include <cmath>

namespace hpe3d::models {
namespace {

std::shared_ptr<core::ProcessGroup>& sync_group() {
  static std::shared_ptr<core::ProcessGroup> group;
  return group;
}

const std::vector<int64_t> kDims{0, 2};  // batch and spatial dimensions of [B, C, L]

// x viewed as [B, C, L] (L = 1 for BatchNorm1d on [B, C]).
torch::Tensor as_bcl(const torch::Tensor& x) { return x.reshape({x.size(0), x.size(1), -1}); }
torch::Tensor per_channel(const torch::Tensor& v, const torch::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[1] = v.size(0);
  return v.view(shape);
}

class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  // x [B, C, ...], weight/bias [C]; running_mean/var [C] are updated in place.
  // In float32 whatever the input's dtype (a bf16 activation under train.amp):
  // sums of squares over the global batch lose too much in bf16.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias, torch::Tensor running_mean,
                               torch::Tensor running_var, double momentum, double eps) {
    auto& group = *sync_group();
    const auto x = input.to(torch::kFloat32);
    const int64_t channels = x.size(1);
    auto v = as_bcl(x);
    auto stats = torch::cat({v.sum(kDims), (v * v).sum(kDims),
                             torch::full({1}, static_cast<double>(v.size(0) * v.size(2)), x.options())});
    group.all_reduce_sum(stats);
    const auto n = stats[2 * channels].item<double>();
    auto mean = stats.narrow(0, 0, channels) / n;
    auto var = (stats.narrow(0, channels, channels) / n - mean * mean).clamp_min(0.0);
    auto invstd = (var + eps).rsqrt();
    {
      torch::NoGradGuard no_grad;
      running_mean.mul_(1.0 - momentum).add_(mean, momentum);
      running_var.mul_(1.0 - momentum).add_(var * (n / std::max(1.0, n - 1.0)), momentum);
    }
    auto xhat = (x - per_channel(mean, x)) * per_channel(invstd, x);
    ctx->save_for_backward({xhat, invstd, weight});
    ctx->saved_data["n"] = n;
    return xhat * per_channel(weight, x) + per_channel(bias, x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &xhat = saved[0], invstd = saved[1], weight = saved[2];
    const double n = ctx->saved_data["n"].toDouble();
    auto dy = grads[0];
    const int64_t channels = xhat.size(1);
    auto dyv = as_bcl(dy), xv = as_bcl(xhat);
    auto local = torch::cat({dyv.sum(kDims), (dyv * xv).sum(kDims)});
    auto global = local.clone();
    sync_group()->all_reduce_sum(global);
    auto mean_dy = global.narrow(0, 0, channels) / n, mean_dy_xhat = global.narrow(0, channels, channels) / n;
    auto dx = per_channel(weight * invstd, dy) *
              (dy - per_channel(mean_dy, dy) - xhat * per_channel(mean_dy_xhat, dy));
    // Local: the data-parallel gradient all-reduce averages them over the ranks.
    auto dweight = local.narrow(0, channels, channels), dbias = local.narrow(0, 0, channels);
    return {dx, dweight, dbias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

template <class Bn>
torch::Tensor sync_or_local(Bn& bn, const torch::Tensor& x) {
  if (!sync_group() || !bn->is_training()) return bn(x);
  TORCH_CHECK(bn->options.affine() && bn->options.track_running_stats(),
              "sync_bn: BatchNorm layers need affine parameters and running statistics");
  double momentum = bn->options.momentum().value_or(0.0);
  {
    torch::NoGradGuard no_grad;
    bn->num_batches_tracked.add_(1);
  }
  if (!bn->options.momentum().has_value()) momentum = 1.0 / bn->num_batches_tracked.template item<double>();
  return SyncBatchNormFunction::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var, momentum,
                                      bn->options.eps());
}

}  // namespace

void set_batch_norm_sync(std::shared_ptr<core::ProcessGroup> group) { sync_group() = std::move(group); }

bool batch_norm_synchronised() { return sync_group() != nullptr; }

torch::Tensor batch_norm(torch::nn::BatchNorm1d& bn, const torch::Tensor& x) { return sync_or_local(bn, x); }
torch::Tensor batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) { return sync_or_local(bn, x); }

}  // namespace hpe3d::models
