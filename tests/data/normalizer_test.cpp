#include "hpe3d/data/normalizer.h"

#include <gtest/gtest.h>

namespace hpe3d::data {
namespace {

TEST(Normalizer, StandardisesAndInverts) {
  torch::manual_seed(0);
  auto x = torch::randn({1000, 17, 2}) * 50 + 300;
  x.select(1, 0).zero_();  // a constant feature (a root at zero)
  auto n = Normalizer::fit(x);
  auto z = n.normalize(x);
  ASSERT_EQ(z.sizes(), (std::vector<int64_t>{1000, 34}));
  EXPECT_LT(z.mean(0).narrow(0, 2, 32).abs().max().item<float>(), 1e-3);
  EXPECT_LT((z.std(0).narrow(0, 2, 32) - 1).abs().max().item<float>(), 1e-3);
  EXPECT_TRUE(torch::isfinite(z).all().item<bool>());  // constant feature: std clamped, no NaN
  EXPECT_TRUE(torch::allclose(n.denormalize(z).view_as(x), x, 1e-4, 1e-3));
  EXPECT_THROW(n.normalize(torch::zeros({3, 10})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::data
