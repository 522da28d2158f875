#include "hpe3d/models/pose_encoder.h"

#include <gtest/gtest.h>

namespace hpe3d::models {
namespace {

int64_t count(torch::nn::Module& m) {
  int64_t n = 0;
  for (auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(PoseEncoder, ShapesAndBackwardForEveryJointsDimsLatent) {
  torch::manual_seed(0);
  for (int64_t joints : {16, 17})
    for (int64_t dims : {2, 3})
      for (int64_t latent : {8, 32}) {
        PoseEncoder enc(PoseEncoderOptions(joints, dims, latent).hidden(64).blocks(2));
        auto x = torch::randn({5, joints * dims});
        Posterior q = enc(x);
        ASSERT_EQ(q.mu.sizes(), torch::IntArrayRef({5, latent}));
        ASSERT_EQ(q.logvar.sizes(), torch::IntArrayRef({5, latent}));
        (q.mu.sum() + q.logvar.square().sum()).backward();
        for (auto& p : enc->named_parameters()) {
          ASSERT_TRUE(p.value().grad().defined()) << p.key();
          ASSERT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
        }
        // [B, J, D] is accepted and gives the same result in eval mode.
        enc->eval();
        EXPECT_TRUE(torch::allclose(enc(x).mu, enc(x.view({5, joints, dims})).mu));
      }
}

TEST(PoseEncoder, RejectsWrongShapes) {
  PoseEncoder enc(PoseEncoderOptions(17, 2, 16).hidden(32));
  EXPECT_THROW(enc(torch::randn({4, 16 * 2})), c10::Error);
  EXPECT_THROW(enc(torch::randn({4, 17, 3})), c10::Error);
  EXPECT_THROW(PoseEncoder(PoseEncoderOptions(17, 4, 16)), c10::Error);
}

TEST(PoseEncoder, ParameterCountMatchesHandFormula) {
  // Linear(in, h) + BN(h) (weight, bias), `blocks` x 2 x (Linear(h, h) + BN(h)),
  // two heads Linear(h, Z).
  const int64_t in = 17 * 2, h = 1024, blocks = 2, z = 32;
  const int64_t expected =
      (in * h + h + 2 * h) + blocks * 2 * (h * h + h + 2 * h) + 2 * (h * z + z);
  PoseEncoder enc(PoseEncoderOptions(17, 2, z).hidden(h).blocks(blocks));
  EXPECT_EQ(count(*enc), expected);
  EXPECT_EQ(expected, 4'310'080);  // 37,888 + 4,206,592 + 65,600
  // Names are stable (checkpoints depend on them).
  auto names = enc->named_parameters().keys();
  EXPECT_NE(std::find(names.begin(), names.end(), "trunk.blocks.1.layer2.bn.weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "fc_logvar.bias"), names.end());
}

TEST(PoseEncoder, InitialisationFollowsTheSeed) {
  torch::manual_seed(5);
  PoseEncoder a(PoseEncoderOptions(17, 2, 8).hidden(32));
  torch::manual_seed(5);
  PoseEncoder b(PoseEncoderOptions(17, 2, 8).hidden(32));
  auto w = a->trunk->input->linear->weight;
  EXPECT_TRUE(torch::equal(w, b->trunk->input->linear->weight));
  // Kaiming normal (fan_in, ReLU): std = sqrt(2 / 34).
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 34), 0.02);
  EXPECT_TRUE(torch::equal(a->trunk->input->bn->weight, torch::ones({32})));
}

// q(z|x) starts near N(0, I) (models/init.h): logvar exactly 0, mu small.
// With Kaiming-initialised heads the demo encoder started at a KL of ~1e4
// per output element and SGD at lr 0.01 diverged within 10 steps.
TEST(PoseEncoder, PosteriorStartsNearTheStandardNormal) {
  torch::manual_seed(0);
  PoseEncoder enc(PoseEncoderOptions(17, 2, 32).hidden(512).blocks(2).dropout(0.1));
  Posterior q = enc(torch::randn({256, 34}));
  EXPECT_EQ(q.logvar.abs().max().item<double>(), 0.0);
  const double kl_per_element = (0.5 * (q.mu.square() + q.logvar.exp() - 1 - q.logvar)).sum(1).mean().item<double>() / 48;
  EXPECT_LT(kl_per_element, 1.0);
  EXPECT_LT(q.mu.std().item<double>(), 1.0);
  // The heads still learn: the zero logvar weight gets a gradient.
  q.logvar.exp().sum().backward();
  EXPECT_GT(enc->fc_logvar->weight.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace hpe3d::models
