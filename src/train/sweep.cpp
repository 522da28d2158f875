#include "hpe3d/train/sweep.h"

#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/train/trainer.h"

namespace hpe3d::train {

std::vector<std::vector<std::string>> expand_sweep(const YAML::Node& sweep, const std::string& file) {
  if (!sweep.IsMap() || sweep.size() == 0) core::fail(file + ": sweep", "expected a mapping of key.path: [values]");
  // The size of the grid is known, and checked, before any of it is built.
  int64_t max_runs = kDefaultMaxRuns;
  double runs = 1;
  std::string factors;
  for (const auto& kv : sweep) {
    const std::string key = kv.first.Scalar();
    if (key == kMaxRunsKey) {
      max_runs = core::detail::convert<int64_t>(kv.second, file + ": sweep." + key);
      core::detail::check(max_runs, core::Range{1, 1e6}, file + ": sweep." + key);
      continue;
    }
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      core::fail(file + ": sweep." + core::quote(key), "expected a non-empty list of values");
    runs *= static_cast<double>(kv.second.size());
    factors += (factors.empty() ? "" : " x ") + std::to_string(kv.second.size());
  }
  if (factors.empty()) core::fail(file + ": sweep", "expected at least one key.path: [values]");
  if (runs > static_cast<double>(max_runs))
    core::fail(file + ": sweep", fmt::format("{:.0f} runs ({}) exceed sweep.max_runs ({}): raise max_runs in the "
                                             "sweep block to run them all",
                                             runs, factors, max_runs));
  std::vector<std::vector<std::string>> grid{{}};
  for (const auto& kv : sweep) {
    const std::string key = kv.first.Scalar();
    if (key == kMaxRunsKey) continue;
    std::vector<std::vector<std::string>> next;
    for (const auto& partial : grid) {
      for (const auto& value : kv.second) {
        YAML::Emitter e;
        e << YAML::Flow << value;
        auto row = partial;
        row.push_back(key + "=" + e.c_str());
        next.push_back(row);
      }
    }
    grid = std::move(next);
  }
  return grid;
}

SweepResult run_sweep(const SweepOptions& options) {
  auto log = core::logger("sweep");
  YAML::Node root = core::load_yaml_file(options.config_path);
  const YAML::Node sweep = root["sweep"];
  auto grid = expand_sweep(sweep, options.config_path);
  root.remove("sweep");
  std::filesystem::create_directories(options.output_root);

  struct Row {
    std::vector<std::string> values;
    TrainResult result;
    std::string dir;
  };
  // Every run's config is checked before the first one trains.
  std::vector<core::ExperimentConfig> configs;
  for (const auto& values : grid) {
    auto overrides = options.overrides;
    overrides.insert(overrides.end(), values.begin(), values.end());
    configs.push_back(core::config_from_yaml<core::ExperimentConfig>(YAML::Clone(root), options.config_path, overrides));
    check_config(configs.back(), fmt::format("{} (sweep: {})", options.config_path, fmt::join(values, " ")));
  }
  std::vector<Row> rows;
  for (size_t i = 0; i < grid.size(); ++i) {
    const auto& config = configs[i];
    const std::string dir = fmt::format("{}/{}_{:03d}", options.output_root, config.name, i);
    log->info("run {}/{}: {} -> {}", i + 1, grid.size(), fmt::join(grid[i], " "), dir);
    Trainer trainer(config, {dir, false, -1});
    auto result = trainer.run();
    rows.push_back({grid[i], result, dir});
    if (result.interrupted) break;
  }

  std::ostringstream md, csv;
  std::vector<std::string> keys;
  for (const auto& kv : sweep)
    if (kv.first.Scalar() != kMaxRunsKey) keys.push_back(kv.first.Scalar());
  md << "| run | " << fmt::format("{}", fmt::join(keys, " | "))
     << " | best val MPJPE (mm) | best epoch | time (s) |\n|---|";
  for (size_t k = 0; k < keys.size(); ++k) md << "---|";
  md << "---|---|---|\n";
  csv << "run," << fmt::format("{}", fmt::join(keys, ",")) << ",best_val_mpjpe_mm,best_epoch,seconds\n";
  for (const auto& row : rows) {
    std::vector<std::string> values;
    for (const auto& v : row.values) values.push_back(v.substr(v.find('=') + 1));
    const auto name = std::filesystem::path(row.dir).filename().string();
    md << fmt::format("| {} | {} | {:.2f} | {} | {:.1f} |\n", name, fmt::join(values, " | "),
                      row.result.best_val_mpjpe, row.result.best_epoch, row.result.seconds);
    std::vector<std::string> quoted;
    for (const auto& v : values) quoted.push_back(v.find(',') == std::string::npos ? v : "\"" + v + "\"");
    csv << fmt::format("{},{},{:.4f},{},{:.2f}\n", name, fmt::join(quoted, ","), row.result.best_val_mpjpe,
                       row.result.best_epoch, row.result.seconds);
  }
  core::write_file_atomically(options.output_root + "/sweep_summary.md", md.str());
  core::write_file_atomically(options.output_root + "/sweep_summary.csv", csv.str());
  log->info("wrote {}/sweep_summary.md and .csv ({} runs)", options.output_root, rows.size());
  return {static_cast<int>(rows.size()), !rows.empty() && rows.back().result.interrupted};
}

}  // namespace hpe3d::train
