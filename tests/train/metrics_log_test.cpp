#include "hpe3d/train/metrics_log.h"

#include <fstream>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace hpe3d::train {
namespace {

TEST(MetricsLog, OneJsonObjectPerLineAppended) {
  auto path = test::temp_dir("metrics_log") + "/metrics.jsonl";
  {
    MetricsLog log(path);
    log.write("step", {{"step", 10}, {"loss", 0.25}}, {{"pair", "pose2d->pose3d"}});
  }
  {
    MetricsLog log(path);  // a resumed run appends
    log.write("epoch", {{"epoch", 1}, {"val_mpjpe_mm", std::numeric_limits<double>::quiet_NaN()}});
  }
  std::ifstream f(path);
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(f, line)) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["kind"], "step");
  EXPECT_EQ(rows[0]["pair"], "pose2d->pose3d");
  EXPECT_DOUBLE_EQ(rows[0]["loss"].get<double>(), 0.25);
  EXPECT_TRUE(rows[1]["val_mpjpe_mm"].is_null());
}

}  // namespace
}  // namespace hpe3d::train
