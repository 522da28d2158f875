#include "hpe3d/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/device.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/interrupt.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/core/progress.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/normalizer.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/eval/error_accumulator.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/train/beta_schedule.h"
#include "hpe3d/train/gradient_clip.h"
#include "hpe3d/train/losses.h"
#include "hpe3d/train/lr_schedule.h"
#include "hpe3d/train/metrics_log.h"
#include "hpe3d/train/pair.h"
#include "hpe3d/train/vae_gan.h"

namespace fs = std::filesystem;

namespace hpe3d::train {
namespace {

using Clock = std::chrono::steady_clock;
using models::Modality;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

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

LrScheduleOptions lr_options(const core::TrainConfig& t) {
  LrScheduleOptions o;
  o.kind = t.lr.schedule;
  o.decay_rate = t.lr.decay_rate;
  o.decay_steps = t.lr.decay_steps;
  o.gamma = t.lr.gamma;
  o.step_epochs = t.lr.step_epochs;
  o.factor = t.lr.factor;
  o.patience = t.lr.patience;
  o.min_lr = t.lr.min_lr;
  o.total_epochs = t.epochs;
  return o;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const core::OptimizerConfig& c,
                                                        std::vector<torch::Tensor> params) {
  if (c.kind == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weight_decay));
  if (c.kind == "adamw")
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(c.lr).weight_decay(c.weight_decay));
}

// Drops gradients instead of zeroing them (PyTorch's set_to_none): a
// parameter outside the current pair then has no gradient and the optimiser
// leaves it alone, exactly as after a resume, when no gradient exists yet.
void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params())
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

// Mixed precision for the forward and backward of one step (CUDA only).
struct AutocastScope {
  explicit AutocastScope(bool on) : on_(on) {
    if (!on_) return;
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  }
  ~AutocastScope() {
    if (!on_) return;
    at::autocast::set_enabled(false);
    at::autocast::clear_cache();
  }
  bool on_;
};

uint64_t batch_seed(uint64_t seed, int64_t epoch, int64_t batch) {
  return seed * 1000003ull + static_cast<uint64_t>(epoch) * 7919ull * 1000003ull + static_cast<uint64_t>(batch);
}

std::vector<torch::Tensor> child_parameters(torch::nn::Module& model, const std::string& child) {
  for (const auto& item : model.named_children())
    if (item.key() == child) return item.value()->parameters();
  return {};
}

}  // namespace

struct Trainer::State {
  core::ExperimentConfig config;
  TrainerOptions options;
  torch::Device device{torch::kCPU};
  std::shared_ptr<spdlog::logger> log;

  data::PoseSplit train, test;
  data::Normalizer norm2d, norm3d;
  // RGB crops of the splits when a pair (or the eval pair) reads images.
  bool uses_rgb = false;
  std::unique_ptr<data::ImageBatches> train_images, test_images;
  torch::Tensor epoch_flips;         // [N] bool on the CPU: this epoch's flip of each training sample
  torch::Tensor epoch_flips_device;  // the same on the device (no host sync per step)
  double data_wait_seconds = 0.0;
  models::CrossModalVAE model{nullptr};
  std::vector<Pair> pairs;
  Pair eval_pair{Modality::kPose2d, Modality::kPose3d};
  std::vector<std::unique_ptr<torch::optim::Optimizer>> optimizers;  // one, or one per pair
  std::unique_ptr<torch::optim::Optimizer> critic_optimizer;         // VAE-GAN only
  std::unique_ptr<LrSchedule> lr;
  std::unique_ptr<BetaSchedule> beta;

  // Progress, all of it in checkpoints.
  int64_t step = 0;
  int epoch = 0;               // next epoch to run (0-based)
  int64_t batch_in_epoch = 0;  // next batch of that epoch
  torch::Tensor perm;          // this epoch's sample order
  double best = std::numeric_limits<double>::infinity();
  int best_epoch = -1;
  double seconds_before = 0.0;  // training time of earlier sessions of a resumed run
  double mean_pose_mpjpe = 0.0;

