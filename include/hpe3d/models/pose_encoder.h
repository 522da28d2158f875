#pragma once
// q(z | pose): Martinez trunk + two linear heads.
//   [B, J*D] or [B, J, D] -> {mu, logvar}: [B, Z]
// Names: trunk.* (see mlp_trunk.h), fc_mu.*, fc_logvar.*.
#include <torch/torch.h>

#include "hpe3d/models/mlp_trunk.h"
#include "hpe3d/models/posterior.h"

namespace hpe3d::models {

struct PoseEncoderOptions {
  PoseEncoderOptions(int64_t joints, int64_t dims, int64_t latent_dim)
      : joints_(joints), dims_(dims), latent_dim_(latent_dim) {}
  TORCH_ARG(int64_t, joints);      // 16 or 17
  TORCH_ARG(int64_t, dims);        // 2 or 3
  TORCH_ARG(int64_t, latent_dim);  // Z
  TORCH_ARG(int64_t, hidden) = 1024;
  TORCH_ARG(int64_t, blocks) = 2;
  TORCH_ARG(double, dropout) = 0.5;
};

class PoseEncoderImpl : public torch::nn::Module {
 public:
  explicit PoseEncoderImpl(const PoseEncoderOptions& options);
  Posterior forward(const torch::Tensor& pose);

  PoseEncoderOptions options;
  MlpTrunk trunk{nullptr};
  torch::nn::Linear fc_mu{nullptr}, fc_logvar{nullptr};
};
TORCH_MODULE(PoseEncoder);

// [B, J*D] from [B, J*D] or [B, J, D]; checks J and D. `who` names the caller.
torch::Tensor flatten_pose(const torch::Tensor& pose, int64_t joints, int64_t dims,
                           const char* who);

}  // namespace hpe3d::models
