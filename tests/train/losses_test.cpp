#include "hpe3d/train/losses.h"

#include <cmath>

#include <gtest/gtest.h>

namespace hpe3d::train {
namespace {

TEST(Losses, KlGoldenValues) {
  // KL(N(mu, s^2) || N(0, 1)) = 0.5 (mu^2 + s^2 - 1 - log s^2) per dimension.
  auto mu = torch::tensor({{1.0, 0.0}, {0.0, 0.0}}, torch::kFloat64);
  auto logvar = torch::tensor({{0.0, std::log(4.0)}, {0.0, 0.0}}, torch::kFloat64);
  double row0 = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (0 + 4 - 1 - std::log(4.0));
  EXPECT_NEAR(kl_divergence(mu, logvar, 1).item<double>(), row0 / 2, 1e-12);
  EXPECT_NEAR(kl_divergence(mu, logvar, 48).item<double>(), row0 / 2 / 48, 1e-12);
  EXPECT_EQ(kl_divergence(torch::zeros({3, 8}), torch::zeros({3, 8}), 48).item<float>(), 0.0f);
}

TEST(Losses, ReconstructionTerms) {
  auto a = torch::tensor({1.0, 2.0, 3.0});
  auto b = torch::tensor({1.0, 0.0, 6.0});
  EXPECT_FLOAT_EQ(pose_reconstruction(a, b).item<float>(), (0 + 4 + 9) / 3.0f);
  EXPECT_FLOAT_EQ(image_reconstruction(a, b).item<float>(), (0 + 2 + 3) / 3.0f);
  EXPECT_THROW(pose_reconstruction(a, torch::zeros({2})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::train
