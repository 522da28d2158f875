#include "hpe3d/core/logging.h"

#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace hpe3d::core {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::vector<spdlog::sink_ptr>& sinks() {
  static std::vector<spdlog::sink_ptr> s{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  return s;
}

std::string& rank_tag() {
  static std::string tag;
  return tag;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& area) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  if (auto existing = spdlog::get(area)) return existing;
  auto log = std::make_shared<spdlog::logger>(area, sinks().begin(), sinks().end());
  log->set_pattern("[%H:%M:%S] " + rank_tag() + "[%n] %v");
  spdlog::register_logger(log);
  return log;
}

void add_log_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  file->set_pattern("[%Y-%m-%d %H:%M:%S] " + rank_tag() + "[%n] %v");
  sinks().push_back(file);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->sinks().push_back(file); });
}

void set_log_rank(int rank, int world) {
  if (world <= 1) return;
  std::lock_guard<std::mutex> lock(registry_mutex());
  rank_tag() = "[rank " + std::to_string(rank) + "] ";
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_pattern("[%H:%M:%S] " + rank_tag() + "[%n] %v"); });
}

}  // namespace hpe3d::core
