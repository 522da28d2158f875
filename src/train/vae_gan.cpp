#include "hpe3d/train/vae_gan.h"

#include "hpe3d/train/losses.h"

namespace hpe3d::train {
namespace {

torch::Tensor bce(const torch::Tensor& logits, double target) {
  return torch::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

}  // namespace

torch::Tensor critic_loss(models::CrossModalVAE& model, const models::Pair& pair, const torch::Tensor& x_from,
                          const torch::Tensor& x_real, const VaeGanOptions& options) {
  torch::Tensor x_rec, x_prior;
  {
    torch::NoGradGuard no_grad;
    auto posterior = model->encode(pair.from, x_from);
    auto z = options.sample_latent ? model->reparameterize(posterior) : posterior.mu;
    x_rec = model->decode(pair.to, z);
    x_prior = model->decode(pair.to, torch::randn_like(z));
  }
  auto real = model->discriminate(pair.to, x_real).logits;
  auto rec = model->discriminate(pair.to, x_rec).logits;
  auto prior = model->discriminate(pair.to, x_prior).logits;
  if (options.kind != "wgan_gp") return bce(real, 1.0) + 0.5 * (bce(rec, 0.0) + bce(prior, 0.0));
  auto loss = 0.5 * (rec.mean() + prior.mean()) - real.mean();
  auto alpha = torch::rand({x_real.size(0)}, x_real.options());
  for (int64_t d = 1; d < x_real.dim(); ++d) alpha = alpha.unsqueeze(-1);
  auto mixed = (alpha * x_real + (1 - alpha) * x_rec).requires_grad_(true);
  auto out = model->discriminate(pair.to, mixed).logits;
  // The penalty is part of the loss: its input gradient keeps its graph.
  auto grad = torch::autograd::grad({out.sum()}, {mixed}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return loss + options.gp_weight * (grad.flatten(1).norm(2, 1) - 1).pow(2).mean();
}

GeneratorLosses generator_losses(models::CrossModalVAE& model, const models::Pair& pair, const torch::Tensor& x_from,
                                 const torch::Tensor& x_real, double beta, const VaeGanOptions& options) {
  auto posterior = model->encode(pair.from, x_from);
  auto z = options.sample_latent ? model->reparameterize(posterior) : posterior.mu;
  auto x_rec = model->decode(pair.to, z);
  auto f_rec = model->discriminate(pair.to, x_rec).features;
  auto f_real = model->discriminate(pair.to, x_real).features.detach();
  auto llike = torch::mse_loss(f_rec, f_real);
  auto kl = kl_divergence(posterior.mu, posterior.logvar, x_real[0].numel());
  // The decoder's adversarial term: decodes of a detached z and of prior samples.
  auto zd = z.detach();
  auto rec = model->discriminate(pair.to, model->decode(pair.to, zd)).logits;
  auto prior = model->discriminate(pair.to, model->decode(pair.to, torch::randn_like(zd))).logits;
  auto generator = options.kind == "wgan_gp" ? -0.5 * (rec.mean() + prior.mean())
                                             : 0.5 * (bce(rec, 1.0) + bce(prior, 1.0));
  return {llike + beta * kl, options.gamma * llike + generator, llike.detach(), kl.detach(), generator.detach()};
}

}  // namespace hpe3d::train
