// h36m-train --benchmark: the trainer's steps against a bare loop of the same
// model on the same preloaded tensors (DESIGN.md 7).
#include <chrono>

#include "hpe3d/core/error.h"
#include "hpe3d/train/fused_adam.h"
#include "hpe3d/train/losses.h"
#include "hpe3d/train/metrics_log.h"
#include "trainer_state.h"

namespace hpe3d::train {
namespace {

using Clock = std::chrono::steady_clock;
using models::Modality;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

BenchmarkResult Trainer::benchmark(int steps) {
  auto& s = *s_;
  const int64_t bs = s.config.train.batch_size;
  TORCH_CHECK(steps >= 2, "benchmark: need at least 2 steps");
  if (s.data->has_images())
    core::fail("--benchmark", "measures pose pairs; RGB throughput and data wait are in metrics.jsonl "
                              "(samples_per_s, data_wait_s)");
  std::vector<size_t> all(s.pairs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  s.model->train();
  s.data->start_epoch(s.progress.epoch, 0, /*with_images=*/false);
  const int64_t per_epoch = s.data->steps_per_epoch();
  MetricsLog log(s.options.run_dir + "/benchmark.jsonl");  // the step records a run writes
  auto trainer_steps = [&](int n) {
    std::map<std::string, torch::Tensor> sums;
    int64_t window = 0;
    auto write = [&] {
      std::map<std::string, double> values{{"step", static_cast<double>(s.progress.step)}};
      for (auto& [k, v] : sums) values[k] = v.item<double>() / static_cast<double>(window);
      log.write("step", values);
      sums.clear();
      window = 0;
    };
    for (int i = 0; i < n; ++i) {
      s.progress.batch_in_epoch = i % per_epoch;
      s.train_step(all, 0.0, sums);
      ++s.progress.step;
      ++window;
      if (s.progress.step % s.config.train.log_every == 0) write();
    }
    if (window > 0) write();
  };
  // The bare loop: the same model and optimisers on tensors already normalised
  // and batched. It is the reference that measures what the trainer (the
  // optimisation seam included) adds, so it deliberately calls backward and
  // step itself instead of going through train/optimization.h.
  const auto& train = s.data->train_split();
  auto x2 = data::select_joints_2d(s.data->norm2d().normalize(train.pose2d.narrow(0, 0, bs)), s.config.model.joints_2d);
  auto x3 = s.data->norm3d().normalize(train.pose3d.narrow(0, 0, bs));
  auto bare_steps = [&](int n) {
    for (int i = 0; i < n; ++i) {
      for (size_t p = 0; p < s.pairs.size(); ++p) {
        const auto& pair = s.pairs[p];
        auto& opt = s.optimization->optimizer(s.pair_optimizer[p]);
        for (auto& group : opt.param_groups())
          for (auto& param : group.params()) param.mutable_grad() = torch::Tensor();
        auto x = pair.from == Modality::kPose2d ? x2 : x3;
        auto y = pair.to == Modality::kPose2d ? x2 : x3;
        torch::Tensor loss;
        if (s.model->has_regressor() || (s.config.train.beta.max == 0 && !s.config.train.sample_latent)) {
          loss = torch::mse_loss(s.model->predict(pair.from, pair.to, x), y);
        } else {
          auto out = s.model->forward(pair.from, pair.to, x);
          loss = torch::mse_loss(out.reconstruction, y) +
                 s.config.train.beta.max * kl_divergence(out.posterior.mu, out.posterior.logvar, y.size(1));
        }
        loss.backward();
        if (fused_adam_applies(opt)) fused_adam_step(static_cast<torch::optim::Adam&>(opt), 1.0f);  // as the trainer
        else opt.step();
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
  BenchmarkResult r;
  r.trainer_samples_per_s = samples / t_trainer;
  r.bare_samples_per_s = samples / t_bare;
  return r;
}

}  // namespace hpe3d::train
