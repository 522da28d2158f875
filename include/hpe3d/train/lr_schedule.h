#pragma once
// Learning-rate schedules, applied to every parameter group of the optimisers
// the trainer owns.
//   exponential: lr0 * rate^(step / decay_steps)  (Martinez et al.: 0.96 per 100k steps)
//   step:        lr0 * gamma^floor(epoch / step_epochs)
//   plateau:     lr * factor after `patience` epochs without validation improvement
//   cosine:      min_lr + (lr0 - min_lr) (1 + cos(pi epoch / total_epochs)) / 2
//   constant:    lr0
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::train {

struct LrScheduleOptions {
  std::string kind = "exponential";  // constant | exponential | step | plateau | cosine
  double decay_rate = 0.96;          // exponential
  double decay_steps = 100000;       // exponential
  double gamma = 0.1;                // step
  int step_epochs = 30;              // step
  double factor = 0.5;               // plateau
  int patience = 5;                  // plateau
  double min_lr = 0.0;               // cosine, plateau floor
  double total_epochs = 100;         // cosine
};

class LrSchedule {
 public:
  LrSchedule(LrScheduleOptions options, double base_lr);

  // Learning rate for a step inside `epoch` (fractional epochs for cosine).
  double lr(int64_t step, double epoch) const;
  // End of an epoch with its validation metric (lower is better); plateau only.
  void end_epoch(double metric);
  // Sets `lr` on every parameter group.
  static void apply(torch::optim::Optimizer& optimizer, double lr);

  // Plateau state, for checkpoints: {scale, best, bad_epochs}.
  std::vector<double> state() const;
  void load_state(const std::vector<double>& state);

 private:
  LrScheduleOptions options_;
  double base_lr_;
  double plateau_scale_ = 1.0;
  double best_ = 1e300;
  int bad_epochs_ = 0;
};

}  // namespace hpe3d::train
