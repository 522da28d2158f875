#pragma once
// The training loop of h36m-train (DESIGN.md 1, 3.3, 5, 7): the selected
// splits preloaded on the device, normalised with training statistics, a
// scheme of encoder->decoder pairs, beta and learning-rate schedules,
// validation MPJPE every epoch, metrics.jsonl, atomic checkpoints (last, best,
// keep-last-N), exact resume on CPU, clean stops on Ctrl-C and on non-finite
// losses.
#include <memory>
#include <stdexcept>
#include <string>

#include "hpe3d/core/experiment_config.h"

namespace hpe3d::train {

struct TrainerOptions {
  std::string run_dir;     // config.yaml, metrics.jsonl, train.log, checkpoints/
  bool resume = false;     // continue from run_dir/checkpoints/last.pt
  int64_t max_steps = -1;  // stop (and save last.pt) after this many steps in all; -1: no limit
};

struct TrainResult {
  double best_val_mpjpe = 0.0;  // mm, mean over actions, of the eval pair
  int best_epoch = -1;          // 1-based
  double mean_pose_mpjpe = 0.0; // mm: predicting the mean training pose for every test sample
  int epochs_done = 0;
  int64_t steps = 0;
  double seconds = 0.0;
  bool interrupted = false;     // Ctrl-C / SIGTERM / max_steps: last.pt holds the state
};

struct BenchmarkResult {
  double trainer_samples_per_s = 0.0;  // full trainer steps
  double bare_samples_per_s = 0.0;     // forward/backward/step on preloaded tensors
  double ratio() const { return trainer_samples_per_s / bare_samples_per_s; }
};

// A loss became NaN or Inf; the message names the step, pair and term.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The checks of a config that need more than its own keys: modality names
// and pairs against the model's encoders and decoders, image size, joints,
// the 2D input. Throws core::InputError "<source>: <key>: ..." (no prefix
// when `source` is empty). The Trainer runs them before reading any data.
void check_config(const core::ExperimentConfig& config, const std::string& source = "");

class Trainer {
 public:
  Trainer(core::ExperimentConfig config, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  TrainResult run();
  // Times `steps` trainer steps against a bare loop of the same model.
  BenchmarkResult benchmark(int steps);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace hpe3d::train