  std::string checkpoint_dir() const { return options.run_dir + "/checkpoints"; }
  int64_t steps_per_epoch() const {
    return std::max<int64_t>(1, train.size() / config.train.batch_size);
  }
  torch::optim::Optimizer& optimizer_for(size_t pair_index) {
    return *optimizers[optimizers.size() == 1 ? 0 : pair_index];
  }

  // Encoder input of a modality; images uint8 [B, 3, S, S] (rgb only).
  torch::Tensor input(Modality m, const torch::Tensor& pose2d, const torch::Tensor& pose3d,
                      const torch::Tensor& images = {}) const {
    if (m == Modality::kPose2d) return norm2d.normalize(pose2d);
    if (m == Modality::kPose3d) return norm3d.normalize(pose3d);
    return data::imagenet_normalize(images);
  }
  // Decoder target: as the input for poses, the Tanh range [-1, 1] for images.
  torch::Tensor target(Modality m, const torch::Tensor& pose2d, const torch::Tensor& pose3d,
                       const torch::Tensor& images = {}) const {
    return m == Modality::kRgb ? data::to_unit_range(images) : input(m, pose2d, pose3d);
  }
  static bool reads_rgb(const Pair& p) { return p.from == Modality::kRgb || p.to == Modality::kRgb; }
  void start_epoch_images(const std::vector<size_t>& active);

  void save(const std::string& path);
  void load(const std::string& path);
  double validate();
  double mean_pose_baseline() const;
  // False when the batch had too few readable images to train on (missing: skip).
  bool train_batch(const std::vector<size_t>& active, double epoch_position,
                   std::map<std::string, torch::Tensor>& sums);
};

void check_config(const core::ExperimentConfig& c, const std::string& source) {
  try {
    models::check_model_config(c.model);
    auto require = [](const std::vector<std::string>& list, Modality m, const std::string& pair,
                      const char* key, const char* where) {
      if (std::find(list.begin(), list.end(), models::modality_name(m)) == list.end())
        core::fail(where, pair + " needs " + models::modality_name(m) + " in " + key);
    };
    for (const auto& p : parse_pairs(c.train.pairs, "train.pairs")) {
      require(c.model.encoders, p.from, p.name(), "model.encoders", "train.pairs");
      require(c.model.decoders, p.to, p.name(), "model.decoders", "train.pairs");
    }
    const auto eval_pair = parse_pair(c.eval.pair, "eval.pair");
    require(c.model.encoders, eval_pair.from, c.eval.pair, "model.encoders", "eval.pair");
    if (eval_pair.to != Modality::kPose3d) core::fail("eval.pair", "must decode pose3d, got " + c.eval.pair);
    if (c.model.joints_2d != 17 || c.model.joints_3d != 16)
      core::fail("model", "the trainer feeds 17 2D joints and predicts 16 root-relative 3D joints "
                          "(model.joints_2d: 17, model.joints_3d: 16)");
    data::pose2d_dataset(c.data.input_2d);
  } catch (const core::InputError& e) {
    if (source.empty()) throw;
    core::fail(source, e.what());
  }
}

