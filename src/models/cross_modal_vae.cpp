#include "hpe3d/models/cross_modal_vae.h"

#include <set>

#include "hpe3d/core/error.h"

namespace hpe3d::models {

namespace {

template <typename M>
void add(torch::nn::Module& self, std::map<Modality, torch::nn::AnyModule>& table, Modality m,
         const std::string& kind, M module) {
  TORCH_CHECK(module, "CrossModalVAE: empty ", kind, " for ", modality_name(m));
  TORCH_CHECK(!table.count(m), "CrossModalVAE: ", kind, " for ", modality_name(m), " already set");
  TORCH_CHECK(!self.named_children().contains("regressor"), "CrossModalVAE: a model with a regressor has no ", kind);
  self.register_module(kind + "_" + modality_name(m), module.ptr());
  table.emplace(m, torch::nn::AnyModule(module));
}

torch::nn::AnyModule& find(std::map<Modality, torch::nn::AnyModule>& table, Modality m,
                           const char* kind) {
  auto it = table.find(m);
  TORCH_CHECK(it != table.end(), "CrossModalVAE: this model has no ", kind, " for ",
              modality_name(m));
  return it->second;
}

}  // namespace

CrossModalVAEImpl::CrossModalVAEImpl(int64_t latent_dim) : latent_dim_(latent_dim) {
  TORCH_CHECK(latent_dim > 0, "CrossModalVAE: latent_dim must be positive, got ", latent_dim);
}

void CrossModalVAEImpl::set_encoder(Modality m, PoseEncoder e) {
  TORCH_CHECK(m != Modality::kRgb && e->options.latent_dim() == latent_dim_,
              "CrossModalVAE: pose encoder for ", modality_name(m),
              " must be a pose modality with latent_dim ", latent_dim_);
  add(*this, encoders_, m, "encoder", e);
}
void CrossModalVAEImpl::set_encoder(Modality m, ResNet18Encoder e) {
  TORCH_CHECK(m == Modality::kRgb && e->options.latent_dim() == latent_dim_,
              "CrossModalVAE: ResNet18Encoder must be for rgb with latent_dim ", latent_dim_);
  add(*this, encoders_, m, "encoder", e);
}
void CrossModalVAEImpl::set_decoder(Modality m, PoseDecoder d) {
  TORCH_CHECK(m != Modality::kRgb && d->options.latent_dim() == latent_dim_,
              "CrossModalVAE: pose decoder for ", modality_name(m),
              " must be a pose modality with latent_dim ", latent_dim_);
  add(*this, decoders_, m, "decoder", d);
}
void CrossModalVAEImpl::set_decoder(Modality m, ImageDecoder d) {
  TORCH_CHECK(m == Modality::kRgb && d->options.latent_dim() == latent_dim_,
              "CrossModalVAE: ImageDecoder must be for rgb with latent_dim ", latent_dim_);
  add(*this, decoders_, m, "decoder", d);
}
void CrossModalVAEImpl::set_discriminator(Modality m, PoseDiscriminator d) {
  TORCH_CHECK(m != Modality::kRgb, "CrossModalVAE: PoseDiscriminator cannot judge rgb");
  add(*this, discriminators_, m, "discriminator", d);
  discriminator_modules_.push_back(d.ptr());
}
void CrossModalVAEImpl::set_discriminator(Modality m, ImageDiscriminator d) {
  TORCH_CHECK(m == Modality::kRgb, "CrossModalVAE: ImageDiscriminator judges rgb only");
  add(*this, discriminators_, m, "discriminator", d);
  discriminator_modules_.push_back(d.ptr());
}

void CrossModalVAEImpl::set_regressor(PoseRegressor r) {
  TORCH_CHECK(r, "CrossModalVAE: empty regressor");
  TORCH_CHECK(!has_regressor() && encoders_.empty() && decoders_.empty(),
              "CrossModalVAE: a regressor is the model's only network");
  regressor_ = register_module("regressor", r);
}

bool CrossModalVAEImpl::predicts(Modality from, Modality to) const {
  if (has_regressor()) return from == Modality::kPose2d && to == Modality::kPose3d;
  return has_encoder(from) && has_decoder(to);
}

torch::Tensor CrossModalVAEImpl::predict(Modality from, Modality to, const torch::Tensor& x) {
  if (!has_regressor()) return decode(to, encode(from, x).mu);
  TORCH_CHECK(predicts(from, to), "CrossModalVAE: the regressor predicts pose2d->pose3d only, not ",
              modality_name(from), "->", modality_name(to));
  return regressor_(x);
}

std::vector<torch::Tensor> CrossModalVAEImpl::pair_parameters(Modality from, Modality to) {
  if (has_regressor()) return predicts(from, to) ? regressor_->parameters() : std::vector<torch::Tensor>{};
  auto params = encoder_parameters(from);
  auto dec = decoder_parameters(to);
  params.insert(params.end(), dec.begin(), dec.end());
  return params;
}

Posterior CrossModalVAEImpl::encode(Modality m, const torch::Tensor& x) {
  auto posterior = find(encoders_, m, "encoder").forward<Posterior>(x);
  posterior.logvar = posterior.logvar.clamp_max(kMaxLogvar);
  return posterior;
}

torch::Tensor CrossModalVAEImpl::reparameterize(const Posterior& p, bool sample) {
  TORCH_CHECK(p.mu.defined() && p.logvar.defined() && p.mu.sizes() == p.logvar.sizes(),
              "CrossModalVAE::reparameterize: mu and logvar must have the same shape");
  if (!is_training() && !sample) return p.mu;
  return p.mu + torch::exp(0.5 * p.logvar) * torch::randn_like(p.mu);
}

torch::Tensor CrossModalVAEImpl::decode(Modality m, const torch::Tensor& z) {
  return find(decoders_, m, "decoder").forward<torch::Tensor>(z);
}

CrossModalOutput CrossModalVAEImpl::forward(Modality from, Modality to, const torch::Tensor& x,
                                            bool sample) {
  CrossModalOutput out;
  out.posterior = encode(from, x);
  out.z = reparameterize(out.posterior, sample);
  out.reconstruction = decode(to, out.z);
  return out;
}

DiscriminatorOutput CrossModalVAEImpl::discriminate(Modality m, const torch::Tensor& x) {
  return find(discriminators_, m, "discriminator").forward<DiscriminatorOutput>(x);
}

std::vector<torch::Tensor> CrossModalVAEImpl::discriminator_parameters() {
  std::vector<torch::Tensor> out;
  for (auto& d : discriminator_modules_)
    for (auto& p : d->parameters()) out.push_back(p);
  return out;
}

std::vector<torch::Tensor> CrossModalVAEImpl::encoder_parameters(Modality m) {
  auto it = encoders_.find(m);
  return it == encoders_.end() ? std::vector<torch::Tensor>{} : it->second.ptr()->parameters();
}

std::vector<torch::Tensor> CrossModalVAEImpl::decoder_parameters(Modality m) {
  auto it = decoders_.find(m);
  return it == decoders_.end() ? std::vector<torch::Tensor>{} : it->second.ptr()->parameters();
}

std::vector<torch::Tensor> CrossModalVAEImpl::vae_parameters() {
  std::vector<torch::Tensor> out;
  for (auto& p : named_parameters(true))
    if (p.key().rfind("discriminator_", 0) != 0) out.push_back(p.value());
  return out;
}

void check_model_config(const core::ModelConfig& c) {
  auto check = [](bool ok, const std::string& key, const std::string& what) {
    if (!ok) core::fail("model." + key, what);
  };
  check(c.kind == "vae" || c.kind == "martinez", "kind", "must be vae or martinez, got '" + c.kind + "'");
  check(c.latent_dim > 0, "latent_dim", "must be positive");
  check(c.joints_2d == 16 || c.joints_2d == 17, "joints_2d", "must be 16 or 17");
  check(c.joints_3d == 16 || c.joints_3d == 17, "joints_3d", "must be 16 or 17");
  check(c.image_size == 64 || c.image_size == 128 || c.image_size == 256, "image_size",
        "must be 64, 128 or 256");
  check(c.pose.hidden > 0 && c.pose.blocks >= 0, "pose", "hidden must be > 0 and blocks >= 0");
  check(c.pose.dropout >= 0 && c.pose.dropout < 1, "pose.dropout", "must be in [0, 1)");
  check(c.pose.max_norm >= 0, "pose.max_norm", "must be >= 0");
  if (c.kind == "martinez") {
    const std::vector<std::string> from{"pose2d"}, to{"pose3d"};
    check(c.encoders == from && c.decoders == to, "encoders/decoders",
          "kind martinez regresses pose2d to pose3d: encoders [pose2d], decoders [pose3d]");
    check(!c.discriminator.enabled, "discriminator.enabled", "kind martinez has no discriminator");
    return;
  }
  check(c.pose.max_norm == 0, "pose.max_norm", "applies to model.kind martinez only");
  check(c.rgb_encoder.freeze >= 0 && c.rgb_encoder.freeze <= 5, "rgb_encoder.freeze",
        "must be in [0, 5]");
  check(c.rgb_encoder.dropout >= 0 && c.rgb_encoder.dropout < 1, "rgb_encoder.dropout",
        "must be in [0, 1)");
  check(!c.encoders.empty() && !c.decoders.empty(), "encoders/decoders",
        "need at least one encoder and one decoder");
  std::set<Modality> encoders, decoders;
  for (const auto& name : c.encoders)
    check(encoders.insert(parse_modality(name, "model.encoders")).second, "encoders", "'" + name + "' listed twice");
  for (const auto& name : c.decoders)
    check(decoders.insert(parse_modality(name, "model.decoders")).second, "decoders", "'" + name + "' listed twice");
  const auto& d = c.discriminator;
  if (!d.enabled) return;
  Modality m = parse_modality(d.modality, "model.discriminator.modality");
  check(decoders.count(m) > 0, "discriminator.modality", "'" + d.modality + "' has no decoder to judge");
  check(d.kind == "bce" || d.kind == "wgan_gp", "discriminator.kind", "must be bce or wgan_gp, got '" + d.kind + "'");
  if (m == Modality::kRgb) {
    int64_t layers = 0;
    for (int64_t side = c.image_size; side > 8; side /= 2) ++layers;
    check(d.feature_layer >= 1 && d.feature_layer <= layers, "discriminator.feature_layer",
          "must be in [1, " + std::to_string(layers) + "] for image_size " + std::to_string(c.image_size));
  } else {
    check(d.hidden > 0 && d.layers >= 1, "discriminator", "hidden must be > 0, layers >= 1");
    check(d.feature_layer >= 1 && d.feature_layer <= d.layers, "discriminator.feature_layer",
          "must be in [1, layers]");
  }
}

CrossModalVAE make_model(const core::ModelConfig& c, bool load_pretrained) {
  check_model_config(c);
  auto joints = [&](Modality m) { return m == Modality::kPose2d ? c.joints_2d : c.joints_3d; };
  auto dims = [](Modality m) -> int64_t { return m == Modality::kPose2d ? 2 : 3; };
  CrossModalVAE model(c.latent_dim);
  if (c.kind == "martinez") {
    model->set_regressor(PoseRegressor(PoseRegressorOptions(c.joints_2d, 2, c.joints_3d, 3)
                                           .hidden(c.pose.hidden)
                                           .blocks(c.pose.blocks)
                                           .dropout(c.pose.dropout)
                                           .max_norm(c.pose.max_norm)));
    return model;
  }
  for (const auto& name : c.encoders) {
    Modality m = parse_modality(name, "model.encoders");
    if (m == Modality::kRgb) {
      ResNet18Encoder enc(ResNet18EncoderOptions(c.latent_dim)
                              .input_size(c.image_size)
                              .freeze(c.rgb_encoder.freeze)
                              .dropout(c.rgb_encoder.dropout));
      if (load_pretrained && !c.rgb_encoder.pretrained.empty()) enc->load_pretrained(c.rgb_encoder.pretrained);
      model->set_encoder(m, enc);
    } else {
      model->set_encoder(m, PoseEncoder(PoseEncoderOptions(joints(m), dims(m), c.latent_dim)
                                            .hidden(c.pose.hidden)
                                            .blocks(c.pose.blocks)
                                            .dropout(c.pose.dropout)));
    }
  }
  for (const auto& name : c.decoders) {
    Modality m = parse_modality(name, "model.decoders");
    if (m == Modality::kRgb) {
      model->set_decoder(m,
                         ImageDecoder(ImageDecoderOptions(c.latent_dim).image_size(c.image_size)));
    } else {
      model->set_decoder(m, PoseDecoder(PoseDecoderOptions(c.latent_dim, joints(m), dims(m))
                                            .hidden(c.pose.hidden)
                                            .blocks(c.pose.blocks)
                                            .dropout(c.pose.dropout)));
    }
  }
  const auto& d = c.discriminator;
  if (d.enabled) {
    Modality m = parse_modality(d.modality, "model.discriminator.modality");
    if (m == Modality::kRgb) {
      model->set_discriminator(m, ImageDiscriminator(ImageDiscriminatorOptions()
                                                         .image_size(c.image_size)
                                                         .feature_layer(d.feature_layer)
                                                         .spectral_norm(d.spectral_norm)
                                                         .batch_norm(d.kind != "wgan_gp")));
    } else {
      model->set_discriminator(m, PoseDiscriminator(PoseDiscriminatorOptions(joints(m) * dims(m))
                                                        .hidden(d.hidden)
                                                        .layers(d.layers)
                                                        .feature_layer(d.feature_layer)
                                                        .spectral_norm(d.spectral_norm)
                                                        .batch_norm(d.kind != "wgan_gp")));
    }
  }
  return model;
}

}  // namespace hpe3d::models
