// Where a training step of a pose model goes: forward (loss), backward, clip +
// optimiser step, timed per phase over preloaded random batches, then the
// operators by self time (LibTorch's profiler). --unfused runs LibTorch's
// modules and Adam instead of the fused kernels (models/bn_relu_dropout.h,
// train/fused_adam.h), for the before/after profile in docs/performance.md.
//   build/bench/train_step_profile bench/speed_net.yaml [--batch 256] [--steps 100] [--unfused]
//                                  [--torch-threads N] [--blas-threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include <ATen/record_function.h>
#include <CLI/CLI.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/cli.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/core/tool_main.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/mlp_trunk.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/batch_source.h"
#include "hpe3d/train/fused_adam.h"
#include "hpe3d/train/gradient_clip.h"
#include "hpe3d/train/objective.h"
#include "hpe3d/train/optimization.h"

namespace {

using namespace hpe3d;
using Clock = std::chrono::steady_clock;
namespace prof = torch::autograd::profiler;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Self time (inclusive minus children) per operator name, in microseconds.
std::map<std::string, double> self_times(const prof::thread_event_lists& lists) {
  std::map<std::string, double> out;
  for (const auto& events : lists) {
    struct Open {
      const prof::LegacyEvent* push;
      double children = 0;
    };
    std::vector<Open> stack;
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) stack.push_back({&e});
      if (e.kind() != prof::EventKind::PopRange || stack.empty()) continue;
      const auto open = stack.back();
      stack.pop_back();
      const double total = open.push->cpuElapsedUs(e);
      out[open.push->name()] += total - open.children;
      if (!stack.empty()) stack.back().children += total;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"train_step_profile: where a pose model's training step goes"};
  std::string config_path;
  int64_t batch = 256;
  int steps = 100, torch_threads = 0, blas_threads = 0;
  bool unfused = false;
  app.add_option("config", config_path, "experiment YAML (its model, objective, optimiser, clip)")->required();
  app.add_option("--batch", batch, "batch size");
  app.add_option("--steps", steps, "timed steps");
  app.add_option("--torch-threads", torch_threads, "torch intra-op threads (0: the tools' split)");
  app.add_option("--blas-threads", blas_threads, "OpenBLAS threads (0: the tools' split)");
  app.add_flag("--unfused", unfused, "LibTorch's BN/ReLU/Dropout modules and Adam::step");
  if (auto rc = core::parse_cli(app, argc, argv)) return *rc;
  return core::run_tool("train_step_profile", [&] {
    auto c = core::load_config<core::ExperimentConfig>(config_path, {});
    core::select_blas_core(c.runtime.blas_core);
    auto split = core::use_cores(false, c.runtime.threads);
    if (torch_threads > 0 || blas_threads > 0)
      core::set_threads(blas_threads > 0 ? blas_threads : split.blas, torch_threads > 0 ? torch_threads : split.torch);
    torch::manual_seed(0);
    auto model = models::make_model(c.model);
    for (auto& m : model->modules())
      if (auto* block = m->as<models::LinearBlock>()) block->fused = !unfused;
    model->train();
    const auto pair = models::parse_pair(c.train.pairs.at(0), "train.pairs");
    train::Optimization optimization(train::OptimizationOptions{c.train.grad_clip, false, {}, c.train.optimizer.lr,
                                                                !unfused});
    optimization.add_vae_optimizer(train::make_optimizer(c.train.optimizer, model->vae_parameters()));
    auto& optimizer = optimization.optimizer(0);
    auto objective = train::make_objective(c);
    train::Batch b;
    b.inputs[models::Modality::kPose2d] = b.targets[models::Modality::kPose2d] = torch::randn({batch, 2 * c.model.joints_2d});
    b.inputs[models::Modality::kPose3d] = b.targets[models::Modality::kPose3d] = torch::randn({batch, 3 * c.model.joints_3d});
    std::vector<torch::Tensor> params;
    for (auto& g : optimizer.param_groups()) params.insert(params.end(), g.params().begin(), g.params().end());

    double forward = 0, backward = 0, update = 0;
    auto one_step = [&](bool timed) {
      auto t = Clock::now();
      train::LossTerms terms;
      {
        RECORD_USER_SCOPE("phase: forward");
        terms = objective->loss(model, pair, b, c.train.beta.max);
      }
      if (timed) forward += ms_since(t);
      t = Clock::now();
      {
        RECORD_USER_SCOPE("phase: backward");
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        terms.gradients.at(0).loss.backward();
      }
      if (timed) backward += ms_since(t);
      t = Clock::now();
      {
        RECORD_USER_SCOPE("phase: clip + step");
        if (!unfused && train::fused_adam_applies(optimizer)) {
          auto s = c.train.grad_clip > 0 ? train::gradient_clip_scale(params, c.train.grad_clip) : torch::Tensor();
          train::fused_adam_step(static_cast<torch::optim::Adam&>(optimizer), s.defined() ? s.item<float>() : 1.0f);
        } else {
          if (c.train.grad_clip > 0) train::clip_gradient_norm(params, c.train.grad_clip);
          optimizer.step();
        }
        (void)terms.logged.at(0).second.item<double>();  // the trainer's per-step finiteness check
      }
      if (timed) update += ms_since(t);
    };
    for (int i = 0; i < std::max(3, steps / 10); ++i) one_step(false);
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i) one_step(true);
    const double total = ms_since(start) / steps;
    // The same steps through the trainer's seam (train/optimization.h).
    auto seam_start = Clock::now();
    for (int i = 0; i < steps; ++i) {
      auto terms = objective->loss(model, pair, b, c.train.beta.max);
      optimization.update(0, terms);
      (void)terms.logged.at(0).second.item<double>();
    }
    const double seam = ms_since(seam_start) / steps;

    std::printf("%s, batch %lld, %s, %d steps\n", unfused ? "LibTorch modules + Adam::step" : "fused kernels",
                static_cast<long long>(batch), core::blas_description().c_str(), steps);
    std::printf("| phase | ms per step | share |\n| --- | --- | --- |\n");
    for (auto [name, ms] : std::vector<std::pair<const char*, double>>{
             {"forward (loss)", forward / steps}, {"backward", backward / steps}, {"clip + step", update / steps}})
      std::printf("| %s | %.2f | %.0f%% |\n", name, ms, 100 * ms / total);
    std::printf("| step | %.2f | %.0f samples/s |\n", total, 1000.0 * batch / total);
    std::printf("| step through Optimization::update | %.2f | %.0f samples/s |\n\n", seam, 1000.0 * batch / seam);

    const int profiled = std::max(5, steps / 5);
    prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
    for (int i = 0; i < profiled; ++i) one_step(false);
    auto ops = self_times(prof::disableProfilerLegacy());
    std::vector<std::pair<double, std::string>> sorted;
    double all = 0;
    for (const auto& [name, us] : ops) {
      sorted.emplace_back(us / profiled / 1000.0, name);
      all += us / profiled / 1000.0;
    }
    std::sort(sorted.rbegin(), sorted.rend());
    std::printf("| operator (self time, profiled) | ms per step | share |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < std::min<size_t>(14, sorted.size()); ++i)
      std::printf("| %s | %.2f | %.0f%% |\n", sorted[i].second.c_str(), sorted[i].first, 100 * sorted[i].first / all);
    return 0;
  });
}
