#include "hpe3d/train/gradient_clip.h"

#include <gtest/gtest.h>

namespace hpe3d::train {
namespace {

// Two copies of the same gradients, one clipped by LibTorch, one by us.
std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> twin_gradients(double magnitude) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> a, b;
  for (auto shape : {std::vector<int64_t>{8, 5}, std::vector<int64_t>{5}, std::vector<int64_t>{3, 3, 2}}) {
    auto grad = torch::randn(shape) * magnitude;
    a.push_back(torch::zeros(shape, torch::requires_grad()));
    b.push_back(torch::zeros(shape, torch::requires_grad()));
    a.back().mutable_grad() = grad.clone();
    b.back().mutable_grad() = grad.clone();
  }
  a.push_back(torch::zeros({2}, torch::requires_grad()));  // no gradient: skipped by both
  b.push_back(torch::zeros({2}, torch::requires_grad()));
  return {a, b};
}

TEST(GradientClip, EqualsLibTorchClipGradNormBitForBit) {
  for (double magnitude : {0.01, 10.0}) {  // below and above the limit
    auto [ours, reference] = twin_gradients(magnitude);
    clip_gradient_norm(ours, 1.0);
    torch::nn::utils::clip_grad_norm_(reference, 1.0);
    for (size_t i = 0; i + 1 < ours.size(); ++i)
      EXPECT_TRUE(torch::equal(ours[i].grad(), reference[i].grad())) << "magnitude " << magnitude << ", tensor " << i;
    EXPECT_FALSE(ours.back().grad().defined());
  }
  auto [big, unused] = twin_gradients(10.0);
  clip_gradient_norm(big, 1.0);
  std::vector<torch::Tensor> norms;
  for (const auto& p : big)
    if (p.grad().defined()) norms.push_back(p.grad().norm());
  EXPECT_NEAR(torch::stack(norms).norm().item<double>(), 1.0, 1e-5);
}

}  // namespace
}  // namespace hpe3d::train
