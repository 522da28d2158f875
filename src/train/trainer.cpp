#include "hpe3d/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/cuda_settings.h"
#include "hpe3d/core/device.h"
#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/interrupt.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/core/progress.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/core/seed.h"
#include "hpe3d/eval/mean_pose_baseline.h"
#include "hpe3d/models/sync_batch_norm.h"
#include "trainer_state.h"

namespace hpe3d::train {
namespace {

using Clock = std::chrono::steady_clock;
using models::Modality;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

BetaScheduleOptions beta_options(const core::TrainConfig& t) {
  BetaScheduleOptions o;
  o.kind = t.beta.schedule;
  o.max = t.beta.max;
  o.warmup_epochs = t.beta.warmup_epochs;
  o.cycles = t.beta.cycles;
  o.ratio = t.beta.ratio;
  o.total_epochs = t.epochs;
  return o;
}

bool reads_rgb(const models::Pair& p) { return p.from == Modality::kRgb || p.to == Modality::kRgb; }

// On the CPU a read-back costs nothing: every step is checked, so the message
// names the exact step. On a GPU the window sums are checked every log_every steps.
// A data-parallel rank marks the update instead: the gradient all-reduce tells
// every rank, and all of them stop before any parameter changes.
void check_finite(const LossTerms& terms, int64_t step, const models::Pair& pair, const std::string& last_pt,
                  DataParallel* dp, spdlog::logger& log) {
  for (const auto& [name, value] : terms.logged) {
    if (std::isfinite(value.item<double>())) continue;
    const std::string where = "step " + std::to_string(step) + " (pair " + pair.name() + ")";
    if (dp == nullptr)
      throw NonFiniteLoss("non-finite loss at step " + std::to_string(step) + " (pair " + pair.name() + ", term " +
                          name + "); " +
                          (std::filesystem::exists(last_pt) ? "last good state is " + last_pt
                                                            : std::string("no checkpoint was saved before it")));
    log.error("non-finite loss at {}, term {}", where, name);
    dp->mark_nonfinite(where, last_pt);
    return;
  }
}

// One epoch's running loss sums: the window since the last step record, and the epoch.
struct EpochRecord {
  std::map<std::string, torch::Tensor> window, sums;
  int64_t window_steps = 0, window_updates = 0, updates = 0;  // updates: steps that trained (missing: skip)
};

}  // namespace

Trainer::Trainer(core::ExperimentConfig config, TrainerOptions options) : s_(std::make_unique<State>()) {
  auto& s = *s_;
  s.config = std::move(config);
  s.options = std::move(options);
  s.log = core::logger("train");
  const auto& c = s.config;
  check_config(c);
  core::select_blas_core(c.runtime.blas_core);  // may execute the tool again: before any work
  s.device = core::select_device(c.runtime.device, "runtime.device");
  // Launched as one of several processes (torchrun, srun): join the group
  // (from here on every log line carries the rank).
  const auto env = core::detect_distributed_env();
  if (env.distributed() && s.device.is_cuda())
    s.device = core::rank_cuda_device(env.local_rank, static_cast<int>(torch::cuda::device_count()));
  core::make_current(s.device);  // before the process group: NCCL binds to the current device
  core::apply_cuda_settings(c.runtime.cuda);
  if (auto group = core::launch_process_group(c.runtime.distributed, s.device)) {
    s.dp = std::make_unique<DataParallel>(group, DataParallelOptions{c.runtime.distributed.bucket_mb, s.device});
    models::set_batch_norm_sync(c.runtime.distributed.sync_bn ? group : nullptr);
  }
  const int rank = s.dp ? s.dp->rank() : 0, world = s.dp ? s.dp->world() : 1;
  if (c.train.batch_size % world != 0)
    core::fail("train.batch_size", fmt::format("{} is the global batch and must split evenly over the {} ranks "
                                               "(choose a multiple of {})", c.train.batch_size, world, world));
  s.pairs = models::parse_pairs(c.train.pairs, "train.pairs");
  s.eval_pair = models::parse_pair(c.eval.pair, "eval.pair");
  if (c.train.amp && !s.device.is_cuda()) core::fail("train.amp", "mixed precision needs a CUDA device");
  if (c.train.amp) core::require_bfloat16(s.device, "train.amp");
  s.run_dir = std::make_unique<RunDirectory>(RunDirectoryOptions{s.options.run_dir, rank == 0, c.train.keep_last});

  const bool has_rgb = std::find(c.model.encoders.begin(), c.model.encoders.end(), "rgb") != c.model.encoders.end();
  core::logger("core")->info(core::describe(core::use_cores(has_rgb, c.runtime.threads)));
  s.log->info("device {}", s.device.str());
  const bool images = s.eval_pair.from == Modality::kRgb || std::any_of(s.pairs.begin(), s.pairs.end(), reads_rgb);
  auto data_options = batch_source_options(c, images, s.device);
  data_options.rank = rank;
  data_options.world = world;
  data_options.batch_size = c.train.batch_size / world;  // train.batch_size is the global batch
  s.data = std::make_unique<BatchSource>(data_options);

  torch::manual_seed(c.train.seed);
  s.model = models::make_model(c.model, /*load_pretrained=*/!s.options.resume);
  s.model->to(s.device);
  auto optimization = make_training_optimization(c, s.model, s.pairs);
  s.optimization = std::move(optimization.optimization);
  s.pair_optimizer = std::move(optimization.pair_optimizer);
  s.objective = make_objective(c);
  s.beta = std::make_unique<BetaSchedule>(beta_options(c.train));
  s.progress.best_val_mpjpe = std::numeric_limits<double>::infinity();
  if (s.dp) {
    s.optimization->set_gradient_hook(s.dp->gradient_hook());
    // Every rank initialised from train.seed; from here on (dropout, latent
    // samples) each rank draws its own stream.
    torch::manual_seed(core::splitmix64(core::batch_seed(c.train.seed, rank, core::kRankStream)));
  }
  if (s.options.resume) {
    s.load();
    s.log->info("resumed {} at epoch {}, step {}", s.options.run_dir, s.progress.epoch + 1, s.progress.step);
  }
  if (s.dp) {
    s.dp->broadcast_module(*s.model);
    s.log->info("data-parallel: {} ranks x batch {} = global batch {}, {} steps per epoch", world,
                data_options.batch_size, c.train.batch_size, s.data->steps_per_epoch());
  }
  s.run_dir->write_config(c);  // the resolved config, including a resumed run's --set overrides
  s.data->to_device();
  s.mean_pose_mpjpe = eval::mean_pose_mpjpe(s.data->train_split().pose3d, s.data->test_split(), c.eval.joints,
                                            c.eval.batch_size);
  s.log->info("mean-pose baseline on the test split: {:.2f} mm", s.mean_pose_mpjpe);
}

Trainer::~Trainer() = default;

bool Trainer::State::train_step(const std::vector<size_t>& active, double epoch_position,
                                std::map<std::string, torch::Tensor>& sums) {
  auto batch = data->next(progress.batch_in_epoch);
  optimization->begin_step(progress.step, epoch_position);  // on every rank, with or without a batch
  if (!batch) {
    if (!dp) return false;
    // The other ranks' updates wait for this one's gradients: take part with none.
    for (size_t i : active) {
      for (int k = 0; k < objective->critic_updates(model, pairs[i]); ++k) optimization->update(optimization->critic(), {});
      optimization->update(pair_optimizer[i], {});
    }
    return false;
  }
  const double beta_now = beta->at(epoch_position);
  for (size_t i : active) {
    const auto& pair = pairs[i];
    // Each forward in its own autocast scope (train.amp), each update outside one.
    std::vector<std::pair<std::string, torch::Tensor>> critic_logged;
    for (int k = 0; k < objective->critic_updates(model, pair); ++k) {
      auto critic = optimization->forward([&] { return objective->critic_loss(model, pair, *batch); });
      optimization->update(optimization->critic(), critic);
      critic_logged = critic.logged;
    }
    auto terms = optimization->forward([&] { return objective->loss(model, pair, *batch, beta_now); });
    terms.logged.insert(terms.logged.end(), critic_logged.begin(), critic_logged.end());
    if (device.is_cpu()) check_finite(terms, progress.step + 1, pair, run_dir->last(), dp.get(), *log);
    optimization->update(pair_optimizer[i], terms);
    for (const auto& [name, value] : terms.logged) {
      auto& sum = sums[pair.name() + "/" + name];
      sum = sum.defined() ? sum + value : value;
    }
  }
  return true;
}

namespace {

// Writes last.pt with the training time so far (this session's included).
void save_with_time(Trainer::State& s, Clock::time_point session_start) {
  const double before = s.progress.seconds;
  s.progress.seconds += seconds_since(session_start);
  s.save();
  s.progress.seconds = before;
}

// The metrics.jsonl step record of the window; adds it to the epoch's sums.
// Returns the window's reconstruction error, for the progress line.
double flush_window(Trainer::State& s, EpochRecord& r, double position) {
  const int64_t step = s.progress.step;
  std::map<std::string, double> values{{"step", static_cast<double>(step)},
                                       {"epoch", position},
                                       {"beta", s.beta->at(position)},
                                       {"lr", s.optimization->lr(step, position)}};
  double total = 0.0;
  std::string bad;  // the first non-finite term
  for (auto& [k, sum] : r.window) {
    values[k] = sum.item<double>() / static_cast<double>(r.window_updates);
    if (bad.empty() && !std::isfinite(values[k])) bad = k;
  }
  if (s.dp ? s.dp->any(!bad.empty()) : !bad.empty())
    throw NonFiniteLoss("non-finite loss between steps " + std::to_string(step - r.window_steps + 1) + " and " +
                        std::to_string(step) + " (" + (bad.empty() ? "on another rank" : bad) + ")");
  for (auto& [k, sum] : r.window) {
    const double mean = values[k];
    if (k.size() > 6 && (k.compare(k.size() - 6, 6, "/recon") == 0 || k.compare(k.size() - 6, 6, "/llike") == 0))
      total += mean;
    auto& e = r.sums[k];
    e = e.defined() ? e + sum : sum;
  }
  r.updates += r.window_updates;
  s.run_dir->log("step", values);
  r.window.clear();
  r.window_steps = 0;
  r.window_updates = 0;
  return total;
}

// Validation, the epoch record, last/best/epoch checkpoints.
void finish_epoch(Trainer::State& s, const EpochRecord& r, Clock::time_point epoch_start,
                  Clock::time_point session_start, double wait_before, int64_t skipped_before) {
  const auto& c = s.config;
  const double train_seconds = seconds_since(epoch_start);
  // Every rank validates the whole test split on its replica (rank 0's
  // BatchNorm statistics first); rank 0's figure decides for all.
  if (s.dp) s.dp->broadcast_buffers(*s.model);
  double val = s.validate();
  if (s.dp) val = s.dp->from_rank0(val);
  s.optimization->end_epoch(val);
  const int64_t epoch = s.progress.epoch + 1;  // 1-based: the epoch just done
  const int64_t samples = s.data->steps_per_epoch() * c.train.batch_size;
  std::map<std::string, double> summary{{"epoch", static_cast<double>(epoch)},
                                        {"step", static_cast<double>(s.progress.step)},
                                        {"beta", s.beta->at(static_cast<double>(epoch))},
                                        {"lr", s.optimization->lr(s.progress.step, static_cast<double>(epoch))},
                                        {"val_mpjpe_mm", val},
                                        {"samples_per_s", static_cast<double>(samples) / train_seconds},
                                        {"seconds", seconds_since(epoch_start)},
                                        {"train_seconds", train_seconds}};
  if (s.data->has_images()) {
    summary["data_wait_s"] = s.data->data_wait_seconds() - wait_before;
    const int64_t skipped = s.data->images_skipped() - skipped_before;
    summary["images_skipped"] = static_cast<double>(skipped);
    if (skipped > 0)
      s.log->warn("epoch {}: {} sample(s) left out of their batches, their image unreadable "
                  "(data.images.missing: skip)", epoch, skipped);
  }
  for (const auto& [k, sum] : r.sums) summary[k] = sum.item<double>() / static_cast<double>(r.updates);
  s.run_dir->log("epoch", summary);
  s.log->info("epoch {}/{}: val MPJPE {:.2f} mm ({}), {:.0f} samples/s", epoch, c.train.epochs, val, c.eval.pair,
              summary["samples_per_s"]);
  const bool improved = val < s.progress.best_val_mpjpe;
  if (improved) {
    s.progress.best_val_mpjpe = val;
    s.progress.best_epoch = epoch;
  }
  s.progress.epoch = epoch;  // the saved state resumes at the next epoch
  s.progress.batch_in_epoch = 0;
  save_with_time(s, session_start);
  s.run_dir->finish_epoch(epoch, improved);
}

// The steps of the current epoch from progress.batch_in_epoch on; false when
// a stop was requested (Ctrl-C, SIGTERM, max_steps), after saving last.pt.
bool run_epoch(Trainer::State& s, Clock::time_point session_start) {
  const auto& c = s.config;
  const auto epoch_start = Clock::now();
  const int64_t steps = s.data->steps_per_epoch();
  const auto active = s.active_pairs(s.progress.epoch);
  s.model->train();
  const int64_t skipped_before = s.data->images_skipped();  // before the workers start
  s.data->start_epoch(s.progress.epoch, s.progress.batch_in_epoch, s.reads_rgb(active));
  const double wait_before = s.data->data_wait_seconds();
  EpochRecord r;
  core::Progress bar(fmt::format("[train] epoch {}/{}", s.progress.epoch + 1, c.train.epochs), steps);
  for (auto& b = s.progress.batch_in_epoch; b < steps; ++b) {
    bool stop = core::interrupt_requested() || (s.options.max_steps >= 0 && s.progress.step >= s.options.max_steps);
    if (s.dp) stop = s.dp->any(stop);  // a signal to any rank stops all of them at this step
    if (stop) {
      bar.finish();
      save_with_time(s, session_start);
      s.log->info("stopped at step {}: saved {}", s.progress.step, s.run_dir->last());
      return false;
    }
    const double position = static_cast<double>(s.progress.epoch) + static_cast<double>(b) / steps;
    if (s.train_step(active, position, r.window)) ++r.window_updates;
    ++s.progress.step;
    ++r.window_steps;
    if (s.progress.step % c.train.log_every == 0 || b + 1 == steps) {
      const int64_t samples = r.window_steps * c.train.batch_size;
      bar.update(b + 1, samples, flush_window(s, r, position));
    }
  }
  bar.finish();
  finish_epoch(s, r, epoch_start, session_start, wait_before, skipped_before);
  return true;
}

}  // namespace

TrainResult Trainer::run() {
  auto& s = *s_;
  core::install_interrupt_handlers();
  const auto start = Clock::now();
  bool interrupted = false;
  while (s.progress.epoch < s.config.train.epochs && !interrupted) interrupted = !run_epoch(s, start);
  if (!interrupted)
    s.log->info("best val MPJPE {:.2f} mm at epoch {}; checkpoints in {}", s.progress.best_val_mpjpe,
                s.progress.best_epoch, s.run_dir->checkpoint_dir());
  s.progress.seconds += seconds_since(start);
  if (s.dp) s.dp->group().barrier();  // the end of training, on every rank
  TrainResult r;
  r.best_val_mpjpe = s.progress.best_val_mpjpe;
  r.best_epoch = static_cast<int>(s.progress.best_epoch);
  r.mean_pose_mpjpe = s.mean_pose_mpjpe;
  r.epochs_done = static_cast<int>(s.progress.epoch);
  r.steps = s.progress.step;
  r.seconds = s.progress.seconds;
  r.interrupted = interrupted;
  return r;
}

}  // namespace hpe3d::train
