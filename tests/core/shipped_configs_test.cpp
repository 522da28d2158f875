// Every experiment file shipped in configs/ loads under the strict rules (the
// camera and skeleton files are data with their own readers and tests).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/experiment_config.h"

namespace hpe3d::core {
namespace {

namespace fs = std::filesystem;

TEST(ShippedConfigs, AllExperimentFilesLoadStrictly) {
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(HPE3D_SOURCE_DIR) + "/configs")) {
    const auto folder = e.path().parent_path().filename();
    if (e.path().extension() != ".yaml" || folder == "cameras" || folder == "skeletons") continue;  // data, not experiments
    SCOPED_TRACE(e.path().string());
    auto root = load_yaml_file(e.path().string());
    root.remove("sweep");
    EXPECT_NO_THROW(config_from_yaml<ExperimentConfig>(root, e.path().string()));
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

// docs/configuration.md lists exactly the declared keys and defaults.
TEST(ShippedConfigs, ReferenceDocumentIsCurrent) {
  std::ifstream f(std::string(HPE3D_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream text;
  text << f.rdbuf();
  ExperimentConfig defaults;
  DocWriter doc;
  visit_config(doc, defaults);
  ASSERT_GT(doc.rows().size(), 30u);
  for (const auto& row : doc.rows())
    EXPECT_NE(text.str().find(row), std::string::npos)
        << "docs/configuration.md lacks (run h36m-train --print-config-reference): " << row;
}

}  // namespace
}  // namespace hpe3d::core
