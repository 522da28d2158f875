#include "hpe3d/train/objective.h"

#include "hpe3d/core/error.h"
#include "hpe3d/train/losses.h"

namespace hpe3d::train {

using models::Modality;

int Objective::critic_updates(models::CrossModalVAE&, const models::Pair&) const { return 0; }

LossTerms Objective::critic_loss(models::CrossModalVAE&, const models::Pair& pair, const Batch&) {
  TORCH_CHECK(false, "Objective: no critic for ", pair.name());
  return {};
}

LossTerms VaeObjective::loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch,
                             double beta) {
  const auto& target = batch.target(pair.to);
  auto posterior = model->encode(pair.from, batch.input(pair.from));
  auto z = sample_latent_ ? model->reparameterize(posterior) : posterior.mu;
  auto decoded = model->decode(pair.to, z);
  auto recon = pair.to == Modality::kRgb ? image_reconstruction(decoded, target) : pose_reconstruction(decoded, target);
  if (!with_kl_) return {{{recon, {}}}, {{"recon", recon.detach()}}};
  if (beta == 0.0) {  // a rising schedule's first step: logged, not differentiated
    torch::NoGradGuard no_grad;
    auto kl = kl_divergence(posterior.mu, posterior.logvar, target[0].numel());
    return {{{recon, {}}}, {{"recon", recon.detach()}, {"kl", kl}}};
  }
  auto kl = kl_divergence(posterior.mu, posterior.logvar, target[0].numel());
  return {{{recon + beta * kl, {}}}, {{"recon", recon.detach()}, {"kl", kl.detach()}}};
}

VaeGanObjective::VaeGanObjective(VaeGanOptions options, int critic_steps, bool with_kl)
    : options_(std::move(options)), critic_steps_(critic_steps), vae_(options_.sample_latent, with_kl) {
  TORCH_CHECK(critic_steps >= 1, "VaeGanObjective: critic_steps must be >= 1");
}

int VaeGanObjective::critic_updates(models::CrossModalVAE& model, const models::Pair& pair) const {
  return model->has_discriminator(pair.to) ? critic_steps_ : 0;
}

LossTerms VaeGanObjective::critic_loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch) {
  auto loss = train::critic_loss(model, pair, batch.input(pair.from), batch.target(pair.to), options_);
  // Plain backward: the decodes it judges carry no graph, so only D gets gradients.
  return {{{loss, {}}}, {{"critic", loss.detach()}}};
}

LossTerms VaeGanObjective::loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch,
                                double beta) {
  if (!model->has_discriminator(pair.to)) return vae_.loss(model, pair, batch, beta);
  auto g = generator_losses(model, pair, batch.input(pair.from), batch.target(pair.to), beta, options_);
  return {{{g.encoder_objective, model->encoder_parameters(pair.from)},
           {g.decoder_objective, model->decoder_parameters(pair.to)}},
          {{"llike", g.llike}, {"kl", g.kl}, {"gan_g", g.generator}}};
}

LossTerms RegressionObjective::loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch,
                                    double /*beta: no latent prior*/) {
  const auto& target = batch.target(pair.to);
  auto decoded = model->predict(pair.from, pair.to, batch.input(pair.from));
  auto recon = pair.to == Modality::kRgb ? image_reconstruction(decoded, target) : pose_reconstruction(decoded, target);
  return {{{recon, {}}}, {{"recon", recon.detach()}}};
}

std::unique_ptr<Objective> make_objective(const core::ExperimentConfig& c) {
  if (c.train.objective == "regression") {
    if (c.model.discriminator.enabled)
      core::fail("train.objective", "regression trains no discriminator: set model.discriminator.enabled: false");
    return std::make_unique<RegressionObjective>();
  }
  if (c.train.objective != "vae")
    core::fail("train.objective", "expected vae or regression, got \"" + c.train.objective + "\"");
  if (c.model.kind == "martinez")
    core::fail("train.objective", "model.kind martinez has no latent to train as a VAE: set train.objective: regression");
  const bool with_kl = c.train.beta.max > 0;  // every schedule stays in [0, max]
  if (!c.model.discriminator.enabled) return std::make_unique<VaeObjective>(c.train.sample_latent, with_kl);
  VaeGanOptions gan{c.model.discriminator.kind, c.train.gan.gamma, c.train.gan.gp_weight, c.train.sample_latent};
  return std::make_unique<VaeGanObjective>(gan, c.train.gan.critic_steps, with_kl);
}

}  // namespace hpe3d::train
