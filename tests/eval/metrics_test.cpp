#include "hpe3d/eval/metrics.h"

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"

namespace hpe3d::eval {
namespace {

torch::Tensor zeros_pose(int64_t batch = 1) { return torch::zeros({batch, 17, 3}, torch::kFloat64); }

TEST(Metrics, MpjpeGoldenValues) {
  // One joint off by (3, 4, 0) = 5 mm: 5 / 17 with the root in the denominator,
  // 5 / 16 without it.
  auto gt = zeros_pose();
  auto pred = zeros_pose();
  pred[0][5][0] = 3.0;
  pred[0][5][1] = 4.0;
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP1)[0].item<double>(), 5.0 / 17, 1e-12);
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP1, {16})[0].item<double>(), 5.0 / 16, 1e-12);
  // A global shift is removed by root centring.
  EXPECT_NEAR(pose_errors(pred + 100, gt - 7, Protocol::kP1)[0].item<double>(), 5.0 / 17, 1e-12);
  // Moving only the root by d moves every other joint by d after centring.
  auto moved_root = zeros_pose();
  moved_root[0][0][2] = 10.0;
  EXPECT_NEAR(pose_errors(moved_root, gt, Protocol::kP1)[0].item<double>(), 10.0 * 16 / 17, 1e-12);
}

TEST(Metrics, ProtocolTwoIsZeroForASimilarCopy) {
  torch::manual_seed(3);
  auto gt = torch::randn({6, 17, 3}, torch::kFloat64) * 250;
  double c = std::cos(0.7), s = std::sin(0.7);
  auto rot = torch::tensor({{c, -s, 0.0}, {s, c, 0.0}, {0.0, 0.0, 1.0}}, torch::kFloat64);
  auto pred = 1.3 * torch::matmul(gt, rot) + torch::tensor({40.0, -900.0, 5000.0}, torch::kFloat64);
  EXPECT_LT(pose_errors(pred, gt, Protocol::kP2).max().item<double>(), 1e-8);
  EXPECT_LT(pose_errors(pred, gt, Protocol::kP2, {16}).max().item<double>(), 1e-8);
  EXPECT_GT(pose_errors(pred, gt, Protocol::kP1).min().item<double>(), 10.0);
  // Scale-only alignment undoes the scale but not the rotation.
  auto scaled = 1.3 * gt + 5.0;
  EXPECT_LT(pose_errors(scaled, gt, Protocol::kP3).max().item<double>(), 1e-8);
  EXPECT_GT(pose_errors(pred, gt, Protocol::kP3).min().item<double>(), 10.0);
}

TEST(Metrics, ProtocolsAreOrderedForNoisyPredictions) {
  torch::manual_seed(4);
  auto gt = torch::randn({32, 17, 3}, torch::kFloat64) * 250;
  auto pred = gt * 1.1 + torch::randn_like(gt) * 30;
  auto p1 = pose_errors(pred, gt, Protocol::kP1);
  auto p2 = pose_errors(pred, gt, Protocol::kP2);
  auto p3 = pose_errors(pred, gt, Protocol::kP3);
  EXPECT_TRUE((p2 <= p3 + 1e-9).all().item<bool>());
  EXPECT_TRUE((p3 <= p1 + 1e-9).all().item<bool>());
}

TEST(Metrics, ShapesAndParsingAreChecked) {
  EXPECT_THROW(pose_errors(torch::zeros({2, 16, 3}), torch::zeros({2, 16, 3}), Protocol::kP1),
               c10::Error);
  EXPECT_THROW(pose_errors(zeros_pose(2), zeros_pose(3), Protocol::kP1), c10::Error);
  EXPECT_EQ(parse_protocols("1,3", "--protocols").size(), 2u);
  EXPECT_THROW(parse_protocols("1,4", "--protocols"), core::InputError);
  auto pose16 = torch::ones({2, 16, 3});
  auto full = add_root(pose16);
  EXPECT_EQ(full.sizes(), (std::vector<int64_t>{2, 17, 3}));
  EXPECT_EQ(full[0][0].abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace hpe3d::eval
