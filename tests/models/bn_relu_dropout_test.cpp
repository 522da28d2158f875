// The fused BN -> ReLU -> Dropout node against LibTorch's modules.
#include "hpe3d/models/bn_relu_dropout.h"

#include <gtest/gtest.h>

#include "hpe3d/models/mlp_trunk.h"

namespace hpe3d::models {
namespace {

struct Twin {
  torch::nn::BatchNorm1d fused{nullptr}, reference{nullptr};
};

Twin twin_bn(int64_t channels) {
  Twin t{torch::nn::BatchNorm1d(channels), torch::nn::BatchNorm1d(channels)};
  torch::NoGradGuard no_grad;
  auto w = torch::rand({channels}) + 0.5, b = torch::randn({channels}) * 0.3;
  auto rm = torch::randn({channels}), rv = torch::rand({channels}) + 0.5;
  for (auto* bn : {&t.fused, &t.reference}) {
    (*bn)->weight.copy_(w);
    (*bn)->bias.copy_(b);
    (*bn)->running_mean.copy_(rm);
    (*bn)->running_var.copy_(rv);
    (*bn)->train();
  }
  return t;
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double err = (a - b).abs().max().item<double>();
  const double scale = std::max(1.0, b.abs().max().item<double>());
  EXPECT_LT(err / scale, tol) << what;
}

// Without dropout the node is relu(batch_norm(x)): outputs, running statistics and all gradients.
TEST(BnReluDropout, WithoutDropoutEqualsBatchNormAndRelu) {
  torch::manual_seed(1);
  for (int64_t rows : {2, 64, 257}) {
    auto t = twin_bn(96);
    auto x0 = torch::randn({rows, 96}) * 3 + 1;
    auto xa = x0.clone().requires_grad_(true), xb = x0.clone().requires_grad_(true);
    auto ya = bn_relu_dropout(xa, *t.fused, 0.0);
    auto yb = torch::relu(t.reference(xb));
    expect_close(ya, yb, 1e-5, "output");
    auto w = torch::randn({rows, 96});
    (ya * w).sum().backward();
    (yb * w).sum().backward();
    expect_close(xa.grad(), xb.grad(), 1e-4, "dx");
    expect_close(t.fused->weight.grad(), t.reference->weight.grad(), 1e-4, "dgamma");
    expect_close(t.fused->bias.grad(), t.reference->bias.grad(), 1e-5, "dbeta");
    expect_close(t.fused->running_mean, t.reference->running_mean, 1e-6, "running mean");
    expect_close(t.fused->running_var, t.reference->running_var, 1e-6, "running var");
    EXPECT_EQ(t.fused->num_batches_tracked.item<int64_t>(), t.reference->num_batches_tracked.item<int64_t>());
  }
}

// With dropout: each element is dropped or kept at 1 / (1 - p) times relu(bn(x));
// with the kept set read off the output, the gradients are those of
// relu(bn(x)) * mask / (1 - p).
TEST(BnReluDropout, DropoutKeepsTheRightShareAndDifferentiatesThroughTheMask) {
  torch::manual_seed(2);
  const double p = 0.5;
  auto t = twin_bn(1024);
  auto x0 = torch::randn({256, 1024});
  auto xa = x0.clone().requires_grad_(true), xb = x0.clone().requires_grad_(true);
  auto ya = bn_relu_dropout(xa, *t.fused, p);
  auto r = torch::relu(t.reference(xb));
  auto positive = r.detach() > 0;
  auto kept = ya.detach() != 0;
  const double share = (kept.sum().item<double>() / positive.sum().item<double>());
  EXPECT_NEAR(share, 1 - p, 0.01);  // 130k positive elements: sd 0.0014
  EXPECT_TRUE(torch::equal(kept.logical_and(positive.logical_not()), torch::zeros_like(kept)));
  auto yb = r * kept.to(torch::kFloat32) / (1 - p);
  expect_close(ya, yb, 1e-5, "output");
  auto w = torch::randn({256, 1024});
  (ya * w).sum().backward();
  (yb * w).sum().backward();
  expect_close(xa.grad(), xb.grad(), 1e-4, "dx");
  expect_close(t.fused->weight.grad(), t.reference->weight.grad(), 1e-4, "dgamma");
  expect_close(t.fused->bias.grad(), t.reference->bias.grad(), 1e-4, "dbeta");
  // Other rates keep their share too.
  for (double q : {0.1, 0.9}) {
    auto y = bn_relu_dropout(x0, *t.fused, q);
    auto pos = torch::relu(t.reference(x0)) > 0;
    EXPECT_NEAR((y != 0).sum().item<double>() / pos.sum().item<double>(), 1 - q, 0.01) << q;
  }
}

TEST(BnReluDropout, MaskFollowsTorchsSeedOnAnyNumberOfThreads) {
  auto t = twin_bn(128);
  auto x = torch::randn({64, 128});
  const int threads = torch::get_num_threads();
  torch::manual_seed(7);
  torch::set_num_threads(1);
  auto one = bn_relu_dropout(x, *t.fused, 0.5);
  auto next = bn_relu_dropout(x, *t.fused, 0.5);
  torch::manual_seed(7);
  torch::set_num_threads(2);
  auto two = bn_relu_dropout(x, *t.fused, 0.5);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
  EXPECT_FALSE(torch::equal(one != 0, next != 0));  // a new mask each call
}

TEST(BnReluDropout, NanPropagatesAsInTheModules) {
  auto t = twin_bn(8);
  auto x = torch::randn({4, 8});
  x[1][3] = std::numeric_limits<float>::quiet_NaN();
  auto y = bn_relu_dropout(x, *t.fused, 0.5);
  EXPECT_TRUE(torch::isnan(y.select(1, 3)).all().item<bool>());  // the whole channel's statistics
}

// create_graph (e.g. a gradient penalty) takes the differentiable path: the
// same first derivatives, and second derivatives exist.
TEST(BnReluDropout, BackwardWithCreateGraphGivesTheSameGradients) {
  torch::manual_seed(3);
  auto t = twin_bn(32);
  auto x = torch::randn({16, 32}).requires_grad_(true);
  torch::manual_seed(5);
  auto y1 = bn_relu_dropout(x, *t.fused, 0.5);
  auto g1 = torch::autograd::grad({y1.pow(2).sum()}, {x})[0];
  torch::manual_seed(5);
  auto y2 = bn_relu_dropout(x, *t.fused, 0.5);
  auto g2 = torch::autograd::grad({y2.pow(2).sum()}, {x}, {}, true, /*create_graph=*/true)[0];
  expect_close(g1, g2, 1e-5, "dx");
  EXPECT_TRUE(g2.requires_grad());
}

TEST(BnReluDropout, LinearBlockUsesItInTrainingOnlyAndMatchesTheModules) {
  torch::manual_seed(4);
  LinearBlock fused(20, 48, 0.0), modules(20, 48, 0.0);
  modules->fused = false;
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < fused->parameters().size(); ++i) modules->parameters()[i].copy_(fused->parameters()[i]);
  }
  auto x = torch::randn({32, 20});
  expect_close(fused(x), modules(x), 1e-5, "training");
  EXPECT_TRUE(bn_relu_dropout_applies(torch::randn({2, 48}), *fused->bn));
  EXPECT_FALSE(bn_relu_dropout_applies(torch::randn({1, 48}), *fused->bn));  // LibTorch's error for B = 1
  fused->eval();
  modules->eval();
  EXPECT_FALSE(bn_relu_dropout_applies(torch::randn({2, 48}), *fused->bn));
  expect_close(fused(x), modules(x), 1e-5, "evaluation, with the running statistics both updated");
}

}  // namespace
}  // namespace hpe3d::models
