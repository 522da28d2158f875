#pragma once
// The Martinez et al. 2017 trunk shared by the pose encoders and decoders:
//   input:  Linear(in -> hidden) -> BN -> ReLU -> Dropout
//   blocks: `blocks` x residual { 2 x (Linear(hidden -> hidden) -> BN -> ReLU -> Dropout) }
// [B, in] -> [B, hidden]. Parameter names: input.linear.*, input.bn.*,
// blocks.<i>.layer1.linear.*, blocks.<i>.layer1.bn.*, blocks.<i>.layer2.*.
#include <torch/torch.h>

namespace hpe3d::models {

// The max-norm constraint of Martinez et al.'s code (tf.clip_by_norm on every
// weight matrix, in the forward pass): w * c / max(|w|_F, c). max_norm 0: w.
torch::Tensor max_norm_weight(const torch::Tensor& weight, double max_norm);

// Linear -> BatchNorm1d -> ReLU -> Dropout. [B, in] -> [B, out]
// In training on the CPU, BN -> ReLU -> Dropout run as one fused node
// (models/bn_relu_dropout.h) unless `fused` is false (LibTorch's modules,
// e.g. for comparison); evaluation always uses the modules.
class LinearBlockImpl : public torch::nn::Module {
 public:
  LinearBlockImpl(int64_t in, int64_t out, double dropout, double max_norm = 0.0);
  torch::Tensor forward(const torch::Tensor& x);

  bool fused = true;
  double max_norm;  // > 0: the Linear's weight is clipped to this norm (max_norm_weight)
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(LinearBlock);

// x + layer2(layer1(x)). [B, width] -> [B, width]
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t width, double dropout, double max_norm = 0.0);
  torch::Tensor forward(const torch::Tensor& x);

  LinearBlock layer1{nullptr}, layer2{nullptr};
};
TORCH_MODULE(ResidualBlock);

struct MlpTrunkOptions {
  MlpTrunkOptions(int64_t in_features) : in_features_(in_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, hidden) = 1024;
  TORCH_ARG(int64_t, blocks) = 2;
  TORCH_ARG(double, dropout) = 0.5;
  TORCH_ARG(double, max_norm) = 0.0;  // > 0: every Linear weight clipped to this norm
};

class MlpTrunkImpl : public torch::nn::Module {
 public:
  explicit MlpTrunkImpl(const MlpTrunkOptions& options);
  // [B, in_features] -> [B, hidden]
  torch::Tensor forward(const torch::Tensor& x);

  MlpTrunkOptions options;
  LinearBlock input{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(MlpTrunk);

}  // namespace hpe3d::models
