#include "hpe3d/train/lr_schedule.h"

#include <cmath>

namespace hpe3d::train {

LrSchedule::LrSchedule(LrScheduleOptions options, double base_lr)
    : options_(std::move(options)), base_lr_(base_lr) {
  const auto& k = options_.kind;
  TORCH_CHECK(k == "constant" || k == "exponential" || k == "step" || k == "plateau" || k == "cosine",
              "LrSchedule: unknown kind ", k);
  TORCH_CHECK(base_lr > 0, "LrSchedule: base learning rate must be > 0");
}

double LrSchedule::lr(int64_t step, double epoch) const {
  const auto& o = options_;
  if (o.kind == "exponential")
    return base_lr_ * std::pow(o.decay_rate, static_cast<double>(step) / o.decay_steps);
  if (o.kind == "step") return base_lr_ * std::pow(o.gamma, std::floor(epoch / o.step_epochs));
  if (o.kind == "plateau") return std::max(o.min_lr, base_lr_ * plateau_scale_);
  if (o.kind == "cosine") {
    const double t = std::min(epoch / o.total_epochs, 1.0);
    return o.min_lr + (base_lr_ - o.min_lr) * 0.5 * (1 + std::cos(M_PI * t));
  }
  return base_lr_;
}

void LrSchedule::end_epoch(double metric) {
  if (options_.kind != "plateau" || !std::isfinite(metric)) return;
  if (metric < best_) {
    best_ = metric;
    bad_epochs_ = 0;
  } else if (++bad_epochs_ >= options_.patience) {
    plateau_scale_ *= options_.factor;
    bad_epochs_ = 0;
  }
}

void LrSchedule::apply(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

std::vector<double> LrSchedule::state() const { return {plateau_scale_, best_, static_cast<double>(bad_epochs_)}; }

void LrSchedule::load_state(const std::vector<double>& state) {
  TORCH_CHECK(state.size() == 3, "LrSchedule::load_state: expected 3 values");
  plateau_scale_ = state[0];
  best_ = state[1];
  bad_epochs_ = static_cast<int>(state[2]);
}

}  // namespace hpe3d::train
