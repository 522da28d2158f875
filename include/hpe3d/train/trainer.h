#pragma once
// The training loop of h36m-train (DESIGN.md 1, 3.3, 5, 7). It wires the
// parts of train/: a BatchSource (splits, order, flips, crops) feeds an
// Objective (VAE, VAE-GAN, regression) whose losses go through the one
// Optimization seam (backward, gradient hook, clip, step, LR schedule) for a
// scheme of encoder->decoder pairs; validation MPJPE every epoch
// (eval::evaluate_split); a RunDirectory for metrics.jsonl and atomic
// checkpoints (core/checkpoint_schema.h); exact resume on CPU; clean stops on
// Ctrl-C and on non-finite losses.
#include <memory>
#include <stdexcept>
#include <string>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/train/check_config.h"

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

class Trainer {
 public:
  Trainer(core::ExperimentConfig config, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  TrainResult run();
  // Times `steps` trainer steps against a bare loop of the same model.
  BenchmarkResult benchmark(int steps);

  // What a trainer holds (src/train/trainer_state.h): named here so that the
  // loop's helpers in src/train can take it; opaque to everyone else.
  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace hpe3d::train
