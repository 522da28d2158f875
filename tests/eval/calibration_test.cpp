#include "hpe3d/eval/calibration.h"

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/eval/evaluator.h"

namespace hpe3d::eval {
namespace {

// CDF of the chi distribution with 3 degrees of freedom: the distance from the
// mean of a standard 3D Gaussian.
double chi3_cdf(double x) { return std::erf(x / std::sqrt(2.0)) - std::sqrt(2.0 / M_PI) * x * std::exp(-x * x / 2); }

double chi3_quantile(double q) {
  double lo = 0.0, hi = 10.0;
  for (int i = 0; i < 100; ++i) (chi3_cdf(0.5 * (lo + hi)) < q ? lo : hi) = 0.5 * (lo + hi);
  return 0.5 * (lo + hi);
}

// K samples per pose from N(mean, (sigma * spread)^2) per coordinate around a
// per-pose mean; the ground truth from N(mean, sigma^2): spread 1 is a
// calibrated sampler, spread < 1 an over-confident one. Roots at the origin.
CalibrationAccumulator gaussian_case(double spread, int64_t k = 100, int64_t b = 2000) {
  torch::manual_seed(7);
  const double sigma = 40.0;
  auto mean = torch::randn({1, b, 17, 3}) * 300;
  auto samples = mean + torch::randn({k, b, 17, 3}) * sigma * spread;
  auto gt = mean[0] + torch::randn({b, 17, 3}) * sigma;
  samples.select(2, 0).zero_();
  gt.select(1, 0).zero_();
  CalibrationAccumulator c;
  c.add(samples, gt);
  return c;
}

TEST(Calibration, CalibratedGaussianSamplerHasNoCalibrationError) {
  // The median comes from the samples themselves, which makes a finite set
  // slightly over-confident (ECE ~0.007 at K = 100, ~0.002 at K = 400).
  auto c = gaussian_case(1.0, 400, 1000);
  EXPECT_EQ(c.count(), 1000);
  for (int i = 0; i < CalibrationAccumulator::kLevels; ++i)
    EXPECT_NEAR(c.observed(i), CalibrationAccumulator::level(i), 0.015) << "q=" << CalibrationAccumulator::level(i);
  EXPECT_LT(c.ece(), 0.01);
  // Ten hypotheses of the same sampler: the finite-K floor (documented in
  // docs/evaluation.md) is ~0.08, still over-confident at every q >= 0.2.
  auto ten = gaussian_case(1.0, 10, 2000);
  EXPECT_GT(ten.ece(), 0.05);
  EXPECT_LT(ten.ece(), 0.11);
}

TEST(Calibration, OverConfidentSamplerMatchesTheChiDistribution) {
  // Samples with half the spread: the q-region's radius is 0.5 * chi3^-1(q) sigma,
  // so the ground truth lies inside with probability chi3_cdf(0.5 * chi3^-1(q)).
  auto c = gaussian_case(0.5);
  double expected_ece = 0.0;
  for (int i = 0; i < CalibrationAccumulator::kLevels; ++i) {
    const double q = CalibrationAccumulator::level(i), expected = chi3_cdf(0.5 * chi3_quantile(q));
    EXPECT_NEAR(c.observed(i), expected, 0.015) << "q=" << q;
    EXPECT_LT(c.observed(i), q);
    expected_ece += (q - expected) / CalibrationAccumulator::kLevels;
  }
  EXPECT_NEAR(c.ece(), expected_ece, 0.01);
  EXPECT_GT(c.ece(), 0.2);
  // Under-confident (twice the spread): more than q inside.
  auto wide = gaussian_case(2.0);
  EXPECT_GT(wide.observed(4), 0.5 + 0.2);
}

TEST(Calibration, ExtremesAndMerge) {
  // Three hypotheses at distances 0, 10, 20 mm from their median (the middle
  // one) on every joint; the ground truth on the median is inside every region,
  // 1 km away inside none.
  auto samples = torch::zeros({3, 1, 17, 3});
  samples[1].select(1, 2).fill_(10.0);
  samples[2].select(1, 2).fill_(20.0);
  samples.select(2, 0).zero_();
  auto at_median = samples[1].clone();
  CalibrationAccumulator inside, outside;
  inside.add(samples, at_median);
  outside.add(samples, at_median + torch::tensor({0.0f, 0.0f, 1e6f}).expand({1, 17, 3}) * (torch::arange(17) > 0).view({1, 17, 1}));
  EXPECT_DOUBLE_EQ(inside.observed(0), 1.0);
  EXPECT_NEAR(inside.ece(), 0.5, 1e-12);  // mean of 1 - q
  EXPECT_DOUBLE_EQ(outside.observed(8), 0.0);
  EXPECT_NEAR(outside.ece(), 0.5, 1e-12);  // mean of q
  inside.merge(outside);
  EXPECT_EQ(inside.count(), 2);
  EXPECT_DOUBLE_EQ(inside.observed(3, 4), 0.5);
  EXPECT_NEAR(inside.ece(), std::abs(0.5 - 0.1) / 9 * 2 + std::abs(0.5 - 0.2) / 9 * 2 + std::abs(0.5 - 0.3) / 9 * 2 +
                                std::abs(0.5 - 0.4) / 9 * 2,
              1e-12);
}

TEST(Calibration, InTheEvaluationReport) {
  EvalOptions o;
  o.protocols = {Protocol::kP1};
  o.hypotheses = 4;
  Evaluator e(o, {"Walk"});
  torch::manual_seed(3);
  auto gt = torch::randn({5, 17, 3}) * 100;
  auto samples = gt.unsqueeze(0) + torch::randn({4, 5, 17, 3}) * 10;
  e.add(gt, samples, gt, torch::zeros({5}, torch::kInt64), torch::full({5}, 9, torch::kInt64));
  EXPECT_EQ(e.report().calibration.count(), 5);
  auto json = nlohmann::json::parse(to_json(e.report()));
  ASSERT_TRUE(json.contains("calibration"));
  EXPECT_EQ(json["calibration"]["observed"].size(), 9u);
  EXPECT_NEAR(json["calibration"]["ece"].get<double>(), e.report().calibration.ece(), 1e-12);
  EXPECT_NEAR(json["calibration"]["per_joint"]["RWrist"]["ece"].get<double>(),
              e.report().calibration.ece(geometry::joint_index("RWrist")), 1e-12);
  auto md = to_markdown(e.report());
  EXPECT_NE(md.find("| **All joints** |"), std::string::npos) << md;
  EXPECT_NE(md.find("| RWrist |"), std::string::npos) << md;
  // One hypothesis: no calibration section.
  EvalOptions one = o;
  one.hypotheses = 1;
  Evaluator d(one, {"Walk"});
  d.add(gt, {}, gt, torch::zeros({5}, torch::kInt64), torch::full({5}, 9, torch::kInt64));
  EXPECT_FALSE(nlohmann::json::parse(to_json(d.report())).contains("calibration"));
}

}  // namespace
}  // namespace hpe3d::eval
