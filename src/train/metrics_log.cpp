#include "hpe3d/train/metrics_log.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"

namespace hpe3d::train {

MetricsLog::MetricsLog(const std::string& path) : out_(path, std::ios::app) {
  if (!out_) core::fail(path, "cannot open metrics log for writing");
}

void MetricsLog::write(const std::string& kind, const std::map<std::string, double>& values,
                       const std::map<std::string, std::string>& labels) {
  nlohmann::json j;
  j["kind"] = kind;
  for (const auto& [k, v] : labels) j[k] = v;
  for (const auto& [k, v] : values) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  out_ << j.dump() << "\n";
  out_.flush();
}

}  // namespace hpe3d::train
