#include "hpe3d/models/discriminator.h"

#include "hpe3d/models/init.h"
#include "hpe3d/models/spectral_norm.h"

namespace hpe3d::models {

namespace nn = torch::nn;

namespace {

torch::Tensor apply_linear(const std::shared_ptr<nn::Module>& m, const torch::Tensor& x) {
  if (auto* sn = m->as<SpectralLinear>()) return sn->forward(x);
  return m->as<nn::Linear>()->forward(x);
}

torch::Tensor apply_conv(const std::shared_ptr<nn::Module>& m, const torch::Tensor& x) {
  if (auto* sn = m->as<SpectralConv2d>()) return sn->forward(x);
  return m->as<nn::Conv2d>()->forward(x);
}

std::shared_ptr<nn::Module> make_linear(int64_t in, int64_t out, bool spectral) {
  if (spectral) return SpectralLinear(in, out).ptr();
  return nn::Linear(in, out).ptr();
}

}  // namespace

ImageDiscriminatorImpl::ImageDiscriminatorImpl(const ImageDiscriminatorOptions& options_)
    : options(options_) {
  const int64_t s = options.image_size();
  TORCH_CHECK(s == 64 || s == 128 || s == 256,
              "ImageDiscriminator: image_size must be 64, 128 or 256, got ", s);
  TORCH_CHECK(options.base_channels() > 0, "ImageDiscriminator: base_channels must be positive");
  int64_t in = 3;
  for (int64_t side = s, i = 0; side > 8; side /= 2, ++i) {
    int64_t out = std::min<int64_t>(options.base_channels() << i, 512);
    std::string id = std::to_string(i + 1);
    if (options.spectral_norm()) {
      convs_.push_back(register_module("conv" + id, SpectralConv2d(in, out, 4, 2, 1)));
    } else {
      convs_.push_back(register_module(
          "conv" + id, nn::Conv2d(nn::Conv2dOptions(in, out, 4).stride(2).padding(1))));
    }
    bool bn = options.batch_norm() && !options.spectral_norm() && i > 0;  // DCGAN: no BN on the first layer
    bns_.push_back(bn ? register_module("bn" + id, nn::BatchNorm2d(out))
                      : nn::BatchNorm2d{nullptr});
    channels_.push_back(out);
    in = out;
  }
  TORCH_CHECK(options.feature_layer() >= 1 && options.feature_layer() <= layers(),
              "ImageDiscriminator: feature_layer must be in [1, ", layers(), "] for image_size ", s,
              ", got ", options.feature_layer());
  fc_ = register_module("fc", make_linear(in * 8 * 8, 1, options.spectral_norm()));
  init_weights(*this);
}

DiscriminatorOutput ImageDiscriminatorImpl::forward(const torch::Tensor& image) {
  const int64_t s = options.image_size();
  TORCH_CHECK(image.dim() == 4 && image.size(1) == 3 && image.size(2) == s && image.size(3) == s,
              "ImageDiscriminator: expected [B, 3, ", s, ", ", s, "], got ", image.sizes());
  DiscriminatorOutput out;
  auto h = image;
  for (size_t i = 0; i < convs_.size(); ++i) {
    h = apply_conv(convs_[i], h);
    if (bns_[i]) h = bns_[i]->forward(h);
    h = torch::leaky_relu(h, 0.2);
    if (static_cast<int64_t>(i) + 1 == options.feature_layer()) out.features = h;
  }
  out.logits = apply_linear(fc_, torch::flatten(h, 1));
  return out;
}

PoseDiscriminatorImpl::PoseDiscriminatorImpl(const PoseDiscriminatorOptions& options_)
    : options(options_) {
  TORCH_CHECK(options.in_features() > 0 && options.hidden() > 0 && options.layers() >= 1,
              "PoseDiscriminator: need in_features, hidden > 0 and layers >= 1");
  TORCH_CHECK(options.feature_layer() >= 1 && options.feature_layer() <= options.layers(),
              "PoseDiscriminator: feature_layer must be in [1, ", options.layers(), "], got ",
              options.feature_layer());
  int64_t in = options.in_features();
  for (int64_t i = 0; i < options.layers(); ++i) {
    std::string id = std::to_string(i + 1);
    linears_.push_back(
        register_module("linear" + id, make_linear(in, options.hidden(), options.spectral_norm())));
    bool bn = options.batch_norm() && !options.spectral_norm() && i > 0;
    bns_.push_back(bn ? register_module("bn" + id, nn::BatchNorm1d(options.hidden()))
                      : nn::BatchNorm1d{nullptr});
    in = options.hidden();
  }
  fc_ = register_module("fc", make_linear(in, 1, options.spectral_norm()));
  init_weights(*this);
}

DiscriminatorOutput PoseDiscriminatorImpl::forward(const torch::Tensor& pose) {
  TORCH_CHECK(pose.dim() >= 2 && pose.numel() == pose.size(0) * options.in_features(),
              "PoseDiscriminator: expected [B, ", options.in_features(), "] (or [B, J, D]), got ",
              pose.sizes());
  DiscriminatorOutput out;
  auto h = pose.reshape({pose.size(0), options.in_features()});
  for (size_t i = 0; i < linears_.size(); ++i) {
    h = apply_linear(linears_[i], h);
    if (bns_[i]) h = bns_[i]->forward(h);
    h = torch::leaky_relu(h, 0.2);
    if (static_cast<int64_t>(i) + 1 == options.feature_layer()) out.features = h;
  }
  out.logits = apply_linear(fc_, h);
  return out;
}

}  // namespace hpe3d::models