Trainer::Trainer(core::ExperimentConfig config, TrainerOptions options)
    : s_(std::make_unique<State>()) {
  auto& s = *s_;
  s.config = std::move(config);
  s.options = std::move(options);
  s.log = core::logger("train");
  const auto& c = s.config;
  check_config(c);
  s.device = core::select_device(c.runtime.device, "runtime.device");
  s.pairs = parse_pairs(c.train.pairs, "train.pairs");
  s.eval_pair = parse_pair(c.eval.pair, "eval.pair");
  if (c.train.amp && !s.device.is_cuda()) core::fail("train.amp", "mixed precision needs a CUDA device");

  fs::create_directories(s.checkpoint_dir());
  core::add_log_file(s.options.run_dir + "/train.log");

  const bool has_rgb = std::find(c.model.encoders.begin(), c.model.encoders.end(), "rgb") != c.model.encoders.end();
  const auto threads = core::use_cores(has_rgb, c.runtime.threads);
  s.log->info("device {}; threads: BLAS {} x torch {}{}", s.device.str(), threads.blas, threads.torch,
              threads.openblas ? "" : " (no OpenBLAS loaded: install libopenblas0-pthread)");

  // Data: loaded once, statistics from the training split only.
  data::SplitOptions train_opts{c.data.train_subjects, c.data.train_stride, c.data.root_centre_2d,
                                c.data.input_2d};
  data::SplitOptions test_opts{c.data.test_subjects, c.data.test_stride, c.data.root_centre_2d, c.data.input_2d};
  s.train = data::load_split(c.data.file, train_opts);
  s.test = data::load_split(c.data.file, test_opts);
  s.uses_rgb = s.eval_pair.from == Modality::kRgb ||
               std::any_of(s.pairs.begin(), s.pairs.end(), [](const Pair& p) { return State::reads_rgb(p); });
  if (s.uses_rgb) {
    const auto images = data::image_options(c);
    s.train = data::require_images(s.train, c.data.file, images);
    s.test = data::require_images(s.test, c.data.file, images);
  }
  if (s.train.size() < c.train.batch_size)
    core::fail("train.batch_size", std::to_string(c.train.batch_size) + " is more than the " +
                                       std::to_string(s.train.size()) + " training samples of " + c.data.file);
  s.norm2d = data::Normalizer::fit(s.train.pose2d);
  s.norm3d = data::Normalizer::fit(s.train.pose3d);
  s.log->info("data {}: {} training samples (subjects {}), {} test samples", c.data.file, s.train.size(),
              fmt::join(c.data.train_subjects, ","), s.test.size());

  torch::manual_seed(c.train.seed);
  s.model = models::make_model(c.model, /*load_pretrained=*/!s.options.resume);
  s.model->to(s.device);

  if (c.train.optimizer.shared) {
    s.optimizers.push_back(make_optimizer(c.train.optimizer, s.model->vae_parameters()));
  } else {
    for (const auto& p : s.pairs) {
      auto params = child_parameters(*s.model, "encoder_" + models::modality_name(p.from));
      auto dec = child_parameters(*s.model, "decoder_" + models::modality_name(p.to));
      params.insert(params.end(), dec.begin(), dec.end());
      s.optimizers.push_back(make_optimizer(c.train.optimizer, params));
    }
  }
  if (c.model.discriminator.enabled)
    s.critic_optimizer = std::make_unique<torch::optim::Adam>(
        s.model->discriminator_parameters(), torch::optim::AdamOptions(c.train.gan.lr).betas({0.5, 0.999}));
  s.lr = std::make_unique<LrSchedule>(lr_options(c.train), c.train.optimizer.lr);
  s.beta = std::make_unique<BetaSchedule>(beta_options(c.train));

  if (s.options.resume) {
    s.load(s.checkpoint_dir() + "/last.pt");
    s.log->info("resumed {} at epoch {}, step {}", s.options.run_dir, s.epoch + 1, s.step);
  }
  // The resolved config, including a resumed run's --set overrides.
  core::write_file_atomically(s.options.run_dir + "/config.yaml", core::to_yaml(s.config));
  s.train = s.train.to(s.device);
  s.test = s.test.to(s.device);
  if (s.uses_rgb) {
    const auto images = data::image_options(c);
    s.train_images = std::make_unique<data::ImageBatches>(s.train, c.data.file, images,
                                                          data::augment_ranges(c.data.images));
    s.test_images = std::make_unique<data::ImageBatches>(s.test, c.data.file, images);
    s.log->info("images: {} px crops from {}, {} worker(s)", images.size,
                images.cache.empty() ? "the frames under " + images.root : "the cache " + images.cache,
                images.workers);
  }
  s.mean_pose_mpjpe = s.mean_pose_baseline();
  s.log->info("mean-pose baseline on the test split: {:.2f} mm", s.mean_pose_mpjpe);
  s.norm2d = s.norm2d.to(s.device);
  s.norm3d = s.norm3d.to(s.device);
}

Trainer::~Trainer() = default;

