#pragma once
// RUN_DIR/metrics.jsonl: one JSON object per line, flushed per record, so a
// run that stops at any point leaves every finished record readable.
#include <fstream>
#include <map>
#include <string>

namespace hpe3d::train {

class MetricsLog {
 public:
  // Appends to `path` (a resumed run continues the same file).
  explicit MetricsLog(const std::string& path);

  // {"kind": kind, key: value...}; numbers are written with full precision,
  // non-finite numbers as null.
  void write(const std::string& kind, const std::map<std::string, double>& values,
             const std::map<std::string, std::string>& labels = {});

 private:
  std::ofstream out_;
};

}  // namespace hpe3d::train
