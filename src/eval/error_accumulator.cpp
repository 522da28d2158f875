#include "hpe3d/eval/error_accumulator.h"

#include <limits>

namespace hpe3d::eval {

void ErrorAccumulator::add(const torch::Tensor& errors, const torch::Tensor& actions,
                           const torch::Tensor& subjects) {
  TORCH_CHECK(errors.dim() == 1, "ErrorAccumulator::add: expected errors [B], got ",
              errors.sizes());
  TORCH_CHECK(actions.sizes() == errors.sizes() && subjects.sizes() == errors.sizes(),
              "ErrorAccumulator::add: errors ", errors.sizes(), ", actions ", actions.sizes(),
              " and subjects ", subjects.sizes(), " must have one entry per pose");
  auto e = errors.to(torch::kCPU, torch::kFloat64).contiguous();
  auto a = actions.to(torch::kCPU, torch::kLong).contiguous();
  auto s = subjects.to(torch::kCPU, torch::kLong).contiguous();
  const double* ep = e.data_ptr<double>();
  const int64_t* ap = a.data_ptr<int64_t>();
  const int64_t* sp = s.data_ptr<int64_t>();
  for (int64_t i = 0; i < e.numel(); ++i) {
    auto& act = by_action_[static_cast<int>(ap[i])];
    act.total += ep[i];
    ++act.count;
    auto& sub = by_subject_[static_cast<int>(sp[i])];
    sub.total += ep[i];
    ++sub.count;
    total_ += ep[i];
  }
  count_ += e.numel();
}

void ErrorAccumulator::merge(const ErrorAccumulator& other) {
  for (const auto& [key, s] : other.by_action_) {
    by_action_[key].total += s.total;
    by_action_[key].count += s.count;
  }
  for (const auto& [key, s] : other.by_subject_) {
    by_subject_[key].total += s.total;
    by_subject_[key].count += s.count;
  }
  total_ += other.total_;
  count_ += other.count_;
}

double ErrorAccumulator::mean_over_frames() const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return total_ / static_cast<double>(count_);
}

double ErrorAccumulator::mean_over_actions() const {
  if (by_action_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (const auto& [action, m] : means(by_action_)) sum += m;
  return sum / static_cast<double>(by_action_.size());
}

std::map<int, double> ErrorAccumulator::means(const std::map<int, Sum>& sums) {
  std::map<int, double> out;
  for (const auto& [key, s] : sums) out[key] = s.total / static_cast<double>(s.count);
  return out;
}

std::map<int, double> ErrorAccumulator::per_action() const { return means(by_action_); }
std::map<int, double> ErrorAccumulator::per_subject() const { return means(by_subject_); }

std::map<int, int64_t> ErrorAccumulator::frames_per_action() const {
  std::map<int, int64_t> out;
  for (const auto& [key, s] : by_action_) out[key] = s.count;
  return out;
}

}  // namespace hpe3d::eval