void Trainer::State::save(const std::string& path) {
  core::CheckpointWriter w;
  w.add_module("model", *model);
  for (size_t i = 0; i < optimizers.size(); ++i) w.add_optimizer("optimizer" + std::to_string(i), *optimizers[i]);
  if (critic_optimizer) w.add_optimizer("critic_optimizer", *critic_optimizer);
  auto lr_state = lr->state();
  w.add_tensor("lr_state", torch::tensor(lr_state, torch::kFloat64));
  w.add_int("step", step);
  w.add_int("epoch", epoch);
  w.add_int("batch_in_epoch", batch_in_epoch);
  w.add_tensor("perm", perm.defined() ? perm : torch::empty({0}, torch::kLong));
  w.add_double("best_val_mpjpe", best);
  w.add_int("best_epoch", best_epoch);
  w.add_double("seconds", seconds_before);
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    w.add_tensor("rng_cpu", gen.get_state());
  }
  w.add_tensor("norm2d_mean", norm2d.mean);
  w.add_tensor("norm2d_std", norm2d.std);
  w.add_tensor("norm3d_mean", norm3d.mean);
  w.add_tensor("norm3d_std", norm3d.std);
  w.add_string("config", core::to_yaml(config));
  w.save(path);
}

void Trainer::State::load(const std::string& path) {
  core::CheckpointReader r(path);
  r.load_module("model", *model);
  for (size_t i = 0; i < optimizers.size(); ++i) r.load_optimizer("optimizer" + std::to_string(i), *optimizers[i]);
  if (critic_optimizer) r.load_optimizer("critic_optimizer", *critic_optimizer);
  auto lr_state = r.tensor("lr_state").contiguous();
  lr->load_state(std::vector<double>(lr_state.data_ptr<double>(), lr_state.data_ptr<double>() + lr_state.numel()));
  step = r.get_int("step");
  epoch = static_cast<int>(r.get_int("epoch"));
  batch_in_epoch = r.get_int("batch_in_epoch");
  perm = r.tensor("perm").to(device);
  if (perm.numel() == 0) perm = torch::Tensor();
  best = r.get_double("best_val_mpjpe");
  best_epoch = static_cast<int>(r.get_int("best_epoch"));
  seconds_before = r.get_double("seconds");
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(r.tensor("rng_cpu"));
  }
  norm2d = {r.tensor("norm2d_mean"), r.tensor("norm2d_std")};
  norm3d = {r.tensor("norm3d_mean"), r.tensor("norm3d_std")};
}

double Trainer::State::validate() {
  torch::NoGradGuard no_grad;
  model->eval();
  eval::ErrorAccumulator acc;
  const bool rgb = eval_pair.from == Modality::kRgb;
  const int64_t bs = rgb ? std::min<int64_t>(config.eval.batch_size, 256) : config.eval.batch_size;
  int64_t left_out = 0;
  if (rgb) test_images->start_in_order(bs);
  for (int64_t start = 0; start < test.size(); start += bs) {
    const int64_t n = std::min(bs, test.size() - start);
    auto p2 = test.pose2d.narrow(0, start, n), p3 = test.pose3d.narrow(0, start, n);
    auto action = test.action.narrow(0, start, n), subject = test.subject.narrow(0, start, n);
    torch::Tensor images;
    if (rgb) {
      auto batch = test_images->next();
      images = batch.images.to(device);
      if (auto keep = data::readable_rows(batch, device); keep.defined()) {  // data.images.missing: skip
        left_out += n - keep.numel();
        if (keep.numel() == 0) continue;
        p2 = p2.index_select(0, keep);
        p3 = p3.index_select(0, keep);
        images = images.index_select(0, keep);
        action = action.index_select(0, keep);
        subject = subject.index_select(0, keep);
      }
    }
    auto out = model->forward(eval_pair.from, Modality::kPose3d, input(eval_pair.from, p2, p3, images));
    auto pred = norm3d.denormalize(out.reconstruction).view({p3.size(0), 16, 3});
    auto err = eval::pose_errors(eval::add_root(pred), eval::add_root(p3), eval::Protocol::kP1,
                                 {config.eval.joints});
    acc.add(err, action, subject);
  }
  if (left_out > 0) log->warn("validation: {} sample(s) left out, their image unreadable (data.images.missing: skip)", left_out);
  model->train();
  return acc.mean_over_actions();
}

