#pragma once
// The weight of the KL term over training.
//   constant:  beta = max
//   linear:    beta = max * min(1, epoch / warmup_epochs)       (KL annealing)
//   cyclical:  Fu et al. 2019: training is split into `cycles` equal cycles;
//              in each, beta rises linearly from 0 to max over the first
//              `ratio` of the cycle and stays at max for the rest.
// `epoch` is fractional (step / steps_per_epoch), so beta changes every step.
#include <string>

namespace hpe3d::train {

struct BetaScheduleOptions {
  std::string kind = "constant";  // constant | linear | cyclical
  double max = 1e-3;
  double warmup_epochs = 10;      // linear
  int cycles = 4;                 // cyclical
  double ratio = 0.5;             // cyclical: share of a cycle spent rising
  double total_epochs = 100;      // cyclical: length of training
};

class BetaSchedule {
 public:
  explicit BetaSchedule(BetaScheduleOptions options);
  double at(double epoch) const;

 private:
  BetaScheduleOptions options_;
};

}  // namespace hpe3d::train
