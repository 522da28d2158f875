#include "hpe3d/core/config_yaml.h"

namespace hpe3d::core {
namespace detail {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "nothing";
    default: return "\"" + node.Scalar() + "\"";
  }
}

}  // namespace detail

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    return root ? root : YAML::Node(YAML::NodeType::Map);
  } catch (const YAML::BadFile&) {
    fail(path, "cannot open " + what);
  } catch (const YAML::Exception& e) {
    fail(path, std::string("not valid YAML: ") + e.what());
  }
}

void apply_override(YAML::Node& root, const std::string& assignment, const std::string& what) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) fail(what, "expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    fail(what, std::string("value is not valid YAML: ") + e.what());
  }
  // Walk with explicit node copies: yaml-cpp nodes are handles, so assigning
  // into a child updates the tree.
  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string k; std::getline(ss, k, '.');) {
    if (k.empty()) fail(what, "empty key in \"" + path + "\"");
    keys.push_back(k);
  }
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
