#pragma once
// The cross-modal VAE: one encoder q(z|x) and/or decoder p(x|z) per modality
// over a shared latent z, plus an optional VAE-GAN discriminator per decoded
// modality. Submodule names (stable; checkpoints depend on them):
//   encoder_pose2d, encoder_pose3d (PoseEncoder), encoder_rgb (ResNet18Encoder),
//   decoder_pose2d, decoder_pose3d (PoseDecoder), decoder_rgb (ImageDecoder),
//   discriminator_<modality> (ImageDiscriminator / PoseDiscriminator),
//   regressor (PoseRegressor: model.kind martinez, the one pair pose2d->pose3d
//   without a latent; such a model has no encoder or decoder).
// make_model(ModelConfig) is the one way the tools build it.
#include <torch/torch.h>

#include <map>
#include <vector>

#include "hpe3d/core/model_config.h"
#include "hpe3d/models/discriminator.h"
#include "hpe3d/models/image_decoder.h"
#include "hpe3d/models/modality.h"
#include "hpe3d/models/pose_decoder.h"
#include "hpe3d/models/pose_encoder.h"
#include "hpe3d/models/pose_regressor.h"
#include "hpe3d/models/posterior.h"
#include "hpe3d/models/resnet18_encoder.h"

namespace hpe3d::models {

struct CrossModalOutput {
  torch::Tensor reconstruction;  // decoder output for the target modality
  Posterior posterior;           // q(z | x) of the source modality
  torch::Tensor z;               // [B, Z], the latent that was decoded
};

class CrossModalVAEImpl : public torch::nn::Module {
 public:
  explicit CrossModalVAEImpl(int64_t latent_dim);

  // Registration (make_model calls these). One encoder / decoder / discriminator
  // per modality; registering one twice is an error.
  void set_encoder(Modality m, PoseEncoder encoder);
  void set_encoder(Modality m, ResNet18Encoder encoder);
  void set_decoder(Modality m, PoseDecoder decoder);
  void set_decoder(Modality m, ImageDecoder decoder);
  void set_discriminator(Modality m, PoseDiscriminator discriminator);
  void set_discriminator(Modality m, ImageDiscriminator discriminator);
  // The direct pose2d -> pose3d regressor (no encoder/decoder may be set).
  void set_regressor(PoseRegressor regressor);

  bool has_encoder(Modality m) const { return encoders_.count(m) > 0; }
  bool has_decoder(Modality m) const { return decoders_.count(m) > 0; }
  bool has_discriminator(Modality m) const { return discriminators_.count(m) > 0; }
  bool has_regressor() const { return !regressor_.is_empty(); }
  // `from` -> `to` can be predicted: the regressor's pair, or an encoder and a decoder.
  bool predicts(Modality from, Modality to) const;
  int64_t latent_dim() const { return latent_dim_; }

  // x in the encoder's input shape -> {mu, logvar}: [B, Z], logvar <= kMaxLogvar
  Posterior encode(Modality m, const torch::Tensor& x);
  // mu + exp(logvar / 2) * eps when training or `sample`; mu otherwise. [B, Z]
  torch::Tensor reparameterize(const Posterior& posterior, bool sample = false);
  // [B, Z] -> the decoder's output shape
  torch::Tensor decode(Modality m, const torch::Tensor& z);
  // encode(from) -> reparameterize -> decode(to)
  CrossModalOutput forward(Modality from, Modality to, const torch::Tensor& x, bool sample = false);
  DiscriminatorOutput discriminate(Modality m, const torch::Tensor& x);
  // The deterministic prediction: the regressor's output, or the decode of
  // the posterior mean. x in the `from` input shape -> the `to` decoder's output.
  torch::Tensor predict(Modality from, Modality to, const torch::Tensor& x);

  // Encoder + decoder parameters (the VAE optimiser) and discriminator
  // parameters (the discriminator optimiser); together they are parameters().
  std::vector<torch::Tensor> vae_parameters();
  std::vector<torch::Tensor> discriminator_parameters();
  // One encoder's / decoder's parameters (a pair's optimiser, the VAE-GAN
  // split of gradients); empty when the model has none for `m`.
  std::vector<torch::Tensor> encoder_parameters(Modality m);
  std::vector<torch::Tensor> decoder_parameters(Modality m);
  // What trains a pair: its encoder's and decoder's parameters, or the regressor's.
  std::vector<torch::Tensor> pair_parameters(Modality from, Modality to);

 private:
  int64_t latent_dim_;
  std::map<Modality, torch::nn::AnyModule> encoders_, decoders_, discriminators_;
  PoseRegressor regressor_{nullptr};
  std::vector<std::shared_ptr<torch::nn::Module>> discriminator_modules_;
};
TORCH_MODULE(CrossModalVAE);

// Throws core::InputError naming the key (model.image_size, ...) for unknown
// modality names or inconsistent options; make_model checks first.
void check_model_config(const core::ModelConfig& config);

// Builds the encoders, decoders and discriminator `config` asks for, under the
// caller's torch::manual_seed, and loads config.rgb_encoder.pretrained if set
// and `load_pretrained` (false where a checkpoint's weights follow, so that a
// trained model needs no copy of the file it started from).
CrossModalVAE make_model(const core::ModelConfig& config, bool load_pretrained = true);

}  // namespace hpe3d::models
