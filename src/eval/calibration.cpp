#include "hpe3d/eval/calibration.h"

#include <cmath>
#include <limits>

namespace hpe3d::eval {

void CalibrationAccumulator::add(const torch::Tensor& samples, const torch::Tensor& gt) {
  TORCH_CHECK(samples.dim() == 4 && samples.size(0) >= 2 && samples.size(2) == geometry::kNumJoints &&
                  samples.size(3) == 3,
              "CalibrationAccumulator::add: expected samples [K >= 2, B, 17, 3]");
  TORCH_CHECK(gt.dim() == 3 && gt.size(0) == samples.size(1), "CalibrationAccumulator::add: expected gt [B, 17, 3]");
  auto s = samples.to(torch::kFloat64);
  auto median = std::get<0>(s.median(0));                         // [B, 17, 3]
  auto spread = (s - median.unsqueeze(0)).norm(2, -1);            // [K, B, 17]
  auto truth = (gt.to(torch::kFloat64) - median).norm(2, -1);     // [B, 17]
  std::vector<double> q(kLevels);
  for (int i = 0; i < kLevels; ++i) q[i] = level(i);
  auto radius = torch::quantile(spread, torch::tensor(q, torch::kFloat64), 0);  // [Q, B, 17]
  auto inside = (truth.unsqueeze(0) <= radius).sum(1).to(torch::kInt64).contiguous();  // [Q, 17]
  auto a = inside.accessor<int64_t, 2>();
  for (int j = 0; j < geometry::kNumJoints; ++j)
    for (int i = 0; i < kLevels; ++i) hits_[j][i] += a[i][j];
  count_ += gt.size(0);
}

void CalibrationAccumulator::merge(const CalibrationAccumulator& other) {
  for (int j = 0; j < geometry::kNumJoints; ++j)
    for (int i = 0; i < kLevels; ++i) hits_[j][i] += other.hits_[j][i];
  count_ += other.count_;
}

double CalibrationAccumulator::observed(int joint, int level_index) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(hits_[joint][level_index]) / static_cast<double>(count_);
}

double CalibrationAccumulator::observed(int level_index) const {
  double sum = 0.0;
  for (int j = 0; j < geometry::kNumJoints; ++j)
    if (j != geometry::kRootJoint) sum += observed(j, level_index);
  return sum / (geometry::kNumJoints - 1);
}

double CalibrationAccumulator::ece(int joint) const {
  double sum = 0.0;
  for (int i = 0; i < kLevels; ++i) sum += std::abs(observed(joint, i) - level(i));
  return sum / kLevels;
}

double CalibrationAccumulator::ece() const {
  double sum = 0.0;
  for (int i = 0; i < kLevels; ++i) sum += std::abs(observed(i) - level(i));
  return sum / kLevels;
}

}  // namespace hpe3d::eval
