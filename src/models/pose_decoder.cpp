#include "hpe3d/models/pose_decoder.h"

#include "hpe3d/models/init.h"

namespace hpe3d::models {

PoseDecoderImpl::PoseDecoderImpl(const PoseDecoderOptions& options_) : options(options_) {
  TORCH_CHECK(options.joints() > 0 && (options.dims() == 2 || options.dims() == 3),
              "PoseDecoder: need joints > 0 and dims 2 or 3, got ", options.joints(), " x ",
              options.dims());
  TORCH_CHECK(options.latent_dim() > 0, "PoseDecoder: latent_dim must be positive");
  trunk = register_module("trunk", MlpTrunk(MlpTrunkOptions(options.latent_dim())
                                                .hidden(options.hidden())
                                                .blocks(options.blocks())
                                                .dropout(options.dropout())));
  fc_out = register_module("fc_out",
                           torch::nn::Linear(options.hidden(), options.joints() * options.dims()));
  init_weights(*this);
}

torch::Tensor PoseDecoderImpl::forward(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 2 && z.size(1) == options.latent_dim(), "PoseDecoder: expected [B, ",
              options.latent_dim(), "], got ", z.sizes());
  return fc_out(trunk(z));
}

}  // namespace hpe3d::models
