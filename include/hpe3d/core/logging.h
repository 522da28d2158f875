#pragma once
// Loggers tagged by library area: logger("data")->info(...) prints
// "[data] ...". One sink (stderr, colour when a terminal) for all areas.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace hpe3d::core {

std::shared_ptr<spdlog::logger> logger(const std::string& area);

// Also write every area's messages to `path` (e.g. RUN_DIR/train.log).
void add_log_file(const std::string& path);

// A data-parallel job's ranks: every line, of every area, now and later, reads
// "[rank R] ..." (nothing changes for a world of one).
void set_log_rank(int rank, int world);

}  // namespace hpe3d::core
