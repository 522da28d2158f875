#pragma once
// p(image | z): Linear(Z -> 256*8*8) -> BN -> ReLU, then upsampling steps
// ConvTranspose2d(k=4, s=2, p=1), each doubling the side: the first n-1 halve
// the channels (+ BN + ReLU), the last maps to 3 channels with Tanh.
// n = log2(S / 8): 3, 4, 5 steps for S = 64, 128, 256.
//   [B, Z] -> [B, 3, S, S] in [-1, 1]
// Names: fc.*, fc_bn.*, blocks.<i>.conv.*, blocks.<i>.bn.*, output.*.
#include <torch/torch.h>

namespace hpe3d::models {

// ConvTranspose2d(in -> out, k=4, s=2, p=1) -> BN -> ReLU. [B, in, H, W] -> [B, out, 2H, 2W]
class UpBlockImpl : public torch::nn::Module {
 public:
  UpBlockImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::ConvTranspose2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(UpBlock);

struct ImageDecoderOptions {
  explicit ImageDecoderOptions(int64_t latent_dim) : latent_dim_(latent_dim) {}
  TORCH_ARG(int64_t, latent_dim);
  TORCH_ARG(int64_t, image_size) = 64;  // 64, 128 or 256
};

class ImageDecoderImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kChannels = 256;  // at 8 x 8
  explicit ImageDecoderImpl(const ImageDecoderOptions& options);
  torch::Tensor forward(const torch::Tensor& z);

  ImageDecoderOptions options;
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm2d fc_bn{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::ConvTranspose2d output{nullptr};
};
TORCH_MODULE(ImageDecoder);

}  // namespace hpe3d::models
