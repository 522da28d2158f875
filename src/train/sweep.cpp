#include "hpe3d/train/sweep.h"

#include <algorithm>
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

namespace {

std::string flow(const YAML::Node& value) {
  YAML::Emitter e;
  e << YAML::Flow << value;
  return e.c_str();
}

// The list form: one run per entry, each a mapping of key.path: value ({}: the file as it is).
std::vector<std::vector<std::string>> listed_runs(const YAML::Node& sweep, const std::string& file) {
  std::vector<std::vector<std::string>> runs;
  for (size_t i = 0; i < sweep.size(); ++i) {
    const auto& run = sweep[i];
    const std::string where = file + ": sweep[" + std::to_string(i) + "]";
    if (!run.IsMap()) core::fail(where, "expected a mapping of key.path: value ({} for the file as it is)");
    std::vector<std::string> row;
    for (const auto& kv : run) {
      if (kv.second.IsSequence() || kv.second.IsMap())
        core::fail(where + "." + kv.first.Scalar(), "expected one value (the grid form takes lists)");
      row.push_back(kv.first.Scalar() + "=" + flow(kv.second));
    }
    runs.push_back(row);
  }
  return runs;
}

}  // namespace

std::vector<std::vector<std::string>> expand_sweep(const YAML::Node& sweep, const std::string& file) {
  if (sweep.IsSequence() && sweep.size() > 0) return listed_runs(sweep, file);
  if (!sweep.IsMap() || sweep.size() == 0)
    core::fail(file + ": sweep", "expected a mapping of key.path: [values] (a grid) or a list of mappings (one run each)");
  std::vector<std::vector<std::string>> grid{{}};
  for (const auto& kv : sweep) {
    const std::string key = kv.first.Scalar();
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      core::fail(file + ": sweep." + key, "expected a non-empty list of values");
    std::vector<std::vector<std::string>> next;
    for (const auto& partial : grid) {
      for (const auto& value : kv.second) {
        auto row = partial;
        row.push_back(key + "=" + flow(value));
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
  // Columns: every swept key in order of appearance; a listed run that leaves one as the file has it shows "base".
  std::vector<std::string> keys;
  auto key_of = [](const std::string& override_) { return override_.substr(0, override_.find('=')); };
  for (const auto& values : grid)
    for (const auto& v : values)
      if (std::find(keys.begin(), keys.end(), key_of(v)) == keys.end()) keys.push_back(key_of(v));
  md << "| run | " << fmt::format("{}", fmt::join(keys, " | "))
     << " | best val MPJPE (mm) | best epoch | time (s) |\n|---|";
  for (size_t k = 0; k < keys.size(); ++k) md << "---|";
  md << "---|---|---|\n";
  csv << "run," << fmt::format("{}", fmt::join(keys, ",")) << ",best_val_mpjpe_mm,best_epoch,seconds\n";
  for (const auto& row : rows) {
    std::vector<std::string> values;
    for (const auto& key : keys) {
      auto it = std::find_if(row.values.begin(), row.values.end(), [&](const std::string& v) { return key_of(v) == key; });
      values.push_back(it == row.values.end() ? "base" : it->substr(it->find('=') + 1));
    }
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
