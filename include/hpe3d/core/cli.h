#pragma once
// Command-line parsing for the tools with the project's exit-code contract:
// --help prints and exits 0, a usage error prints one line and exits 2.
#include <optional>

#include <CLI/CLI.hpp>

namespace hpe3d::core {

// Returns the exit code if the tool should stop now (help or usage error).
inline std::optional<int> parse_cli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace hpe3d::core
