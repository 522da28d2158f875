#include "hpe3d/data/skeleton_map.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/error.h"
#include "hpe3d/data/bvh.h"
#include "hpe3d/data/joint_names.h"

namespace fs = std::filesystem;

namespace hpe3d::data {
namespace {

std::string scalar(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) core::fail(where, "expected a joint name");
  return node.as<std::string>();
}

double number(const YAML::Node& node, const std::string& where) {
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    core::fail(where, "expected a number");
  }
}

std::vector<std::string> pair_of_names(const YAML::Node& node, const std::string& where) {
  if (!node.IsSequence() || node.size() != 2) core::fail(where, "expected [A, B], two joint names");
  return {scalar(node[0], where), scalar(node[1], where)};
}

JointRule parse_rule(const YAML::Node& node, const std::string& where) {
  JointRule r;
  if (node.IsScalar()) {
    r.names = {node.as<std::string>()};
    return r;
  }
  if (!node.IsMap()) core::fail(where, "expected a joint name, a list of rules or one of end_site/mix/along/extend");
  if (node["end_site"]) {
    r.kind = JointRule::Kind::kEndSite;
    r.names = {scalar(node["end_site"], where + ".end_site")};
  } else if (node["mix"]) {
    r.kind = JointRule::Kind::kMix;
    const YAML::Node mix = node["mix"];
    if (!mix.IsMap() || mix.size() < 1) core::fail(where + ".mix", "expected {joint: weight, ...}");
    double total = 0.0;
    for (const auto& kv : mix) {
      r.names.push_back(kv.first.as<std::string>());
      r.weights.push_back(number(kv.second, where + ".mix." + r.names.back()));
      total += r.weights.back();
    }
    if (std::abs(total - 1.0) > 1e-6) core::fail(where + ".mix", "weights must sum to 1, got " + std::to_string(total));
  } else if (node["along"]) {
    r.kind = JointRule::Kind::kAlong;
    r.names = pair_of_names(node["along"], where + ".along");
    if (!node["at"]) core::fail(where + ".at", "missing (fraction of the chain, 0..1)");
    r.amount = number(node["at"], where + ".at");
    if (!(r.amount >= 0.0 && r.amount <= 1.0)) core::fail(where + ".at", "must be in [0, 1]");
  } else if (node["extend"]) {
    r.kind = JointRule::Kind::kExtend;
    r.names = pair_of_names(node["extend"], where + ".extend");
    if (!node["by"]) core::fail(where + ".by", "missing (B + by * (B - A))");
    r.amount = number(node["by"], where + ".by");
  } else {
    core::fail(where, "expected one of end_site, mix, along, extend");
  }
  // Exactly the keys of its kind: {along: .., at: ..}, {extend: .., by: ..}, {end_site: ..}, {mix: ..}.
  const char* kind = node["end_site"] ? "end_site" : node["mix"] ? "mix" : node["along"] ? "along" : "extend";
  const char* companion = r.kind == JointRule::Kind::kAlong ? "at" : r.kind == JointRule::Kind::kExtend ? "by" : "";
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (key != kind && key != companion)
      core::fail(where + "." + key, std::string("unexpected key next to '") + kind +
                                    "' (one rule per entry; a list gives alternatives)");
  }
  return r;
}

struct Lookup {
  const BvhClip& clip;
  std::vector<std::string> names;
  std::string problem;  // why the last rule did not fit

  explicit Lookup(const BvhClip& c) : clip(c) {
    for (const auto& j : c.joints) names.push_back(j.name);
  }

  int find(const std::string& name) {
    const int i = find_joint_name(names, name);
    if (i == -1) problem = name;
    if (i == -2) problem = name + " (several joints match)";
    return i;
  }

