#pragma once
// A run's directory (DESIGN.md 5): config.yaml (the resolved config),
// metrics.jsonl, train.log and checkpoints/{last,best,epoch_NNNN}.pt, the
// epoch checkpoints limited to the last train.keep_last. Only a process whose
// `writes` flag is set touches the disk (rank 0 of a data-parallel run);
// the others call the same functions, which then do nothing.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/train/metrics_log.h"

namespace hpe3d::train {

struct RunDirectoryOptions {
  std::string path;    // RUN_DIR
  bool writes = true;  // false: every write below is skipped
  int keep_last = 1;   // epoch checkpoints kept besides last.pt and best.pt (0: none)
};

class RunDirectory {
 public:
  // Creates RUN_DIR/checkpoints and opens train.log and metrics.jsonl
  // (metrics.jsonl at its first record; both appended to: a resumed run
  // continues them) when it writes.
  // Removes "*.tmp" files left in RUN_DIR and RUN_DIR/checkpoints by a save
  // that a kill interrupted (logged).
  explicit RunDirectory(RunDirectoryOptions options);
  // A run that ends (fails, or benchmarks) before its first last.pt leaves
  // nothing behind: what this object created is removed again (the whole
  // directory when it created it), so a failed start is not mistaken for a run.
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  std::string last() const { return checkpoint_dir() + "/last.pt"; }
  std::string checkpoint_dir() const { return options_.path + "/checkpoints"; }
  bool writes() const { return options_.writes; }

  void write_config(const core::ExperimentConfig& config);
  // One metrics.jsonl record.
  void log(const std::string& kind, const std::map<std::string, double>& values);
  // Atomically replaces last.pt.
  void save_last(core::CheckpointWriter& checkpoint);
  // After last.pt holds epoch `epoch` (1-based): copies it to best.pt when it
  // improved and to epoch_NNNN.pt, dropping the one keep_last epochs older.
  void finish_epoch(int64_t epoch, bool improved);

 private:
  std::string epoch_file(int64_t epoch) const;

  RunDirectoryOptions options_;
  std::unique_ptr<MetricsLog> metrics_;
  std::vector<std::string> created_;  // paths this object made, parents first
};

}  // namespace hpe3d::train
