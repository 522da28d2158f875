#include "hpe3d/models/discriminator.h"

#include <gtest/gtest.h>

namespace hpe3d::models {
namespace {

// WGAN-GP style: ||d logits / d x|| penalty, differentiated again to the weights.
template <typename D>
void expect_gradient_penalty_backprops(D& disc, const torch::Tensor& input) {
  auto x = input.clone().requires_grad_(true);
  auto out = disc->forward(x);
  auto g = torch::autograd::grad({out.logits.sum()}, {x}, {}, /*retain_graph=*/true,
                                 /*create_graph=*/true)[0];
  auto penalty = (g.flatten(1).norm(2, 1) - 1).square().mean();
  penalty.backward();
  int64_t with_grad = 0;
  for (const torch::Tensor& p : disc->parameters())
    if (p.grad().defined() && p.grad().abs().sum().item<double>() > 0) ++with_grad;
  EXPECT_GT(with_grad, 0);
  for (const torch::Tensor& p : disc->parameters())
    if (p.grad().defined()) EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>());
}

TEST(Discriminator, ImageShapesFeaturesAndBackward) {
  torch::manual_seed(0);
  for (int64_t size : {64, 128, 256})
    for (bool sn : {false, true}) {
      int64_t batch = size == 256 ? 2 : 3;
      ImageDiscriminator disc(
          ImageDiscriminatorOptions().image_size(size).feature_layer(2).spectral_norm(sn));
      EXPECT_EQ(disc->layers(), size == 64 ? 3 : size == 128 ? 4 : 5);
      auto out = disc(torch::randn({batch, 3, size, size}));
      ASSERT_EQ(out.logits.sizes(), torch::IntArrayRef({batch, 1}));
      ASSERT_EQ(out.features.sizes(), torch::IntArrayRef({batch, 128, size / 4, size / 4}));
      (out.logits.sum() + out.features.mean()).backward();
      for (auto& p : disc->named_parameters()) ASSERT_TRUE(p.value().grad().defined()) << p.key();
      // Spectral norm replaces batch norm.
      bool has_bn = false;
      for (auto& p : disc->named_parameters()) has_bn |= p.key().rfind("bn", 0) == 0;
      EXPECT_EQ(has_bn, !sn);
    }
  EXPECT_THROW(ImageDiscriminator(ImageDiscriminatorOptions().image_size(64).feature_layer(4)),
               c10::Error);
}

TEST(Discriminator, PoseShapesFeaturesAndBackward) {
  torch::manual_seed(1);
  for (int64_t joints : {16, 17})
    for (int64_t dims : {2, 3})
      for (bool sn : {false, true}) {
        PoseDiscriminator disc(PoseDiscriminatorOptions(joints * dims)
                                   .hidden(64)
                                   .layers(3)
                                   .feature_layer(2)
                                   .spectral_norm(sn));
        auto out = disc(torch::randn({5, joints, dims}));
        ASSERT_EQ(out.logits.sizes(), torch::IntArrayRef({5, 1}));
        ASSERT_EQ(out.features.sizes(), torch::IntArrayRef({5, 64}));
        out.logits.sum().backward();
        for (auto& p : disc->named_parameters()) ASSERT_TRUE(p.value().grad().defined()) << p.key();
      }
  PoseDiscriminator disc(PoseDiscriminatorOptions(48));
  EXPECT_THROW(disc(torch::randn({5, 17, 3})), c10::Error);
}

// Without batch norm (a WGAN-GP critic) each sample's logit depends on that
// sample alone, in training mode too, so a per-sample gradient penalty holds.
TEST(Discriminator, WithoutBatchNormSamplesAreJudgedAlone) {
  torch::manual_seed(2);
  auto independent = [](auto& disc, torch::Tensor x) {
    disc->train();
    auto before = disc(x).logits[0].clone();
    x[1] += 5;
    return torch::allclose(disc(x).logits[0], before, 0, 1e-6);
  };
  PoseDiscriminator pose_bn(PoseDiscriminatorOptions(48).hidden(32));
  PoseDiscriminator pose_plain(PoseDiscriminatorOptions(48).hidden(32).batch_norm(false));
  ImageDiscriminator image_plain(ImageDiscriminatorOptions().batch_norm(false));
  EXPECT_FALSE(independent(pose_bn, torch::randn({4, 48})));
  EXPECT_TRUE(independent(pose_plain, torch::randn({4, 48})));
  EXPECT_TRUE(independent(image_plain, torch::randn({3, 3, 64, 64})));
  for (auto& p : pose_plain->named_parameters()) EXPECT_NE(p.key().rfind("bn", 0), 0u) << p.key();
  for (auto& p : image_plain->named_parameters()) EXPECT_NE(p.key().rfind("bn", 0), 0u) << p.key();
}

TEST(Discriminator, LogitsAreUnboundedNoSigmoid) {
  torch::manual_seed(2);
  PoseDiscriminator disc(PoseDiscriminatorOptions(48).hidden(32));
  auto logits = disc(torch::randn({64, 48}) * 50).logits;
  EXPECT_TRUE(((logits < 0).any().item<bool>()) || ((logits > 1).any().item<bool>()));
}

TEST(Discriminator, GradientPenaltyDoubleBackward) {
  torch::manual_seed(3);
  for (bool sn : {false, true}) {
    SCOPED_TRACE(sn ? "spectral norm" : "batch norm");
    ImageDiscriminator img(ImageDiscriminatorOptions().image_size(64).spectral_norm(sn));
    expect_gradient_penalty_backprops(img, torch::randn({2, 3, 64, 64}));
    PoseDiscriminator pose(PoseDiscriminatorOptions(48).hidden(32).spectral_norm(sn));
    expect_gradient_penalty_backprops(pose, torch::randn({4, 48}));
  }
}

}  // namespace
}  // namespace hpe3d::models
