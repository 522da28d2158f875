#pragma once
// Grid sweeps: a `sweep:` block in an experiment file maps key paths to lists
// of values; every combination runs as its own run directory, and
// sweep_summary.md / sweep_summary.csv list one row per run.
//
//   sweep:
//     train.beta.max: [0.0001, 0.001]
//     model.latent_dim: [16, 64]
//
// or a list of runs, each a mapping of key paths to one value (a
// one-factor-at-a-time design; {} is the file as it is; keys a run leaves
// alone show "base" in the summary):
//
//   sweep:
//     - {}
//     - {data.flip: false}
//     - {model.latent_dim: 100}
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace hpe3d::train {

// The runs as override lists ("train.beta.max=0.001", ...): a grid in the
// order the keys appear, the last key varying fastest; a list in its order. Throws core::InputError naming
// `file` for a malformed block.
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
