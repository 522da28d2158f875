#include "hpe3d/train/vae_gan.h"

#include "hpe3d/train/losses.h"

namespace hpe3d::train {
namespace {

using models::Modality;

std::vector<torch::Tensor> parameters_of(models::CrossModalVAE& model, const std::string& child) {
  for (const auto& item : model->named_children())
    if (item.key() == child) return item.value()->parameters();
  TORCH_CHECK(false, "VAE-GAN: model has no ", child);
}

torch::Tensor bce(const torch::Tensor& logits, double target) {
  return torch::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

void set_gradients(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (!grads[i].defined()) continue;
    auto& g = params[i].mutable_grad();
    g = g.defined() ? g + grads[i] : grads[i].detach();
  }
}

}  // namespace

VaeGanLosses critic_step(models::CrossModalVAE& model, const Pair& pair, const torch::Tensor& x_from,
                         const torch::Tensor& x_real, torch::optim::Optimizer& optimizer,
                         const VaeGanOptions& options) {
  torch::Tensor x_rec, x_prior;
  {
    torch::NoGradGuard no_grad;
    auto posterior = model->encode(pair.from, x_from);
    auto z = options.sample_latent ? model->reparameterize(posterior) : posterior.mu;
    x_rec = model->decode(pair.to, z);
    x_prior = model->decode(pair.to, torch::randn_like(z));
  }
  for (auto& g : optimizer.param_groups())
    for (auto& p : g.params()) p.mutable_grad() = torch::Tensor();
  auto real = model->discriminate(pair.to, x_real).logits;
  auto rec = model->discriminate(pair.to, x_rec).logits;
  auto prior = model->discriminate(pair.to, x_prior).logits;
  torch::Tensor loss;
  if (options.kind == "wgan_gp") {
    loss = 0.5 * (rec.mean() + prior.mean()) - real.mean();
    auto alpha = torch::rand({x_real.size(0)}, x_real.options());
    for (int64_t d = 1; d < x_real.dim(); ++d) alpha = alpha.unsqueeze(-1);
    auto mixed = (alpha * x_real + (1 - alpha) * x_rec).requires_grad_(true);
    auto out = model->discriminate(pair.to, mixed).logits;
    auto grad = torch::autograd::grad({out.sum()}, {mixed}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    loss = loss + options.gp_weight * (grad.flatten(1).norm(2, 1) - 1).pow(2).mean();
  } else {
    loss = bce(real, 1.0) + 0.5 * (bce(rec, 0.0) + bce(prior, 0.0));
  }
  loss.backward();
  optimizer.step();
  return {{}, {}, {}, loss.detach()};
}

VaeGanLosses generator_gradients(models::CrossModalVAE& model, const Pair& pair,
                                 const torch::Tensor& x_from, const torch::Tensor& x_real, double beta,
                                 const VaeGanOptions& options) {
  auto enc = parameters_of(model, "encoder_" + models::modality_name(pair.from));
  auto dec = parameters_of(model, "decoder_" + models::modality_name(pair.to));
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
  auto g_enc = torch::autograd::grad({llike + beta * kl}, enc, {}, /*retain_graph=*/true,
                                     /*create_graph=*/false, /*allow_unused=*/true);
  auto g_dec = torch::autograd::grad({options.gamma * llike + generator}, dec, {}, /*retain_graph=*/false,
                                     /*create_graph=*/false, /*allow_unused=*/true);
  set_gradients(enc, g_enc);
  set_gradients(dec, g_dec);
  return {llike.detach(), kl.detach(), generator.detach(), {}};
}

}  // namespace hpe3d::train