  bool fit(const JointRule& rule, ResolvedJoint& out) {
    out = ResolvedJoint{};
    out.rule = rule.text();
    for (const auto& n : rule.names) {
      const int i = find(n);
      if (i < 0) return false;
      out.joints.push_back(i);
    }
    switch (rule.kind) {
      case JointRule::Kind::kJoint: out.weights = {1.0}; return true;
      case JointRule::Kind::kMix: out.weights = rule.weights; return true;
      case JointRule::Kind::kExtend: out.weights = {-rule.amount, 1.0 + rule.amount}; return true;
      case JointRule::Kind::kEndSite: {
        for (size_t j = 0; j < clip.joints.size(); ++j) {
          const auto& e = clip.joints[j];
          const double length = std::hypot(e.offset[0], e.offset[1], e.offset[2]);
          if (e.end_site && e.parent == out.joints[0] && length > 1e-9) {
            out.joints = {static_cast<int>(j)};
            out.weights = {1.0};
            return true;
          }
        }
        problem = "End Site of " + rule.names[0] + " (none, or zero length)";
        return false;
      }
      case JointRule::Kind::kAlong: {
        std::vector<int> chain = {out.joints[1]};
        while (chain.back() != out.joints[0] && clip.joints[chain.back()].parent >= 0)
          chain.push_back(clip.joints[chain.back()].parent);
        if (chain.back() != out.joints[0]) {
          problem = rule.names[1] + " (not below " + rule.names[0] + ")";
          return false;
        }
        std::reverse(chain.begin(), chain.end());
        out.joints = chain;
        out.chain = true;
        out.amount = rule.amount;
        return true;
      }
    }
    return false;
  }
};

}  // namespace

std::string JointRule::text() const {
  auto num = [](double v) { return fmt::format("{}", v); };  // shortest: 0.5, 2
  switch (kind) {
    case Kind::kJoint: return names[0];
    case Kind::kEndSite: return "End Site of " + names[0];
    case Kind::kAlong: return "along " + names[0] + ".." + names[1] + " at " + num(amount);
    case Kind::kExtend: return names[1] + " + " + num(amount) + " (" + names[1] + " - " + names[0] + ")";
    case Kind::kMix: {
      std::string s = "mix";
      for (size_t i = 0; i < names.size(); ++i) s += " " + num(weights[i]) + " " + names[i];
      return s;
    }
  }
  return "?";
}

SkeletonMap load_skeleton_map(const std::string& path) {
  const YAML::Node root = core::load_yaml_file(path, "skeleton map");
  if (!root.IsMap()) core::fail(path, "expected a mapping with name, joints");
  SkeletonMap map;
  map.path = path;
  map.name = fs::path(path).stem().string();
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key != "name" && key != "description" && key != "signature" && key != "joints")
      core::fail(path + ": " + key, "unknown key (expected name, description, signature, joints)");
  }
  if (root["name"]) map.name = root["name"].as<std::string>();
  if (root["description"]) map.description = root["description"].as<std::string>();
  if (root["signature"]) {
    if (!root["signature"].IsSequence()) core::fail(path + ": signature", "expected a list of joint names");
    for (const auto& n : root["signature"]) map.signature.push_back(scalar(n, path + ": signature"));
  }
  const YAML::Node joints = root["joints"];
  if (!joints || !joints.IsMap()) core::fail(path + ": joints", "expected a mapping H36M joint -> rule");
  for (const auto& kv : joints) {
    const auto key = kv.first.as<std::string>();
    if (geometry::joint_index(key) < 0) core::fail(path + ": joints." + key, "not a Human3.6M joint name");
  }
  for (int j = 0; j < geometry::kNumJoints; ++j) {
    const std::string& name = geometry::joint_names()[j];
    const std::string where = path + ": joints." + name;
    const YAML::Node rule = joints[name];
    if (!rule) core::fail(where, "missing (every one of the 17 Human3.6M joints needs a rule)");
    if (rule.IsSequence()) {
      if (rule.size() == 0) core::fail(where, "empty list of rules");
      for (size_t i = 0; i < rule.size(); ++i)
        map.joints[j].push_back(parse_rule(rule[i], where + "[" + std::to_string(i) + "]"));
    } else {
      map.joints[j].push_back(parse_rule(rule, where));
    }
  }
  return map;
}

