// libFuzzer harness: the strict YAML experiment reader with overrides. The
// input is a YAML document, optionally followed by a line "#--set" and one
// key.path=value override per line. Every outcome is a config or a one-line
// core::InputError; a loaded config holds only finite numbers.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/error.h"
#include "one_line.h"
#include "hpe3d/core/experiment_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  const auto mark = text.find("\n#--set\n");
  if (mark != std::string::npos) {
    std::istringstream lines(text.substr(mark + 8));
    for (std::string line; std::getline(lines, line) && overrides.size() < 8;) overrides.push_back(line);
    text.resize(mark);
  }
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception&) {
      return 0;  // not YAML: load_yaml_file's one-line error, tested in the unit tests
    }
    auto config = hpe3d::core::config_from_yaml<hpe3d::core::ExperimentConfig>(root, "fuzz.yaml", overrides);
    if (!std::isfinite(config.train.optimizer.lr) || !std::isfinite(config.train.grad_clip) ||
        !std::isfinite(config.train.beta.max))
      std::abort();
    (void)hpe3d::core::to_yaml(config);
  } catch (const hpe3d::core::InputError& e) {
    hpe3d::fuzz::require_one_line(e.what());
  }
  return 0;
}
