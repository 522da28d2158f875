#include "hpe3d/models/pose_encoder.h"

#include "hpe3d/models/init.h"

namespace hpe3d::models {

torch::Tensor flatten_pose(const torch::Tensor& pose, int64_t joints, int64_t dims,
                           const char* who) {
  bool ok = (pose.dim() == 2 && pose.size(1) == joints * dims) ||
            (pose.dim() == 3 && pose.size(1) == joints && pose.size(2) == dims);
  TORCH_CHECK(ok, who, ": expected [B, ", joints * dims, "] or [B, ", joints, ", ", dims, "], got ",
              pose.sizes());
  return pose.reshape({pose.size(0), joints * dims});
}

PoseEncoderImpl::PoseEncoderImpl(const PoseEncoderOptions& options_) : options(options_) {
  TORCH_CHECK(options.joints() > 0 && (options.dims() == 2 || options.dims() == 3),
              "PoseEncoder: need joints > 0 and dims 2 or 3, got ", options.joints(), " x ",
              options.dims());
  TORCH_CHECK(options.latent_dim() > 0, "PoseEncoder: latent_dim must be positive");
  trunk = register_module("trunk", MlpTrunk(MlpTrunkOptions(options.joints() * options.dims())
                                                .hidden(options.hidden())
                                                .blocks(options.blocks())
                                                .dropout(options.dropout())));
  fc_mu = register_module("fc_mu", torch::nn::Linear(options.hidden(), options.latent_dim()));
  fc_logvar =
      register_module("fc_logvar", torch::nn::Linear(options.hidden(), options.latent_dim()));
  init_weights(*this);
  init_posterior_heads(fc_mu, fc_logvar);
}

Posterior PoseEncoderImpl::forward(const torch::Tensor& pose) {
  auto h = trunk(flatten_pose(pose, options.joints(), options.dims(), "PoseEncoder"));
  return {fc_mu(h), fc_logvar(h)};
}

}  // namespace hpe3d::models
