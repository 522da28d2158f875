#pragma once
// Private to src/train: what a Trainer holds (its methods in
// trainer_state.cpp), shared by trainer.cpp (the loop) and
// trainer_benchmark.cpp.
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "hpe3d/core/checkpoint_schema.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/batch_source.h"
#include "hpe3d/train/beta_schedule.h"
#include "hpe3d/train/data_parallel.h"
#include "hpe3d/train/objective.h"
#include "hpe3d/train/optimization.h"
#include "hpe3d/train/run_directory.h"
#include "hpe3d/train/trainer.h"

namespace hpe3d::train {

struct Trainer::State {
  core::ExperimentConfig config;
  TrainerOptions options;
  torch::Device device{torch::kCPU};
  std::shared_ptr<spdlog::logger> log;
  std::vector<models::Pair> pairs;
  models::Pair eval_pair{models::Modality::kPose2d, models::Modality::kPose3d};

  std::unique_ptr<RunDirectory> run_dir;
  std::unique_ptr<BatchSource> data;
  models::CrossModalVAE model{nullptr};
  std::unique_ptr<Objective> objective;
  std::unique_ptr<Optimization> optimization;
  std::vector<size_t> pair_optimizer;  // pair i -> its optimiser in `optimization`
  std::unique_ptr<BetaSchedule> beta;
  std::unique_ptr<DataParallel> dp;  // null in one process

  core::checkpoint_schema::Counters progress;  // all of it in checkpoints
  double mean_pose_mpjpe = 0.0;

  // The pairs an epoch trains: all (per_batch) or one in turn (per_epoch).
  std::vector<size_t> active_pairs(int64_t epoch) const;
  bool reads_rgb(const std::vector<size_t>& active) const;

  // Collective in a data-parallel run (every rank calls it; rank 0 writes).
  void save();
  void load();
  double validate();
  // One step on batch `progress.batch_in_epoch`; adds each logged term to
  // sums["<pair>/<term>"]. False when the batch had too few readable images
  // to train on (missing: skip).
  bool train_step(const std::vector<size_t>& active, double epoch_position,
                  std::map<std::string, torch::Tensor>& sums);
};

}  // namespace hpe3d::train
