#pragma once
// p(pose | z): Martinez trunk + a linear output layer.
//   [B, Z] -> [B, J*D]   (e.g. J = 16 root-relative joints, D = 3)
// Names: trunk.* (see mlp_trunk.h), fc_out.*.
#include <torch/torch.h>

#include "hpe3d/models/mlp_trunk.h"

namespace hpe3d::models {

struct PoseDecoderOptions {
  PoseDecoderOptions(int64_t latent_dim, int64_t joints, int64_t dims)
      : latent_dim_(latent_dim), joints_(joints), dims_(dims) {}
  TORCH_ARG(int64_t, latent_dim);  // Z
  TORCH_ARG(int64_t, joints);      // 16 or 17
  TORCH_ARG(int64_t, dims);        // 2 or 3
  TORCH_ARG(int64_t, hidden) = 1024;
  TORCH_ARG(int64_t, blocks) = 2;
  TORCH_ARG(double, dropout) = 0.5;
};

class PoseDecoderImpl : public torch::nn::Module {
 public:
  explicit PoseDecoderImpl(const PoseDecoderOptions& options);
  torch::Tensor forward(const torch::Tensor& z);

  PoseDecoderOptions options;
  MlpTrunk trunk{nullptr};
  torch::nn::Linear fc_out{nullptr};
};
TORCH_MODULE(PoseDecoder);

}  // namespace hpe3d::models
