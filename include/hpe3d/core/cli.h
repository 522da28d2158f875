#pragma once
// Command-line parsing for the tools with the project's exit-code contract:
// --help prints and exits 0, a usage error prints one line and exits 2.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace hpe3d::core {

// Returns the exit code if the tool should stop now (help or usage error):
// "<tool>: error: <what> (see --help)" on one line.
inline std::optional<int> parse_cli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    const std::string tool = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "tool";
    std::fprintf(stderr, "%s: error: %s (see --help)\n", tool.c_str(), e.what());
    return 2;
  }
  return std::nullopt;
}

// A check for counts and strides: "--stride: must be a positive integer, got 0".
inline CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          size_t used = 0;
          const long long v = std::stoll(value, &used);
          if (used == value.size() && v > 0) return "";
        } catch (const std::exception&) {
        }
        return "must be a positive integer, got " + value;
      },
      "POSITIVE");
}

}  // namespace hpe3d::core
