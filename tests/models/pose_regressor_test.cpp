#include "hpe3d/models/pose_regressor.h"

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/models/cross_modal_vae.h"

namespace hpe3d::models {
namespace {

TEST(PoseRegressor, ShapesAndBackward) {
  torch::manual_seed(0);
  for (int64_t joints : {16, 17}) {
    PoseRegressor net(PoseRegressorOptions(joints, 2, 16, 3).hidden(64).blocks(2));
    auto x = torch::randn({5, joints * 2});
    auto y = net(x);
    ASSERT_EQ(y.sizes(), torch::IntArrayRef({5, 48}));
    y.square().sum().backward();
    for (auto& p : net->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << p.key();
      ASSERT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    }
    net->eval();
    EXPECT_TRUE(torch::allclose(net(x), net(x.view({5, joints, 2}))));
  }
  PoseRegressor net(PoseRegressorOptions(16, 2, 16, 3).hidden(32));
  EXPECT_THROW(net(torch::randn({4, 17 * 2})), c10::Error);
}

// Kaiming normal (fan in, ReLU gain) on every weight: std sqrt(2 / fan_in).
TEST(PoseRegressor, KaimingInitialisation) {
  torch::manual_seed(1);
  PoseRegressor net(PoseRegressorOptions(16, 2, 16, 3));
  auto w = net->trunk->input->linear->weight;
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 32), 0.01);
  EXPECT_NEAR(net->fc_out->weight.std().item<double>(), std::sqrt(2.0 / 1024), 0.002);
}

// max_norm: every weight matrix enters the forward pass clipped to that
// Frobenius norm (tf.clip_by_norm); the stored weight is unchanged, and 0 is off.
TEST(PoseRegressor, MaxNormClipsEveryWeightInTheForwardPass) {
  torch::manual_seed(2);
  EXPECT_NEAR(max_norm_weight(torch::full({3, 4}, 2.0), 1.0).norm().item<double>(), 1.0, 1e-6);
  auto small = torch::full({3, 4}, 0.01);
  EXPECT_TRUE(torch::equal(max_norm_weight(small, 1.0), small));  // below the bound: as it is
  PoseRegressor clipped(PoseRegressorOptions(16, 2, 16, 3).hidden(32).blocks(1).max_norm(1.0));
  PoseRegressor free(PoseRegressorOptions(16, 2, 16, 3).hidden(32).blocks(1));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < free->parameters().size(); ++i) free->parameters()[i].copy_(clipped->parameters()[i]);
  clipped->eval();
  free->eval();
  auto x = torch::randn({8, 32});
  EXPECT_FALSE(torch::allclose(clipped(x), free(x)));
  // Scaling the free model's weights by hand to norm 1 gives the clipped model.
  for (auto& p : free->named_parameters())
    if (p.key().find("linear.weight") != std::string::npos || p.key() == "fc_out.weight") p.value().div_(p.value().norm());
  EXPECT_TRUE(torch::allclose(clipped(x), free(x), 1e-5, 1e-5));
}

TEST(PoseRegressor, MakeModelBuildsTheMartinezBaseline) {
  core::ModelConfig c;
  c.kind = "martinez";
  c.joints_2d = 16;
  auto model = make_model(c);
  EXPECT_TRUE(model->has_regressor());
  EXPECT_FALSE(model->has_encoder(Modality::kPose2d));
  EXPECT_FALSE(model->has_decoder(Modality::kPose3d));
  EXPECT_TRUE(model->predicts(Modality::kPose2d, Modality::kPose3d));
  EXPECT_FALSE(model->predicts(Modality::kPose3d, Modality::kPose3d));
  int64_t n = 0;
  for (auto& p : model->parameters()) n += p.numel();
  EXPECT_EQ(n, 4291632);  // the paper's network (parameter_count_test.cpp)
  EXPECT_EQ(model->pair_parameters(Modality::kPose2d, Modality::kPose3d).size(), model->parameters().size());
  model->eval();
  EXPECT_EQ(model->predict(Modality::kPose2d, Modality::kPose3d, torch::randn({3, 32})).sizes(),
            torch::IntArrayRef({3, 48}));
  EXPECT_THROW(model->predict(Modality::kPose3d, Modality::kPose3d, torch::randn({3, 48})), c10::Error);
  EXPECT_THROW(model->encode(Modality::kPose2d, torch::randn({3, 32})), c10::Error);
  // What a regressor cannot be: another pair, a discriminator, a max norm on the VAE.
  auto expect_key = [](const core::ModelConfig& bad, const std::string& key) {
    try {
      make_model(bad);
      ADD_FAILURE() << "expected an error naming " << key;
    } catch (const core::InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(key, 0), 0u) << e.what();
    }
  };
  auto bad = c;
  bad.decoders = {"pose3d", "pose2d"};
  expect_key(bad, "model.encoders/decoders");
  bad = c;
  bad.discriminator.enabled = true;
  bad.discriminator.modality = "pose3d";
  expect_key(bad, "model.discriminator.enabled");
  bad = core::ModelConfig{};
  bad.pose.max_norm = 1.0;
  expect_key(bad, "model.pose.max_norm");
  bad.kind = "mlp";
  expect_key(bad, "model.kind");
}

}  // namespace
}  // namespace hpe3d::models
