// The one-way dependency rule of DESIGN.md 2, checked on the sources:
//   core <- geometry <- data <- models <- eval <- train
// An area's headers and sources include only its own area and those below
// it. (The per-area libraries of src/CMakeLists.txt make most violations a
// link error too; this also catches header-only ones.)
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const std::map<std::string, int> kLevel{{"core", 0},   {"geometry", 1}, {"data", 2},
                                        {"models", 3}, {"eval", 4},     {"train", 5}};

TEST(Layering, AreasIncludeOnlyThemselvesAndTheAreasBelow) {
  const std::regex include_re(R"re(#include\s+"hpe3d/(\w+)/)re");
  int files = 0;
  for (const char* root : {"src", "include/hpe3d"}) {
    for (const auto& [area, level] : kLevel) {
      const fs::path dir = fs::path(HPE3D_SOURCE_DIR) / root / area;
      ASSERT_TRUE(fs::is_directory(dir)) << dir;
      for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        ++files;
        std::ifstream in(entry.path());
        int line_number = 0;
        for (std::string line; std::getline(in, line);) {
          ++line_number;
          std::smatch m;
          if (!std::regex_search(line, m, include_re)) continue;
          const auto it = kLevel.find(m[1].str());
          ASSERT_NE(it, kLevel.end()) << entry.path() << ":" << line_number << " includes an unknown area";
          EXPECT_LE(it->second, level) << entry.path() << ":" << line_number << " (" << area << ") includes "
                                       << m[1].str() << ", which is above it: " << line;
        }
      }
    }
  }
  EXPECT_GT(files, 50);
}

}  // namespace
