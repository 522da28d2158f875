// h36m-train: trains a cross-modal VAE from a YAML experiment file.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/cli.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/core/interrupt.h"
#include "hpe3d/core/process_group.h"
#include "hpe3d/models/sync_batch_norm.h"
#include "hpe3d/core/tool_main.h"
#include "hpe3d/train/sweep.h"
#include "hpe3d/train/trainer.h"

int main(int argc, char** argv) {
  using namespace hpe3d;
  CLI::App app{"h36m-train: train a cross-modal VAE from a YAML experiment"};
  std::string config_path, output, resume, device, sweep_shard, sweep_summary;
  std::vector<std::string> sets;
  int benchmark_steps = 0;
  int64_t max_steps = -1;
  bool reference = false;
  app.add_option("--config", config_path, "experiment YAML");
  app.add_option("--set", sets, "override, key.path=value (repeatable)");
  app.add_option("--output", output, "run directory (default runs/<name>; for a sweep, its root)");
  app.add_option("--resume", resume, "continue the run in this directory from checkpoints/last.pt");
  app.add_option("--device", device, "auto | cpu | cuda (overrides runtime.device)");
  app.add_option("--benchmark", benchmark_steps, "time N trainer steps against a bare loop and exit");
  app.add_option("--max-steps", max_steps, "stop after N steps in all (saves last.pt)");
  app.add_option("--sweep-shard", sweep_shard,
                 "I/N: run every N-th grid point of the sweep from the I-th (default: a Slurm job array's "
                 "SLURM_ARRAY_TASK_ID/COUNT)");
  app.add_option("--sweep-summary", sweep_summary, "merge the shards' summaries in this sweep directory and exit");
  app.add_flag("--print-config-reference", reference, "print every config key as a Markdown table");
  if (auto rc = core::parse_cli(app, argc, argv)) return *rc;

  return core::run_tool("h36m-train", [&] {
    // After every trainer is gone (declared first, destroyed last): frees
    // the process group, NCCL's included, before the process exits.
    struct CloseGroup {
      ~CloseGroup() {
        models::set_batch_norm_sync(nullptr);
        core::close_launch_process_group();
      }
    } close_group;
    if (reference) {
      core::ExperimentConfig defaults;
      core::DocWriter doc;
      core::visit_config(doc, defaults);
      std::cout << "| key | type | default | meaning |\n|---|---|---|---|\n";
      for (const auto& row : doc.rows()) std::cout << row << "\n";
      return 0;
    }
    if (!sweep_summary.empty()) {
      const int rows = train::merge_sweep_summaries(sweep_summary);
      std::cout << fmt::format("{}/sweep_summary.md: {} runs\n", sweep_summary, rows);
      return 0;
    }
    if (!device.empty()) sets.push_back("runtime.device=" + device);
    auto resume_run = [&](const std::string& dir) {
      const std::string saved = dir + "/config.yaml";
      if (!std::filesystem::exists(saved)) core::fail(dir, "not a run directory (no config.yaml)");
      auto config = core::load_config<core::ExperimentConfig>(saved, sets);
      train::check_config(config, saved);
      train::Trainer trainer(config, {dir, true, max_steps});
      auto result = trainer.run();
      return result.interrupted && max_steps < 0 ? core::kInterruptedExitCode : 0;
    };
    if (!resume.empty()) return resume_run(resume);
    if (config_path.empty()) core::fail("h36m-train", "--config FILE is required (or --resume RUN_DIR)");
    auto root = core::load_yaml_file(config_path);
    if (root["sweep"]) {
      const auto base = core::config_from_yaml<core::ExperimentConfig>(
          [&] { auto r = YAML::Clone(root); r.remove("sweep"); return r; }(), config_path, sets);
      core::select_blas_core(base.runtime.blas_core);  // before the first run starts
      const auto [shard, shards] = train::sweep_shard(sweep_shard);
      auto sweep = train::run_sweep({config_path, sets, output.empty() ? "runs/" + base.name : output, shard, shards});
      return sweep.interrupted ? core::kInterruptedExitCode : 0;
    }
    auto config = core::config_from_yaml<core::ExperimentConfig>(root, config_path, sets);
    std::string source = config_path;  // checks across keys may concern an override: name them too
    for (const auto& s : sets) source += " + --set " + core::quote(s);
    train::check_config(config, source);
    const std::string run_dir = output.empty() ? "runs/" + config.name : output;
    // torchrun restarted the group (--max_restarts): continue from the last checkpoint.
    const bool restarted = core::detect_distributed_env().restart_count > 0;
    if (restarted && benchmark_steps == 0 && std::filesystem::exists(run_dir + "/checkpoints/last.pt"))
      return resume_run(run_dir);
    if (std::filesystem::exists(run_dir + "/checkpoints/last.pt") && benchmark_steps == 0)
      core::fail(run_dir, "holds a run already: continue it with --resume " + run_dir +
                              " or choose another --output");
    train::Trainer trainer(config, {run_dir, false, max_steps});
    if (benchmark_steps > 0) {
      auto r = trainer.benchmark(benchmark_steps);
      std::cout << fmt::format(
          "trainer {:.0f} samples/s, bare loop {:.0f} samples/s, ratio {:.3f} (batch {}, {} steps)\n",
          r.trainer_samples_per_s, r.bare_samples_per_s, r.ratio(), config.train.batch_size, benchmark_steps);
      return 0;
    }
    auto result = trainer.run();
    return result.interrupted && max_steps < 0 ? core::kInterruptedExitCode : 0;
  });
}
