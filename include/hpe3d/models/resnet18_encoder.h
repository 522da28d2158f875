#pragma once
// q(z | image): ResNet-18 with torchvision's module tree and parameter/buffer
// names (conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.{0,1}, ...), so
// a torchvision state loads by name; global average pooling to a 512-d
// feature, dropout, then two linear heads fc_mu, fc_logvar (no `fc`).
//   [B, 3, S, S] -> {mu, logvar}: [B, Z]      feature(): [B, 3, S, S] -> [B, 512]
// Stages, in order: 0 stem (conv1, bn1), 1..4 layer1..layer4. The first
// `freeze` stages have requires_grad = false and their BatchNorm layers stay in
// eval mode (running statistics fixed) even when the module is in train mode.
#include <torch/torch.h>

#include <string>

#include "hpe3d/models/posterior.h"

namespace hpe3d::models {

// torchvision's BasicBlock: conv3x3-bn-relu-conv3x3-bn + (downsample) identity, relu.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // conv1x1 + bn, only when the shape changes
};
TORCH_MODULE(BasicBlock);

struct ResNet18EncoderOptions {
  explicit ResNet18EncoderOptions(int64_t latent_dim) : latent_dim_(latent_dim) {}
  TORCH_ARG(int64_t, latent_dim);
  TORCH_ARG(int64_t, input_size) = 64;  // S; inputs must be [B, 3, S, S], S >= 32
  TORCH_ARG(int64_t, freeze) = 0;       // leading stages frozen, 0..5
  TORCH_ARG(double, dropout) = 0.0;     // on the pooled feature, before the heads
};

class ResNet18EncoderImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kFeatureDim = 512;
  static constexpr int64_t kStages = 5;

  explicit ResNet18EncoderImpl(const ResNet18EncoderOptions& options);

  Posterior forward(const torch::Tensor& image);
  // The pooled trunk feature (no dropout). [B, 3, S, S] -> [B, 512]
  torch::Tensor feature(const torch::Tensor& image);

  // Keeps the BatchNorm layers of frozen stages in eval mode.
  void train(bool on = true) override;

  // Copies every trunk parameter and buffer, by name, from a TorchScript file
  // of torchvision's resnet18 (scripts/export_torchvision_resnet18.py); the
  // file's fc.* is ignored. Throws core::InputError naming the file and the
  // missing / unexpected / shape-mismatched names if anything does not match.
  void load_pretrained(const std::string& path);

  // The trunk's parameters and buffers by name (all but fc_mu, fc_logvar).
  std::vector<std::pair<std::string, torch::Tensor>> trunk_state();

  ResNet18EncoderOptions options;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::MaxPool2d maxpool{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear fc_mu{nullptr}, fc_logvar{nullptr};

 private:
  std::vector<std::shared_ptr<torch::nn::Module>> stage_modules(int64_t stage);
};
TORCH_MODULE(ResNet18Encoder);

}  // namespace hpe3d::models