// The reference every result should beat: the mean training pose for all.
double Trainer::State::mean_pose_baseline() const {
  eval::ErrorAccumulator acc;
  auto mean = eval::add_root(train.pose3d.mean(0, /*keepdim=*/true));
  for (int64_t start = 0; start < test.size(); start += config.eval.batch_size) {
    const int64_t n = std::min<int64_t>(config.eval.batch_size, test.size() - start);
    auto p3 = eval::add_root(test.pose3d.narrow(0, start, n));
    acc.add(eval::pose_errors(mean.expand_as(p3), p3, eval::Protocol::kP1, {config.eval.joints}),
            test.action.narrow(0, start, n), test.subject.narrow(0, start, n));
  }
  return acc.mean_over_actions();
}

bool Trainer::State::train_batch(const std::vector<size_t>& active, double epoch_position,
                                 std::map<std::string, torch::Tensor>& sums) {
  const int64_t bs = config.train.batch_size;
  auto idx = perm.narrow(0, batch_in_epoch * bs, bs);
  auto p2 = train.pose2d.index_select(0, idx);
  auto p3 = train.pose3d.index_select(0, idx);
  torch::Tensor images, keep;
  if (std::any_of(active.begin(), active.end(), [&](size_t i) { return reads_rgb(pairs[i]); })) {
    const double before = train_images->wait_seconds();
    auto batch = train_images->next();
    data_wait_seconds += train_images->wait_seconds() - before;
    images = batch.images.to(device);
    // The crops' zoom and shift move the 2D pose too (before the flip, as in the crops).
    p2 = data::jitter_pose2d(p2, batch.pose_jitter, config.data.root_centre_2d);
    keep = data::readable_rows(batch, device);  // data.images.missing: skip
  }
  if (config.data.flip) {
    auto f2 = p2.clone(), f3 = p3.clone();
    data::flip_batch(f2, f3, train.centre_x.index_select(0, idx), config.data.root_centre_2d);
    auto mask = epoch_flips_device.index_select(0, idx).view({bs, 1, 1});
    p2 = torch::where(mask, f2, p2);
    p3 = torch::where(mask, f3, p3);
  }
  if (keep.defined()) {
    if (keep.numel() < 2) return false;  // batch norm needs two samples: no update on this batch
    p2 = p2.index_select(0, keep);
    p3 = p3.index_select(0, keep);
    images = images.index_select(0, keep);
  }
  const double lr_now = lr->lr(step, epoch_position);
  for (auto& o : optimizers) LrSchedule::apply(*o, lr_now);
  const double beta_now = beta->at(epoch_position);
  for (size_t i : active) {
    const auto& pair = pairs[i];
    auto& opt = optimizer_for(i);
    clear_gradients(opt);
    auto source = input(pair.from, p2, p3, images);
    auto target = this->target(pair.to, p2, p3, images);
    AutocastScope autocast(config.train.amp);
    std::vector<std::pair<const char*, torch::Tensor>> terms;
    if (model->has_discriminator(pair.to)) {
      VaeGanOptions gan{config.model.discriminator.kind, config.train.gan.gamma, config.train.gan.gp_weight,
                        config.train.sample_latent};
      torch::Tensor critic;
      for (int k = 0; k < config.train.gan.critic_steps; ++k)
        critic = critic_step(model, pair, source, target, *critic_optimizer, gan).critic;
      auto losses = generator_gradients(model, pair, source, target, beta_now, gan);
      terms = {{"/llike", losses.llike}, {"/kl", losses.kl}, {"/gan_g", losses.generator}, {"/critic", critic}};
    } else {
      auto posterior = model->encode(pair.from, source);
      auto z = config.train.sample_latent ? model->reparameterize(posterior) : posterior.mu;
      auto decoded = model->decode(pair.to, z);
      auto recon = pair.to == Modality::kRgb ? image_reconstruction(decoded, target)
                                             : pose_reconstruction(decoded, target);
      auto kl = kl_divergence(posterior.mu, posterior.logvar, target[0].numel());
      (recon + beta_now * kl).backward();
      terms = {{"/recon", recon.detach()}, {"/kl", kl.detach()}};
    }
    // On the CPU a read-back costs nothing: check every step, so the message
    // names the exact step. On a GPU the sums are checked every log_every steps.
    if (device.is_cpu()) {
      for (const auto& [name, value] : terms)
        if (!std::isfinite(value.item<double>()))
          throw NonFiniteLoss("non-finite loss at step " + std::to_string(step + 1) + " (pair " + pair.name() +
                              ", term " + std::string(name + 1) + "); last good state is " + checkpoint_dir() +
                              "/last.pt");
    }
    if (config.train.grad_clip > 0) {
      std::vector<torch::Tensor> params;
      for (auto& g : opt.param_groups()) params.insert(params.end(), g.params().begin(), g.params().end());
      clip_gradient_norm(params, config.train.grad_clip);
    }
    opt.step();
    for (const auto& [name, value] : terms) {
      auto& sum = sums[pair.name() + name];
      sum = sum.defined() ? sum + value : value;
    }
  }
  return true;
}

