// Every experiment file shipped in configs/ loads under the strict rules.
#include <filesystem>

#include <gtest/gtest.h>

#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/experiment_config.h"

namespace hpe3d::core {
namespace {

namespace fs = std::filesystem;

TEST(ShippedConfigs, AllExperimentFilesLoadStrictly) {
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(HPE3D_SOURCE_DIR) + "/configs")) {
    if (e.path().extension() != ".yaml" || e.path().parent_path().filename() == "cameras") continue;
    SCOPED_TRACE(e.path().string());
    auto root = load_yaml_file(e.path().string());
    root.remove("sweep");
    EXPECT_NO_THROW(config_from_yaml<ExperimentConfig>(root, e.path().string()));
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

}  // namespace
}  // namespace hpe3d::core
