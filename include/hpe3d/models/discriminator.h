#pragma once
// VAE-GAN discriminators (Larsen et al. 2015) for a decoded image or pose.
// Outputs raw logits (no sigmoid): use BCE-with-logits or a WGAN-GP critic
// loss. Both are twice differentiable (gradient penalty). With
// spectral_norm = true every weight layer is spectrally normalised
// (spectral_norm.h) and batch norm is left out; batch_norm = false leaves it
// out too, as a WGAN-GP critic needs (its gradient penalty is per sample,
// which batch statistics break; Gulrajani et al. 2017).
#include <torch/torch.h>

namespace hpe3d::models {

struct DiscriminatorOutput {
  torch::Tensor logits;    // [B, 1]
  torch::Tensor features;  // output of hidden layer `feature_layer` (learned similarity, Dis_l)
};

struct ImageDiscriminatorOptions {
  ImageDiscriminatorOptions() = default;
  TORCH_ARG(int64_t, image_size) = 64;  // 64, 128 or 256
  TORCH_ARG(int64_t,
            base_channels) = 64;          // channels of the first conv, doubled per layer up to 512
  TORCH_ARG(int64_t, feature_layer) = 3;  // 1-based conv layer whose output is `features`
  TORCH_ARG(bool, spectral_norm) = false;
  TORCH_ARG(bool, batch_norm) = true;      // from layer 2 on, unless spectral_norm
};

// n = log2(S / 8) layers of Conv2d(k=4, s=2, p=1) [+ BN from layer 2 on] +
// LeakyReLU(0.2), S -> 8, then a linear layer on the flattened [C, 8, 8].
//   [B, 3, S, S] -> {logits [B, 1], features [B, C_l, S/2^l, S/2^l]}
// Names: conv<i>.* (Conv2d, or weight_orig/bias/weight_u/weight_v), bn<i>.*, fc.*; i = 1..n.
class ImageDiscriminatorImpl : public torch::nn::Module {
 public:
  explicit ImageDiscriminatorImpl(const ImageDiscriminatorOptions& options = {});
  DiscriminatorOutput forward(const torch::Tensor& image);
  int64_t layers() const { return static_cast<int64_t>(channels_.size()); }

  ImageDiscriminatorOptions options;

 private:
  std::vector<int64_t> channels_;
  std::vector<std::shared_ptr<torch::nn::Module>> convs_;  // Conv2d or SpectralConv2d
  std::vector<torch::nn::BatchNorm2d> bns_;                // empty entries where absent
  std::shared_ptr<torch::nn::Module> fc_;                  // Linear or SpectralLinear
};
TORCH_MODULE(ImageDiscriminator);

struct PoseDiscriminatorOptions {
  explicit PoseDiscriminatorOptions(int64_t in_features) : in_features_(in_features) {}
  TORCH_ARG(int64_t, in_features);  // J*D
  TORCH_ARG(int64_t, hidden) = 512;
  TORCH_ARG(int64_t, layers) = 3;
  TORCH_ARG(int64_t, feature_layer) = 3;  // 1-based hidden layer whose output is `features`
  TORCH_ARG(bool, spectral_norm) = false;
  TORCH_ARG(bool, batch_norm) = true;      // from layer 2 on, unless spectral_norm
};

// `layers` x (Linear [+ BN from layer 2 on] + LeakyReLU(0.2)), then Linear(hidden -> 1).
//   [B, J*D] or [B, J, D] -> {logits [B, 1], features [B, hidden]}
// Names: linear<i>.*, bn<i>.*, fc.*; i = 1..layers.
class PoseDiscriminatorImpl : public torch::nn::Module {
 public:
  explicit PoseDiscriminatorImpl(const PoseDiscriminatorOptions& options);
  DiscriminatorOutput forward(const torch::Tensor& pose);

  PoseDiscriminatorOptions options;

 private:
  std::vector<std::shared_ptr<torch::nn::Module>> linears_;
  std::vector<torch::nn::BatchNorm1d> bns_;
  std::shared_ptr<torch::nn::Module> fc_;
};
TORCH_MODULE(PoseDiscriminator);

}  // namespace hpe3d::models
