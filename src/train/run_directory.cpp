#include "hpe3d/train/run_directory.h"

#include <filesystem>

#include <fmt/format.h>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::train {

RunDirectory::RunDirectory(RunDirectoryOptions options) : options_(std::move(options)) {
  if (!options_.writes) return;
  std::filesystem::create_directories(checkpoint_dir());
  core::add_log_file(options_.path + "/train.log");
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
