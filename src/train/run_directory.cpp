#include "hpe3d/train/run_directory.h"

#include <filesystem>

#include <fmt/format.h>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::train {

RunDirectory::RunDirectory(RunDirectoryOptions options) : options_(std::move(options)) {
  if (!options_.writes) return;
  namespace fs = std::filesystem;
  for (const auto& p : {options_.path, checkpoint_dir(), options_.path + "/train.log", options_.path + "/config.yaml",
                        options_.path + "/metrics.jsonl"})
    if (!fs::exists(p)) created_.push_back(p);
  fs::create_directories(checkpoint_dir());
  for (const auto& dir : {options_.path, checkpoint_dir()})
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().extension() == ".tmp") {
        core::logger("train")->warn("removing {}: left by an interrupted save", entry.path().string());
        fs::remove(entry.path());
      }
  core::add_log_file(options_.path + "/train.log");
}

RunDirectory::~RunDirectory() {
  std::error_code ec;
  if (!options_.writes || std::filesystem::exists(last(), ec)) return;
  metrics_.reset();
  // train.log's sink stays open on the unlinked file: nothing reaches the disk.
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) std::filesystem::remove_all(*it, ec);
}

void RunDirectory::write_config(const core::ExperimentConfig& config) {
  if (options_.writes) core::write_file_atomically(options_.path + "/config.yaml", core::to_yaml(config));
}

void RunDirectory::log(const std::string& kind, const std::map<std::string, double>& values) {
  if (!options_.writes) return;
  // Opened at the first record: a run that fails before training leaves no empty log.
  if (!metrics_) metrics_ = std::make_unique<MetricsLog>(options_.path + "/metrics.jsonl");
  metrics_->write(kind, values);
}

void RunDirectory::save_last(core::CheckpointWriter& checkpoint) {
  if (options_.writes) checkpoint.save(last());
}

std::string RunDirectory::epoch_file(int64_t epoch) const {
  return fmt::format("{}/epoch_{:04d}.pt", checkpoint_dir(), epoch);
}

void RunDirectory::finish_epoch(int64_t epoch, bool improved) {
  if (!options_.writes) return;
  if (improved) core::copy_file_atomically(last(), checkpoint_dir() + "/best.pt");
  if (options_.keep_last <= 0) return;
  core::copy_file_atomically(last(), epoch_file(epoch));
  std::filesystem::remove(epoch_file(epoch - options_.keep_last));
}

}  // namespace hpe3d::train
