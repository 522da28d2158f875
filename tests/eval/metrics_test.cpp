#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/skeleton.h"

#include <gtest/gtest.h>

#include <cmath>

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

// A non-zero P-MPJPE derived on paper. Target: four joints on the axes of the
// xy-plane, x_1,2 = (+-a, 0, 0), x_3,4 = (0, +-a, 0), the other 13 (root
// included) at the origin. Prediction: the same stretched along x and squeezed
// along y, y_1,2 = (+-(a + d), 0, 0), y_3,4 = (0, +-(a - d), 0), 0 < d < a.
// Both centroids are 0, so the optimal translation is 0. The rotation
// maximises tr(R^T A) with A = sum_i y_i x_i^T = diag(2a(a + d), 2a(a - d), 0),
// diagonal with entries >= 0: tr(R^T A) <= tr(A), equality at R = I. The
// scale is s = tr(A) / sum_i |y_i|^2 = 4a^2 / (2(a + d)^2 + 2(a - d)^2)
// = a^2 / (a^2 + d^2). Residuals after alignment:
//   x-axis joints: |s (a + d) - a| = a d (a - d) / (a^2 + d^2)
//   y-axis joints: |s (a - d) - a| = a d (a + d) / (a^2 + d^2)
// so the sum over the 4 joints is 4 a^2 d / (a^2 + d^2), and P-MPJPE is that
// over 17 joints (over 16 with the root left out: the centroids stay 0).
// a = 100, d = 10: 400000 / 10100 / 17 = 2.3296...
TEST(Metrics, ProtocolTwoGoldenValueForAStretchedPlanarPose) {
  const double a = 100.0, d = 10.0;
  auto gt = zeros_pose();
  auto pred = zeros_pose();
  const int joints[4] = {1, 4, 11, 14};
  const double sign[4] = {1.0, -1.0, 1.0, -1.0};
  for (int i = 0; i < 4; ++i) {
    const int axis = i < 2 ? 0 : 1;
    gt[0][joints[i]][axis] = sign[i] * a;
    pred[0][joints[i]][axis] = sign[i] * (axis == 0 ? a + d : a - d);
  }
  const double sum = 4 * a * a * d / (a * a + d * d);
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP2)[0].item<double>(), sum / 17, 1e-6);
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP2, {16})[0].item<double>(), sum / 16, 1e-6);
  // Without rotation the scale-only alignment finds the same s; MPJPE is 4 d / 17.
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP3)[0].item<double>(), sum / 17, 1e-6);
  EXPECT_NEAR(pose_errors(pred, gt, Protocol::kP1)[0].item<double>(), 4 * d / 17, 1e-12);
  // A similarity applied to the prediction (rotation about (1, 2, 2) / 3 by
  // 1.1 rad, scale 0.6, a shift) changes nothing in P-MPJPE.
  const double ux = 1.0 / 3, uy = 2.0 / 3, uz = 2.0 / 3, c = std::cos(1.1), s = std::sin(1.1);
  auto rot = torch::tensor({{c + ux * ux * (1 - c), ux * uy * (1 - c) - uz * s, ux * uz * (1 - c) + uy * s},
                            {uy * ux * (1 - c) + uz * s, c + uy * uy * (1 - c), uy * uz * (1 - c) - ux * s},
                            {uz * ux * (1 - c) - uy * s, uz * uy * (1 - c) + ux * s, c + uz * uz * (1 - c)}},
                           torch::kFloat64);
  auto moved = 0.6 * torch::matmul(pred, rot) + torch::tensor({300.0, -20.0, 4000.0}, torch::kFloat64);
  EXPECT_NEAR(pose_errors(moved, gt, Protocol::kP2)[0].item<double>(), sum / 17, 1e-6);
  EXPECT_GT(pose_errors(moved, gt, Protocol::kP3)[0].item<double>(), 10.0);
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
  auto full = geometry::add_root(pose16);
  EXPECT_EQ(full.sizes(), (std::vector<int64_t>{2, 17, 3}));
  EXPECT_EQ(full[0][0].abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace hpe3d::eval