// This epoch's flips (a pure function of the seed and the epoch, so a resumed
// run draws the same ones) and the image batches of its remaining steps.
void Trainer::State::start_epoch_images(const std::vector<size_t>& active) {
  const int64_t n = train.size();
  if (config.data.flip) {
    auto gen = at::detail::createCPUGenerator(batch_seed(config.train.seed, epoch, -1));
    epoch_flips = torch::rand({n}, gen, torch::kFloat32) < 0.5;
    epoch_flips_device = epoch_flips.to(device);
  }
  if (!train_images || std::none_of(active.begin(), active.end(), [&](size_t i) { return reads_rgb(pairs[i]); }))
    return;
  const int64_t bs = config.train.batch_size, first = batch_in_epoch, steps = steps_per_epoch();
  auto order = perm.cpu();
  auto flips = config.data.flip ? epoch_flips : torch::Tensor();
  const uint64_t seed = config.train.seed;
  const int64_t e = epoch;
  train_images->start(steps - first, [=](int64_t k) {
    auto rows = order.narrow(0, (first + k) * bs, bs);
    return data::ImageRequest{rows, flips.defined() ? flips.index_select(0, rows) : torch::Tensor(),
                              batch_seed(seed, e, first + k), true};
  });
}

TrainResult Trainer::run() {
  auto& s = *s_;
  const auto& c = s.config;
  core::install_interrupt_handlers();
  MetricsLog metrics(s.options.run_dir + "/metrics.jsonl");
  const auto start = Clock::now();
  const int64_t steps_per_epoch = s.steps_per_epoch();
  TrainResult result;
  auto finish = [&](bool interrupted) {
    s.seconds_before += seconds_since(start);
    result.best_val_mpjpe = s.best;
    result.best_epoch = s.best_epoch;
    result.mean_pose_mpjpe = s.mean_pose_mpjpe;
    result.epochs_done = s.epoch;
    result.steps = s.step;
    result.seconds = s.seconds_before;
    result.interrupted = interrupted;
    return result;
  };

  for (; s.epoch < c.train.epochs; ++s.epoch) {
    const auto epoch_start = Clock::now();
    s.model->train();
    if (!s.perm.defined()) s.perm = torch::randperm(s.train.size(), torch::TensorOptions(torch::kLong)).to(s.device);
    std::vector<size_t> active;
    if (c.train.schedule == "per_epoch") active.push_back(static_cast<size_t>(s.epoch) % s.pairs.size());
    else for (size_t i = 0; i < s.pairs.size(); ++i) active.push_back(i);
    const int64_t skipped_before = s.train_images ? s.train_images->skipped() : 0;  // before the workers start
    s.start_epoch_images(active);
    const double wait_before = s.data_wait_seconds;

    std::map<std::string, torch::Tensor> window, epoch_sums;
    int64_t window_steps = 0, window_updates = 0, epoch_updates = 0;  // updates: steps that trained (missing: skip)
    core::Progress progress(fmt::format("[train] epoch {}/{}", s.epoch + 1, c.train.epochs), steps_per_epoch);
    for (; s.batch_in_epoch < steps_per_epoch; ++s.batch_in_epoch) {
      const bool stop_requested = core::interrupt_requested() ||
                                  (s.options.max_steps >= 0 && s.step >= s.options.max_steps);
      if (stop_requested) {
        progress.finish();
        s.seconds_before += seconds_since(start);
        s.save(s.checkpoint_dir() + "/last.pt");
        s.seconds_before -= seconds_since(start);
        s.log->info("stopped at step {}: saved {}/last.pt", s.step, s.checkpoint_dir());
        return finish(true);
      }
      const double position = s.epoch + static_cast<double>(s.batch_in_epoch) / steps_per_epoch;
      if (s.train_batch(active, position, window)) ++window_updates;
      ++s.step;
      ++window_steps;
      if (s.step % c.train.log_every == 0 || s.batch_in_epoch + 1 == steps_per_epoch) {
        std::map<std::string, double> values{{"step", static_cast<double>(s.step)},
                                             {"epoch", position},
                                             {"beta", s.beta->at(position)},
                                             {"lr", s.lr->lr(s.step, position)}};
        double total = 0.0;
        for (auto& [k, sum] : window) {
          const double mean = sum.item<double>() / static_cast<double>(window_updates);
          if (!std::isfinite(mean))
            throw NonFiniteLoss("non-finite loss between steps " + std::to_string(s.step - window_steps + 1) +
                                " and " + std::to_string(s.step) + " (" + k + ")");
          values[k] = mean;
          if (k.size() > 6 && (k.compare(k.size() - 6, 6, "/recon") == 0 || k.compare(k.size() - 6, 6, "/llike") == 0))
            total += mean;  // the progress line shows the reconstruction error
          auto& e = epoch_sums[k];
          e = e.defined() ? e + sum : sum;
        }
        epoch_updates += window_updates;
        metrics.write("step", values);
        progress.update(s.batch_in_epoch + 1, window_steps * c.train.batch_size, total);
        window.clear();
        window_steps = 0;
        window_updates = 0;
      }
    }
    progress.finish();
    s.batch_in_epoch = 0;
    s.perm = torch::Tensor();  // the next epoch draws a new order
    const double train_seconds = seconds_since(epoch_start);
    const double val = s.validate();
    s.lr->end_epoch(val);
    const int epoch_number = s.epoch + 1;

    std::map<std::string, double> summary{{"epoch", epoch_number},
                                          {"step", static_cast<double>(s.step)},
                                          {"beta", s.beta->at(epoch_number)},
                                          {"lr", s.lr->lr(s.step, epoch_number)},
                                          {"val_mpjpe_mm", val},
                                          {"samples_per_s", steps_per_epoch * c.train.batch_size / train_seconds},
                                          {"seconds", seconds_since(epoch_start)},
                                          {"train_seconds", train_seconds}};
    if (s.train_images) {
      summary["data_wait_s"] = s.data_wait_seconds - wait_before;
      const int64_t skipped = s.train_images->skipped() - skipped_before;
      summary["images_skipped"] = static_cast<double>(skipped);
      if (skipped > 0)
        s.log->warn("epoch {}: {} sample(s) left out of their batches, their image unreadable "
                    "(data.images.missing: skip)", s.epoch + 1, skipped);
    }
    for (auto& [k, sum] : epoch_sums) summary[k] = sum.item<double>() / static_cast<double>(epoch_updates);
    metrics.write("epoch", summary);
    s.log->info("epoch {}/{}: val MPJPE {:.2f} mm ({}), {:.0f} samples/s", epoch_number, c.train.epochs, val,
                c.eval.pair, summary["samples_per_s"]);

    const bool improved = val < s.best;
    if (improved) {
      s.best = val;
      s.best_epoch = epoch_number;
    }
    s.epoch = epoch_number;  // the saved state resumes at the next epoch
    s.seconds_before += seconds_since(start);
    s.save(s.checkpoint_dir() + "/last.pt");
    if (improved) core::copy_file_atomically(s.checkpoint_dir() + "/last.pt", s.checkpoint_dir() + "/best.pt");
    if (c.train.keep_last > 0) {
      core::copy_file_atomically(s.checkpoint_dir() + "/last.pt",
                                 fmt::format("{}/epoch_{:04d}.pt", s.checkpoint_dir(), epoch_number));
      fs::remove(fmt::format("{}/epoch_{:04d}.pt", s.checkpoint_dir(), epoch_number - c.train.keep_last));
    }
    s.seconds_before -= seconds_since(start);
    s.epoch = epoch_number - 1;  // the for loop increments it
  }
  s.log->info("best val MPJPE {:.2f} mm at epoch {}; checkpoints in {}", s.best, s.best_epoch, s.checkpoint_dir());
  return finish(false);
}

