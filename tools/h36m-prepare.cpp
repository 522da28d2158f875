// h36m-prepare: builds hpe3d pose files (placeholder until the data layer lands).
#include <CLI/CLI.hpp>

#include "hpe3d/core/tool_main.h"

int main(int argc, char** argv) {
  CLI::App app{"h36m-prepare: build hpe3d pose files"};
  CLI11_PARSE(app, argc, argv);
  return hpe3d::core::run_tool("h36m-prepare", [] { return 0; });
}
