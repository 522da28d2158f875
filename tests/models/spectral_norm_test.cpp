#include "hpe3d/models/spectral_norm.h"

#include <gtest/gtest.h>

namespace hpe3d::models {
namespace {

double top_singular_value(const torch::Tensor& w) {
  return torch::linalg_svdvals(w.detach().reshape({w.size(0), -1}))[0]
      .item<double>();
}

TEST(SpectralNorm, NormalisedWeightHasUnitSpectralNorm) {
  torch::manual_seed(0);
  SpectralLinear lin(40, 24);
  EXPECT_GT(top_singular_value(lin->weight_orig), 1.5);  // Kaiming init is far from 1
  lin(torch::randn({2, 40}));                            // one more power iteration
  EXPECT_NEAR(top_singular_value(lin->weight()), 1.0, 1e-2);

  SpectralConv2d conv(3, 16, 4, 2, 1);
  auto u_before = conv->weight_u.clone();
  conv(torch::randn({2, 3, 16, 16}));
  EXPECT_NEAR(top_singular_value(conv->weight()), 1.0, 1e-2);
  auto names = conv->named_buffers().keys();
  EXPECT_EQ(names, (std::vector<std::string>{"weight_u", "weight_v"}));
  // After a weight change, train-mode forwards track the new sigma; eval mode keeps u.
  {
    torch::NoGradGuard g;
    conv->weight_orig.mul_(torch::rand_like(conv->weight_orig) * 3);
  }
  EXPECT_GT(std::abs(top_singular_value(conv->weight()) - 1.0), 0.05);  // u, v are stale
  for (int i = 0; i < 30; ++i) conv(torch::randn({1, 3, 16, 16}));
  EXPECT_NEAR(top_singular_value(conv->weight()), 1.0, 1e-2);
  conv->eval();
  auto u = conv->weight_u.clone();
  conv(torch::randn({1, 3, 16, 16}));
  EXPECT_TRUE(torch::equal(u, conv->weight_u));
  EXPECT_FALSE(torch::equal(u_before, conv->weight_u));
}

TEST(SpectralNorm, MatchesTorchFormulaAndIsDifferentiable) {
  torch::manual_seed(1);
  SpectralLinear lin(6, 5);
  lin->eval();
  auto x = torch::randn({3, 6}, torch::requires_grad());
  auto sigma = torch::dot(lin->weight_u, torch::mv(lin->weight_orig, lin->weight_v));
  auto expected = torch::linear(x, lin->weight_orig / sigma, lin->bias);
  EXPECT_TRUE(torch::allclose(lin(x), expected, 1e-5, 1e-6));
  // Double backward (gradient penalty) reaches weight_orig.
  auto g = torch::autograd::grad({lin(x).square().sum()}, {x}, {}, true, true)[0];
  g.square().sum().backward();
  ASSERT_TRUE(lin->weight_orig.grad().defined());
  EXPECT_GT(lin->weight_orig.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace hpe3d::models
