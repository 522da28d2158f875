#include "hpe3d/models/cross_modal_vae.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hpe3d/core/error.h"
#include "hpe3d/data/normalizer.h"
#include "hpe3d/data/synthetic.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/skeleton.h"
#include "hpe3d/geometry/camera_set.h"
#include "test_util.h"

namespace hpe3d::models {
namespace {

std::string test_path(const std::string& name) {
  return test::temp_dir("cross_modal_vae") + "/" + name;
}

core::ModelConfig small_config() {
  core::ModelConfig c;
  c.latent_dim = 16;
  c.pose.hidden = 64;
  c.pose.blocks = 1;
  return c;
}

TEST(CrossModalVAE, MakeModelBuildsWhatTheConfigAsks) {
  torch::manual_seed(0);
  auto c = small_config();
  c.encoders = {"pose2d", "pose3d", "rgb"};
  c.decoders = {"pose3d", "rgb"};
  c.discriminator.enabled = true;
  c.discriminator.modality = "rgb";
  auto model = make_model(c);
  for (Modality m : {Modality::kPose2d, Modality::kPose3d, Modality::kRgb})
    EXPECT_TRUE(model->has_encoder(m));
  EXPECT_FALSE(model->has_decoder(Modality::kPose2d));
  EXPECT_TRUE(model->has_discriminator(Modality::kRgb));
  std::vector<std::string> children;
  for (auto& m : model->named_children()) children.push_back(m.key());
  EXPECT_EQ(children,
            (std::vector<std::string>{"encoder_pose2d", "encoder_pose3d", "encoder_rgb",
                                      "decoder_pose3d", "decoder_rgb", "discriminator_rgb"}));
  EXPECT_EQ(model->vae_parameters().size() + model->discriminator_parameters().size(),
            model->parameters().size());
  EXPECT_FALSE(model->discriminator_parameters().empty());
  // A BCE discriminator has batch norm; a WGAN-GP critic has none.
  auto has_bn = [](CrossModalVAE& m) {
    for (auto& p : m->named_parameters())
      if (p.key().find("discriminator_rgb.bn") == 0) return true;
    return false;
  };
  EXPECT_TRUE(has_bn(model));
  c.discriminator.kind = "wgan_gp";
  auto critic_model = make_model(c);
  EXPECT_FALSE(has_bn(critic_model));
  c.discriminator.kind = "bce";

  // Every pair runs, with the documented shapes.
  model->train();
  auto pose2d = torch::randn({4, 17, 2});
  auto pose3d = torch::randn({4, 16 * 3});
  auto image = torch::rand({4, 3, 64, 64}) * 2 - 1;
  auto out = model->forward(Modality::kPose2d, Modality::kPose3d, pose2d);
  EXPECT_EQ(out.reconstruction.sizes(), torch::IntArrayRef({4, 48}));
  EXPECT_EQ(out.z.sizes(), torch::IntArrayRef({4, 16}));
  EXPECT_EQ(model->forward(Modality::kPose3d, Modality::kRgb, pose3d).reconstruction.sizes(),
            torch::IntArrayRef({4, 3, 64, 64}));
  auto rgb = model->forward(Modality::kRgb, Modality::kPose3d, image);
  EXPECT_EQ(rgb.reconstruction.sizes(), torch::IntArrayRef({4, 48}));
  rgb.reconstruction.sum().backward();
  EXPECT_TRUE(model->named_parameters()["encoder_rgb.layer4.1.conv2.weight"].grad().defined());
  EXPECT_EQ(model->discriminate(Modality::kRgb, image).logits.sizes(), torch::IntArrayRef({4, 1}));
  EXPECT_THROW(model->decode(Modality::kPose2d, out.z), c10::Error);
}

TEST(CrossModalVAE, ReparameterizeSamplesOnlyInTrainingOrWhenAsked) {
  torch::manual_seed(1);
  auto model = make_model(small_config());
  Posterior q{torch::randn({3, 16}), torch::full({3, 16}, -2.0)};
  model->eval();
  EXPECT_TRUE(torch::equal(model->reparameterize(q), q.mu));
  auto sampled = model->reparameterize(q, /*sample=*/true);
  EXPECT_FALSE(torch::equal(sampled, q.mu));
  model->train();
  // Many samples: mean mu, std exp(-1).
  Posterior wide{torch::zeros({20000, 1}), torch::full({20000, 1}, -2.0)};
  auto z = model->reparameterize(wide);
  EXPECT_NEAR(z.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(z.std().item<double>(), std::exp(-1.0), 0.01);
}

// A run-away log-variance head is clamped at kMaxLogvar (30) by encode, so
// the KL and a reparameterised sample stay finite in float32.
TEST(CrossModalVAE, EncodeClampsTheLogVariance) {
  torch::manual_seed(0);
  auto model = make_model(small_config());
  auto encoder = model->named_children()["encoder_pose2d"]->as<PoseEncoderImpl>();
  {
    torch::NoGradGuard no_grad;
    encoder->fc_logvar->bias.fill_(200.0);  // exp(200) overflows float32
  }
  model->eval();
  auto q = model->encode(Modality::kPose2d, torch::randn({4, 34}));
  EXPECT_EQ(q.logvar.max().item<double>(), kMaxLogvar);
  auto kl = (0.5 * (q.mu.square() + q.logvar.exp() - 1 - q.logvar)).sum(1).mean();
  EXPECT_TRUE(std::isfinite(kl.item<double>()));
  EXPECT_TRUE(torch::isfinite(model->reparameterize(q, true)).all().item<bool>());
}

TEST(CrossModalVAE, MakeModelRejectsBadConfigs) {
  auto c = small_config();
  c.encoders = {"depth"};
  EXPECT_THROW(make_model(c), core::InputError);
  c = small_config();
  c.decoders = {"pose3d", "pose3d"};
  EXPECT_THROW(make_model(c), core::InputError);
  c = small_config();
  c.image_size = 100;
  EXPECT_THROW(make_model(c), core::InputError);
  c = small_config();
  c.discriminator.enabled = true;
  c.discriminator.modality = "rgb";  // no rgb decoder
  EXPECT_THROW(make_model(c), core::InputError);
  c.discriminator.modality = "pose3d";
  c.discriminator.kind = "lsgan";
  EXPECT_THROW(make_model(c), core::InputError);
  c.discriminator.kind = "wgan_gp";
  c.discriminator.spectral_norm = true;
  EXPECT_TRUE(make_model(c)->has_discriminator(Modality::kPose3d));
  c = small_config();
  c.encoders = {"rgb"};
  c.rgb_encoder.pretrained = "/nonexistent/resnet18.pt";
  try {
    make_model(c);
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/resnet18.pt"), std::string::npos);
  }
  // A model whose weights come from a checkpoint does not read the file.
  EXPECT_TRUE(make_model(c, /*load_pretrained=*/false)->has_encoder(Modality::kRgb));
}

TEST(CrossModalVAE, FrozenBatchNormStaysInEvalUnderTheParent) {
  auto c = small_config();
  c.encoders = {"rgb"};
  c.rgb_encoder.freeze = 1;
  auto model = make_model(c);
  model->eval();
  model->train();  // reaches ResNet18EncoderImpl::train through the virtual call
  auto* enc = model->named_children()["encoder_rgb"]->as<ResNet18Encoder>();
  ASSERT_NE(enc, nullptr);
  EXPECT_FALSE(enc->bn1->is_training());
  EXPECT_TRUE(enc->layer1->is_training());
}

TEST(CrossModalVAE, DefaultConfigIsTheMartinezPoseModel) {
  core::ModelConfig c;
  EXPECT_EQ(c.latent_dim, 32);
  auto model = make_model(c);
  auto params = model->named_parameters();
  // 17 x 2 in, hidden 1024, 2 blocks, 16 x 3 out.
  EXPECT_EQ(params["encoder_pose2d.trunk.input.linear.weight"].sizes(),
            torch::IntArrayRef({1024, 34}));
  EXPECT_TRUE(params.contains("encoder_pose2d.trunk.blocks.1.layer2.linear.weight"));
  EXPECT_FALSE(params.contains("encoder_pose2d.trunk.blocks.2.layer1.linear.weight"));
  EXPECT_EQ(params["decoder_pose3d.fc_out.weight"].sizes(), torch::IntArrayRef({48, 1024}));
  EXPECT_EQ(model->named_children().size(), 2u);
}

TEST(CrossModalVAE, SaveLoadRoundTripsEveryParameterAndBuffer) {
  auto c = small_config();
  c.encoders = {"pose2d", "pose3d"};
  c.discriminator.enabled = true;
  c.discriminator.modality = "pose3d";
  c.discriminator.spectral_norm = true;
  torch::manual_seed(21);
  auto a = make_model(c);
  a->train();
  a->forward(Modality::kPose2d, Modality::kPose3d, torch::randn({8, 34}));  // moves BN stats
  a->discriminate(Modality::kPose3d, torch::randn({8, 48}));                // moves u, v
  std::string path = test_path("vae_roundtrip.pt");
  torch::save(a, path);
  torch::manual_seed(22);
  auto b = make_model(c);
  torch::load(b, path);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  auto ba = a->named_buffers(), bb = b->named_buffers();
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_EQ(ba.size(), bb.size());
  for (auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  for (auto& p : ba) EXPECT_TRUE(torch::equal(p.value(), bb[p.key()])) << p.key();
  EXPECT_TRUE(bb.contains("discriminator_pose3d.linear1.weight_u"));
  a->eval();
  b->eval();
  auto x = torch::randn({3, 34});
  EXPECT_TRUE(torch::equal(a->forward(Modality::kPose2d, Modality::kPose3d, x).reconstruction,
                           b->forward(Modality::kPose2d, Modality::kPose3d, x).reconstruction));
}

// 64 poses of the synthetic generator (sample_synthetic_poses, stream 3) seen
// as `h36m-prepare synthetic` sees them (append_camera_views): world ->
// camera frame of a published Human3.6M camera of subject 1 (pose i through
// camera 1 + i % 4), distorted projection to pixels, 3D root-relative with the
// root dropped.
struct PoseBatch {
  torch::Tensor pose2d;  // [N, 17, 2] px
  torch::Tensor pose3d;  // [N, 16, 3] mm, root-relative, root dropped
};

PoseBatch make_pose_batch(int64_t n) {
  auto world = data::sample_synthetic_poses(n, /*seed=*/3);
  auto cameras = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  std::vector<torch::Tensor> pose2d, pose3d;
  for (int64_t i = 0; i < n; ++i) {
    const auto& cam = cameras.get(1, 1 + static_cast<int>(i % 4));
    auto cam3d = geometry::world_to_camera(world.slice(0, i, i + 1), cam);
    pose2d.push_back(geometry::project(cam3d, cam));
    pose3d.push_back((cam3d - cam3d.slice(1, 0, 1)).slice(1, 1, 17));
  }
  return {torch::cat(pose2d).to(torch::kFloat32), torch::cat(pose3d).to(torch::kFloat32)};
}

// Martinez-style model (hidden 256, 2 blocks, dropout 0) trained in train mode
// on one fixed batch of 64 synthetic poses. What is checked, and why:
//  - the fit, decode(mu) with BN batch statistics as in training: < 5 mm;
//  - the prediction path, eval mode (BN running statistics): < 20 mm only.
//    On one fixed batch of 64 the running variance converges to the
//    *unbiased* batch variance (x 64/63), while training normalised with the
//    biased one; over 10 BN layers that shifts the output by ~13 mm however
//    well the batch is fitted (measured: 13.2-13.8 mm at 1,000 / 2,000 /
//    3,000 steps, hidden 256 or 512, with a 1.5-7.9 mm fit; 13-15 mm over
//    three seeds at 2,000 steps, where the fit is 1.7-1.8 mm). Training on random
//    minibatches of the 64 (so the running statistics estimate the set's)
//    did not get eval mode under 10 mm in 5,000 steps. Real training batches
//    vary, so this is a property of the single-batch test (docs/models.md).
//  - that the 64/63 factor is the whole gap: with every running_var scaled by
//    63/64, eval mode gives the batch-statistics fit again (< 5 mm).
TEST(CrossModalVAE, Pose2dToPose3dOverfitsABatch) {
  torch::manual_seed(11);
  const int64_t n = 64;
  auto batch = make_pose_batch(n);
  auto x_norm = data::Normalizer::fit(batch.pose2d), y_norm = data::Normalizer::fit(batch.pose3d);
  auto xn = x_norm.normalize(batch.pose2d), yn = y_norm.normalize(batch.pose3d);

  auto c = small_config();
  c.latent_dim = 32;
  c.pose.hidden = 256;
  c.pose.blocks = 2;
  c.pose.dropout = 0.0;
  auto model = make_model(c);
  int64_t bn_layers = 0;
  for (auto& m : model->modules())
    if (m->as<torch::nn::BatchNorm1d>()) ++bn_layers;
  EXPECT_EQ(bn_layers, 10);
  // MPJPE (mm, 16 joints, P1) of the deterministic prediction decode(mu).
  auto mpjpe = [&](bool eval_mode) {
    torch::NoGradGuard g;
    model->train(!eval_mode);
    auto pred = model->decode(Modality::kPose3d, model->encode(Modality::kPose2d, xn).mu);
    model->train();
    auto mm = y_norm.denormalize(pred).view({n, 16, 3});
    return eval::pose_errors(geometry::add_root(mm), geometry::add_root(batch.pose3d), eval::Protocol::kP1,
                             {16})
        .mean()
        .item<double>();
  };
  double before = mpjpe(true);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  const int steps = 2000;
  for (int step = 0; step < steps; ++step) {
    if (step == steps * 7 / 10)  // a lower rate for the last steps settles the fit
      static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options()).lr(2e-4);
    opt.zero_grad();
    auto out = model->forward(Modality::kPose2d, Modality::kPose3d, xn);  // samples z
    auto& q = out.posterior;
    auto kl = -0.5 * (1 + q.logvar - q.mu.square() - q.logvar.exp()).sum(1).mean() / 48;
    auto loss = torch::mse_loss(out.reconstruction, yn) + 1e-4 * kl;
    loss.backward();
    opt.step();
  }
  double batch_stats = mpjpe(false);
  double eval_mode = mpjpe(true);
  {
    torch::NoGradGuard g;
    for (auto& m : model->modules())
      if (auto* bn = m->as<torch::nn::BatchNorm1d>())
        bn->running_var.mul_(static_cast<double>(n - 1) / n);
  }
  double eval_biased = mpjpe(true);
  EXPECT_GT(before, 100.0);
  EXPECT_LT(batch_stats, 5.0) << "MPJPE before " << before << " mm";
  EXPECT_LT(eval_mode, 20.0);
  EXPECT_LT(eval_biased, 5.0);
  EXPECT_NEAR(eval_biased, batch_stats, 0.5);
  std::printf(
      "[models] synthetic pose2d->pose3d MPJPE %.1f mm -> %.2f mm (batch stats), %.2f mm (eval), "
      "%.2f mm (eval, running_var x 63/64)\n",
      before, batch_stats, eval_mode, eval_biased);
}

// n smooth images: sums of low-frequency sinusoids per channel, in [-0.8, 0.8].
torch::Tensor smooth_images(int64_t n, int64_t size) {
  auto grid = torch::linspace(0, 1, size);
  auto yy = grid.view({1, 1, size, 1}), xx = grid.view({1, 1, 1, size});
  auto img = torch::zeros({n, 3, size, size});
  for (int k = 0; k < 3; ++k) {
    auto fx = torch::rand({n, 3, 1, 1}) * 4 + 0.5, fy = torch::rand({n, 3, 1, 1}) * 4 + 0.5;
    auto phase = torch::rand({n, 3, 1, 1}) * 6.28;
    img += torch::sin(fx * 3.14 * xx + fy * 3.14 * yy + phase) / 3;
  }
  return img * 0.8;
}

TEST(CrossModalVAE, RgbToRgbReducesL1) {
  torch::manual_seed(12);
  auto images = smooth_images(8, 64);
  auto c = small_config();
  c.encoders = {"rgb"};
  c.decoders = {"rgb"};
  c.latent_dim = 32;
  auto model = make_model(c);
  auto l1 = [&] {
    torch::NoGradGuard g;
    model->eval();
    auto rec = model->forward(Modality::kRgb, Modality::kRgb, images).reconstruction;
    model->train();
    return torch::l1_loss(rec, images).item<double>();
  };
  double before = l1();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  // Through the posterior mean (train.sample_latent: false): q(z|x) starts at
  // unit variance (models/init.h), and 120 steps on 8 images are too few for
  // sampled z to pay off; this checks that the rgb encoder and decoder learn.
  for (int step = 0; step < 120; ++step) {
    opt.zero_grad();
    auto q = model->encode(Modality::kRgb, images);
    auto kl = -0.5 * (1 + q.logvar - q.mu.square() - q.logvar.exp()).sum(1).mean() / (3 * 64 * 64);
    (torch::l1_loss(model->decode(Modality::kRgb, q.mu), images) + 1e-4 * kl).backward();
    opt.step();
  }
  double after = l1();
  EXPECT_LT(after * 5, before) << "L1 " << before << " -> " << after;
  std::printf("[models] rgb->rgb L1 %.4f -> %.4f (eval mode)\n", before, after);
}

}  // namespace
}  // namespace hpe3d::models
