#pragma once
// The deterministic baseline of Martinez et al. 2017 ("A simple yet effective
// baseline for 3d human pose estimation"), exactly: no latent, no KL.
//   Linear(in -> hidden) -> BN -> ReLU -> Dropout,
//   `blocks` x residual { 2 x (Linear -> BN -> ReLU -> Dropout) },
//   Linear(hidden -> out).
//   [B, Jin*Din] or [B, Jin, Din] -> [B, Jout*Dout]  (paper: 16x2 -> 16x3)
// Names: trunk.* (see mlp_trunk.h), fc_out.*. Initialisation: models/init.h
// (Kaiming normal on every weight, as the paper's code).
#include <torch/torch.h>

#include "hpe3d/models/mlp_trunk.h"

namespace hpe3d::models {

struct PoseRegressorOptions {
  PoseRegressorOptions(int64_t in_joints, int64_t in_dims, int64_t out_joints, int64_t out_dims)
      : in_joints_(in_joints), in_dims_(in_dims), out_joints_(out_joints), out_dims_(out_dims) {}
  TORCH_ARG(int64_t, in_joints);   // 16 (paper) or 17
  TORCH_ARG(int64_t, in_dims);     // 2
  TORCH_ARG(int64_t, out_joints);  // 16 root-relative joints
  TORCH_ARG(int64_t, out_dims);    // 3
  TORCH_ARG(int64_t, hidden) = 1024;
  TORCH_ARG(int64_t, blocks) = 2;
  TORCH_ARG(double, dropout) = 0.5;
  TORCH_ARG(double, max_norm) = 0.0;  // > 0: every weight matrix clipped to this norm (mlp_trunk.h)
};

class PoseRegressorImpl : public torch::nn::Module {
 public:
  explicit PoseRegressorImpl(const PoseRegressorOptions& options);
  torch::Tensor forward(const torch::Tensor& pose);

  PoseRegressorOptions options;
  MlpTrunk trunk{nullptr};
  torch::nn::Linear fc_out{nullptr};
};
TORCH_MODULE(PoseRegressor);

}  // namespace hpe3d::models