BenchmarkResult Trainer::benchmark(int steps) {
  auto& s = *s_;
  const int64_t bs = s.config.train.batch_size;
  TORCH_CHECK(steps >= 2, "benchmark: need at least 2 steps");
  if (s.uses_rgb)
    core::fail("--benchmark", "measures pose pairs; RGB throughput and data wait are in metrics.jsonl "
                              "(samples_per_s, data_wait_s)");
  TORCH_CHECK(s.train.size() >= bs, "benchmark: fewer training samples than one batch");
  BenchmarkResult r;
  std::vector<size_t> all(s.pairs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  s.model->train();
  s.perm = torch::randperm(s.train.size(), torch::TensorOptions(torch::kLong)).to(s.device);
  s.start_epoch_images(all);
  const int64_t per_epoch = s.steps_per_epoch();
  MetricsLog log(s.options.run_dir + "/benchmark.jsonl");  // the step records a run writes
  auto trainer_steps = [&](int n) {
    std::map<std::string, torch::Tensor> sums;
    int64_t window = 0;
    auto write = [&] {
      std::map<std::string, double> values{{"step", static_cast<double>(s.step)}};
      for (auto& [k, v] : sums) values[k] = v.item<double>() / static_cast<double>(window);
      log.write("step", values);
      sums.clear();
      window = 0;
    };
    for (int i = 0; i < n; ++i) {
      s.batch_in_epoch = i % per_epoch;
      s.train_batch(all, 0.0, sums);
      ++s.step;
      ++window;
      if (s.step % s.config.train.log_every == 0) write();
    }
    if (window > 0) write();
  };
  // Bare loop: the same model and optimiser on tensors already normalised and batched.
  auto x2 = s.norm2d.normalize(s.train.pose2d.narrow(0, 0, bs));
  auto x3 = s.norm3d.normalize(s.train.pose3d.narrow(0, 0, bs));
  auto bare_steps = [&](int n) {
    for (int i = 0; i < n; ++i) {
      for (size_t p = 0; p < s.pairs.size(); ++p) {
        const auto& pair = s.pairs[p];
        auto& opt = s.optimizer_for(p);
        clear_gradients(opt);
        auto x = pair.from == Modality::kPose2d ? x2 : x3;
        auto y = pair.to == Modality::kPose2d ? x2 : x3;
        auto out = s.model->forward(pair.from, pair.to, x);
        auto loss = torch::mse_loss(out.reconstruction, y) +
                    s.config.train.beta.max * kl_divergence(out.posterior.mu, out.posterior.logvar, y.size(1));
        loss.backward();
        opt.step();
      }
    }
    (void)s.model->parameters()[0].sum().item<double>();  // wait for the device
  };
  const int warmup = std::max(2, steps / 10);
  trainer_steps(warmup);
  bare_steps(warmup);
  // Interleave the two in rounds so machine noise hits both alike.
  double t_trainer = 0, t_bare = 0;
  const int rounds = 4, per_round = std::max(1, steps / rounds);
  for (int round = 0; round < rounds; ++round) {
    auto t0 = Clock::now();
    trainer_steps(per_round);
    t_trainer += seconds_since(t0);
    t0 = Clock::now();
    bare_steps(per_round);
    t_bare += seconds_since(t0);
  }
  const double samples = static_cast<double>(rounds * per_round * bs);
  r.trainer_samples_per_s = samples / t_trainer;
  r.bare_samples_per_s = samples / t_bare;
  return r;
}

}  // namespace hpe3d::train
