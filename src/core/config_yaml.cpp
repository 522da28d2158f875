#include "hpe3d/core/config_yaml.h"

#include <filesystem>

#include "hpe3d/core/logging.h"

namespace hpe3d::core {
namespace detail {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "nothing";
    default: return quote(node.Scalar());
  }
}

}  // namespace detail

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  // A FIFO or a device would block or never end; a directory reads as garbage.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail(path, "cannot open " + what + " (no such file)");
  if (!std::filesystem::is_regular_file(status))
    fail(path, what + " must be a regular file, not " +
                   (std::filesystem::is_directory(status) ? "a directory" : "a FIFO, socket or device"));
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    fail(path, "cannot open " + what);
  } catch (const YAML::Exception& e) {
    fail(path, "not valid YAML: " + one_line(e.what()));
  }
  if (!root || root.IsNull() || (root.IsMap() && root.size() == 0)) {
    logger("config")->warn("{}: empty {}: every key takes its default", path, what);
    return YAML::Node(YAML::NodeType::Map);
  }
  if (!root.IsMap()) fail(path, "expected a mapping of keys at the top level, got " + detail::describe(root));
  return root;
}

void apply_override(YAML::Node& root, const std::string& assignment, const std::string& what) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) fail(what, "expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    fail(what, "value is not valid YAML: " + one_line(e.what()));
  }
  // Walk with explicit node copies: yaml-cpp nodes are handles, so assigning
  // into a child updates the tree.
  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string k; std::getline(ss, k, '.');) {
    if (k.empty()) fail(what, "empty key in \"" + path + "\"");
    keys.push_back(k);
  }
  // yaml-cpp throws (not an InputError) on a key lookup in a scalar or a list.
  if (!root.IsMap()) fail(what, "the config's top level is " + detail::describe(root) + ", not a mapping of keys");
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = chain.back()[keys[i]];
    if (!next.IsDefined() || next.IsNull()) {
      chain.back()[keys[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[keys[i]];
    }
    if (!next.IsMap()) fail(what, keys[i] + " is not a section");
    chain.push_back(next);
  }
  chain.back()[keys.back()] = value;
}

}  // namespace hpe3d::core
