#pragma once
// Grid sweeps: a `sweep:` block in an experiment file maps key paths to lists
// of values; every combination runs as its own run directory, and
// sweep_summary.md / sweep_summary.csv list one row per run.
//
//   sweep:
//     train.beta.max: [0.0001, 0.001]
//     model.latent_dim: [16, 64]
//     max_runs: 100           # optional, default 64
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace hpe3d::train {

// `max_runs: N` in the block (not a key path) bounds the grid: a larger grid
// is refused with its size before anything runs.
inline constexpr const char* kMaxRunsKey = "max_runs";
inline constexpr int64_t kDefaultMaxRuns = 64;

// The grid as override lists ("train.beta.max=0.001", ...), in the order the
// keys appear, the last key varying fastest. Throws core::InputError naming
// `file` for a malformed block or a grid of more than max_runs runs.
std::vector<std::vector<std::string>> expand_sweep(const YAML::Node& sweep, const std::string& file);

struct SweepOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // --set, applied before each run's values
  std::string output_root;             // runs go to <output_root>/<name>_<i>
};

struct SweepResult {
  int runs = 0;              // rows of the summary
  bool interrupted = false;  // Ctrl-C / SIGTERM stopped the last of them (its last.pt holds the state)
};

// Checks every combination's config, then runs them in order; an interrupted
// run ends the sweep (the summary lists the runs so far).
SweepResult run_sweep(const SweepOptions& options);

}  // namespace hpe3d::train
