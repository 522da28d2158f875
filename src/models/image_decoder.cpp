#include "hpe3d/models/image_decoder.h"

#include "hpe3d/models/init.h"

namespace hpe3d::models {

namespace nn = torch::nn;

namespace {
nn::ConvTranspose2dOptions up(int64_t in, int64_t out, bool bias) {
  return nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias);
}
}  // namespace

UpBlockImpl::UpBlockImpl(int64_t in, int64_t out) {
  conv = register_module("conv", nn::ConvTranspose2d(up(in, out, /*bias=*/false)));
  bn = register_module("bn", nn::BatchNorm2d(out));
}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x) { return torch::relu(bn(conv(x))); }

ImageDecoderImpl::ImageDecoderImpl(const ImageDecoderOptions& options_) : options(options_) {
  const int64_t s = options.image_size();
  TORCH_CHECK(s == 64 || s == 128 || s == 256,
              "ImageDecoder: image_size must be 64, 128 or 256, got ", s);
  TORCH_CHECK(options.latent_dim() > 0, "ImageDecoder: latent_dim must be positive");
  fc = register_module("fc", nn::Linear(options.latent_dim(), kChannels * 8 * 8));
  fc_bn = register_module("fc_bn", nn::BatchNorm2d(kChannels));
  blocks = register_module("blocks", nn::ModuleList());
  int64_t steps = 0;
  for (int64_t side = 8; side < s; side *= 2) ++steps;
  int64_t channels = kChannels;
  for (int64_t i = 0; i + 1 < steps; ++i, channels /= 2)
    blocks->push_back(UpBlock(channels, channels / 2));
  output = register_module("output", nn::ConvTranspose2d(up(channels, 3, /*bias=*/true)));
  init_weights(*this);
}

torch::Tensor ImageDecoderImpl::forward(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 2 && z.size(1) == options.latent_dim(), "ImageDecoder: expected [B, ",
              options.latent_dim(), "], got ", z.sizes());
  auto h = torch::relu(fc_bn(fc(z).view({z.size(0), kChannels, 8, 8})));
  for (auto& block : *blocks) h = block->as<UpBlock>()->forward(h);
  return torch::tanh(output(h));
}

}  // namespace hpe3d::models