std::string skeleton_presets_dir() {
  if (const char* env = std::getenv("HPE3D_SKELETONS")) return env;
  return std::string(HPE3D_SOURCE_DIR) + "/configs/skeletons";
}

std::vector<SkeletonMap> skeleton_presets() {
  const std::string dir = skeleton_presets_dir();
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  if (ec || files.empty()) core::fail(dir, "no skeleton maps (*.yaml) found; set HPE3D_SKELETONS or use --skeleton");
  std::sort(files.begin(), files.end());
  std::vector<SkeletonMap> maps;
  for (const auto& f : files) maps.push_back(load_skeleton_map(f));
  return maps;
}

ResolvedMap resolve_skeleton_map(const SkeletonMap& map, const BvhClip& clip) {
  ResolvedMap out;
  out.map = &map;
  Lookup lookup(clip);
  std::set<int> used;
  for (int j = 0; j < geometry::kNumJoints; ++j) {
    bool placed = false;
    std::string tried;
    for (const auto& rule : map.joints[j]) {
      if (lookup.fit(rule, out.joints[j])) {
        placed = true;
        break;
      }
      tried += (tried.empty() ? "" : " | ") + lookup.problem;
    }
    if (!placed) {
      out.unplaced.push_back(geometry::joint_names()[j] + " (" + tried + ")");
      continue;
    }
    used.insert(out.joints[j].joints.begin(), out.joints[j].joints.end());
  }
  out.evidence = static_cast<int>(used.size());
  for (const auto& n : map.signature)
    if (find_joint_name(lookup.names, n) >= 0) ++out.evidence;
  return out;
}

torch::Tensor apply_skeleton_map(const ResolvedMap& resolved, const torch::Tensor& bvh_positions) {
  TORCH_CHECK(resolved.complete(), "apply_skeleton_map: the map is not complete");
  TORCH_CHECK(bvh_positions.dim() == 3 && bvh_positions.size(2) == 3, "apply_skeleton_map: expected [T, J, 3], got ",
              bvh_positions.sizes());
  auto positions = bvh_positions.to(torch::kFloat64).contiguous();
  const int64_t T = positions.size(0);
  std::vector<torch::Tensor> joints;
  for (const auto& r : resolved.joints) {
    if (!r.chain) {
      auto p = torch::zeros({T, 3}, torch::kFloat64);
      for (size_t i = 0; i < r.joints.size(); ++i) p += positions.select(1, r.joints[i]) * r.weights[i];
      joints.push_back(p);
      continue;
    }
    // The point at fraction `amount` of the chain's length, frame by frame.
    auto idx = torch::tensor(std::vector<int64_t>(r.joints.begin(), r.joints.end()));
    auto chain = positions.index_select(1, idx);                          // [T, n, 3]
    auto seg = (chain.slice(1, 1) - chain.slice(1, 0, -1)).norm(2, -1);  // [T, n-1]
    auto p = torch::empty({T, 3}, torch::kFloat64);
    auto c = chain.accessor<double, 3>();
    auto s = seg.accessor<double, 2>();
    auto out = p.accessor<double, 2>();
    const int64_t n = chain.size(1);
    for (int64_t t = 0; t < T; ++t) {
      double total = 0.0;
      for (int64_t k = 0; k + 1 < n; ++k) total += s[t][k];
      double left = r.amount * total;
      int64_t k = 0;
      while (k + 1 < n - 1 && left > s[t][k]) left -= s[t][k++];
      const double w = (n == 1 || s[t][k] <= 0.0) ? 0.0 : std::min(1.0, left / s[t][k]);
      for (int a = 0; a < 3; ++a) out[t][a] = n == 1 ? c[t][0][a] : c[t][k][a] + w * (c[t][k + 1][a] - c[t][k][a]);
    }
    joints.push_back(p);
  }
  return torch::stack(joints, 1);
}

}  // namespace hpe3d::data
