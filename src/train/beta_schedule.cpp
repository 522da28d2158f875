#include "hpe3d/train/beta_schedule.h"

#include <algorithm>
#include <cmath>

#include <c10/util/Exception.h>

namespace hpe3d::train {

BetaSchedule::BetaSchedule(BetaScheduleOptions options) : options_(std::move(options)) {
  TORCH_CHECK(options_.kind == "constant" || options_.kind == "linear" || options_.kind == "cyclical",
              "BetaSchedule: unknown kind ", options_.kind);
  TORCH_CHECK(options_.max >= 0, "BetaSchedule: max must be >= 0");
  TORCH_CHECK(options_.kind != "linear" || options_.warmup_epochs > 0,
              "BetaSchedule: warmup_epochs must be > 0");
  TORCH_CHECK(options_.kind != "cyclical" ||
                  (options_.cycles >= 1 && options_.ratio > 0 && options_.ratio <= 1 &&
                   options_.total_epochs > 0),
              "BetaSchedule: cyclical needs cycles >= 1, 0 < ratio <= 1, total_epochs > 0");
}

double BetaSchedule::at(double epoch) const {
  const auto& o = options_;
  if (o.kind == "linear") return o.max * std::clamp(epoch / o.warmup_epochs, 0.0, 1.0);
  if (o.kind == "cyclical") {
    const double period = o.total_epochs / o.cycles;
    const double tau = std::fmod(std::max(epoch, 0.0), period) / period;  // [0, 1)
    return o.max * std::min(1.0, tau / o.ratio);
  }
  return o.max;
}

}  // namespace hpe3d::train
