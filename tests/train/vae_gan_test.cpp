#include "hpe3d/train/vae_gan.h"

#include <gtest/gtest.h>

#include "hpe3d/train/losses.h"
#include "test_util.h"

namespace hpe3d::train {
namespace {

using models::Modality;

models::CrossModalVAE make_gan_model(const std::string& kind) {
  core::ModelConfig c;
  c.latent_dim = 8;
  c.pose.hidden = 32;
  c.pose.blocks = 1;
  c.pose.dropout = 0.0;
  test::add_pose_critic(c);
  c.discriminator.kind = kind;
  torch::manual_seed(0);
  return models::make_model(c);
}

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone());
  return out;
}

bool changed(const std::vector<torch::Tensor>& before, const std::vector<torch::Tensor>& after) {
  for (size_t i = 0; i < before.size(); ++i)
    if (!torch::equal(before[i], after[i])) return true;
  return false;
}

std::vector<torch::Tensor> params_of(models::CrossModalVAE& m, const std::string& child) {
  for (const auto& item : m->named_children())
    if (item.key() == child) return item.value()->parameters();
  return {};
}

class VaeGan : public ::testing::TestWithParam<std::string> {};

// Gradients of `loss` for `params` put into .grad (the optimisation seam does
// this in training; here the losses are checked on their own).
void set_gradients(const torch::Tensor& loss, std::vector<torch::Tensor> params, bool retain = false) {
  auto grads = torch::autograd::grad({loss}, params, {}, retain, false, /*allow_unused=*/true);
  for (size_t i = 0; i < params.size(); ++i)
    if (grads[i].defined()) params[i].mutable_grad() = grads[i];
}

TEST_P(VaeGan, StepsUpdateGeneratorAndDiscriminator) {
  auto model = make_gan_model(GetParam());
  models::Pair pair{Modality::kPose2d, Modality::kPose3d};
  auto x2 = torch::randn({16, 34}), x3 = torch::randn({16, 48});
  torch::optim::Adam critic_opt(model->discriminator_parameters(), 1e-3);
  torch::optim::Adam vae_opt(model->vae_parameters(), 1e-3);
  auto d_before = snapshot(model->discriminator_parameters());
  auto g_before = snapshot(params_of(model, "decoder_pose3d"));
  VaeGanOptions options{GetParam(), 1.0, 10.0, true};
  critic_opt.zero_grad();
  auto c = critic_loss(model, pair, x2, x3, options);
  c.backward();
  for (const auto& p : params_of(model, "decoder_pose3d")) EXPECT_FALSE(p.grad().defined());  // reaches D only
  critic_opt.step();
  EXPECT_TRUE(std::isfinite(c.item<double>()));
  EXPECT_TRUE(changed(d_before, snapshot(model->discriminator_parameters())));
  EXPECT_FALSE(changed(g_before, snapshot(params_of(model, "decoder_pose3d"))));  // critic step leaves G

  auto d_mid = snapshot(model->discriminator_parameters());
  vae_opt.zero_grad();
  auto g = generator_losses(model, pair, x2, x3, 0.01, options);
  set_gradients(g.encoder_objective, params_of(model, "encoder_pose2d"), /*retain=*/true);
  set_gradients(g.decoder_objective, params_of(model, "decoder_pose3d"));
  vae_opt.step();
  EXPECT_TRUE(std::isfinite(g.generator.item<double>()));
  EXPECT_TRUE(changed(g_before, snapshot(params_of(model, "decoder_pose3d"))));
  EXPECT_FALSE(changed(d_mid, snapshot(model->discriminator_parameters())));  // G step leaves D
}

// The encoder's gradient is exactly that of L_llike + beta KL: no GAN term.
TEST_P(VaeGan, GanErrorDoesNotReachTheEncoder) {
  auto model = make_gan_model(GetParam());
  model->eval();  // fixed BN statistics and z = mu: both computations see the same network
  models::Pair pair{Modality::kPose2d, Modality::kPose3d};
  torch::manual_seed(3);
  auto x2 = torch::randn({16, 34}), x3 = torch::randn({16, 48});
  VaeGanOptions options{GetParam(), 0.5, 10.0, false};
  auto enc = params_of(model, "encoder_pose2d");
  auto dec = params_of(model, "decoder_pose3d");
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  auto g = generator_losses(model, pair, x2, x3, 0.01, options);
  set_gradients(g.encoder_objective, enc, /*retain=*/true);
  set_gradients(g.decoder_objective, dec);
  auto enc_grad = snapshot([&] { std::vector<torch::Tensor> g; for (auto& p : enc) g.push_back(p.grad()); return g; }());
  auto dec_grad = snapshot([&] { std::vector<torch::Tensor> g; for (auto& p : dec) g.push_back(p.grad()); return g; }());

  // Reference: the encoder objective alone, and the decoder's reconstruction part alone.
  auto posterior = model->encode(Modality::kPose2d, x2);
  auto rec = model->decode(Modality::kPose3d, posterior.mu);
  auto llike = torch::mse_loss(model->discriminate(Modality::kPose3d, rec).features,
                               model->discriminate(Modality::kPose3d, x3).features.detach());
  auto kl = kl_divergence(posterior.mu, posterior.logvar, 48);
  auto ref_enc = torch::autograd::grad({llike + 0.01 * kl}, enc, {}, true, false, true);
  auto ref_dec = torch::autograd::grad({0.5 * llike}, dec, {}, false, false, true);
  for (size_t i = 0; i < enc.size(); ++i)
    EXPECT_TRUE(torch::allclose(enc_grad[i], ref_enc[i], 1e-5, 1e-7)) << "encoder tensor " << i;
  bool gan_reaches_decoder = false;
  for (size_t i = 0; i < dec.size(); ++i)
    gan_reaches_decoder |= !torch::allclose(dec_grad[i], ref_dec[i], 1e-5, 1e-7);
  EXPECT_TRUE(gan_reaches_decoder);
}

INSTANTIATE_TEST_SUITE_P(Critics, VaeGan, ::testing::Values("bce", "wgan_gp"));

}  // namespace
}  // namespace hpe3d::train
