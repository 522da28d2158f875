#pragma once
// Grid sweeps: a `sweep:` block in an experiment file maps key paths to lists
// of values; every combination runs as its own run directory, and
// sweep_summary.md / sweep_summary.csv list one row per run.
//
// A sweep spread over machines (a Slurm job array, docs/distributed.md):
// shard I of N runs grid points I, I+N, I+2N, ... and writes
// sweep_summary.shard-I-of-N.csv; merge_sweep_summaries then writes the one
// table of all shards.
//
//   sweep:
//     train.beta.max: [0.0001, 0.001]
//     model.latent_dim: [16, 64]
//     max_runs: 100           # optional, default 64
//
// or a list of runs, each a mapping of key paths to one value (a
// one-factor-at-a-time design; {} is the file as it is; keys a run leaves
// alone show "base" in the summary):
//
//   sweep:
//     - {}
//     - {data.flip: false}
//     - {model.latent_dim: 100}
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
// keys appear, the last key varying fastest; a list in its order. Throws
// core::InputError naming `file` for a malformed block or more than max_runs runs.
std::vector<std::vector<std::string>> expand_sweep(const YAML::Node& sweep, const std::string& file);

struct SweepOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // --set, applied before each run's values
  std::string output_root;             // runs go to <output_root>/<name>_<i>
  int shard = 0, shards = 1;           // this process runs the grid points i with i % shards == shard
};

// "I/N" (--sweep-shard) as {I, N}; without it, SLURM_ARRAY_TASK_ID minus
// SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT when a job array sets them;
// else {0, 1}. Throws core::InputError naming the flag or variable.
std::pair<int, int> sweep_shard(const std::string& flag);

struct SweepResult {
  int runs = 0;              // rows of the summary
  bool interrupted = false;  // Ctrl-C / SIGTERM stopped the last of them (its last.pt holds the state)
};

// Checks every combination's config, then runs them in order; an interrupted
// run ends the sweep (the summary lists the runs so far).
SweepResult run_sweep(const SweepOptions& options);

// Reads DIR/sweep_summary.shard-*-of-N.csv and writes DIR/sweep_summary.md and
// .csv with every run once, in grid order. Returns the number of rows; throws
// core::InputError naming DIR when no shard file is there, a shard of the N is
// missing, or the shards disagree on the swept keys.
int merge_sweep_summaries(const std::string& dir);

}  // namespace hpe3d::train
