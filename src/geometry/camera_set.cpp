#include "hpe3d/geometry/camera_set.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include <yaml-cpp/yaml.h>

#include "hpe3d/core/error.h"

namespace hpe3d::geometry {
namespace {

template <size_t N>
std::array<double, N> read_array(const YAML::Node& node, const std::string& where) {
  if (!node || !node.IsSequence() || node.size() != N)
    core::fail(where, "expected a list of " + std::to_string(N) + " numbers");
  std::array<double, N> out{};
  for (size_t i = 0; i < N; ++i) {
    try {
      out[i] = node[i].as<double>();
    } catch (const YAML::Exception&) {
      core::fail(where, "element " + std::to_string(i) + " is not a number");
    }
  }
  return out;
}

int read_int(const YAML::Node& node, const std::string& where) {
  if (!node) core::fail(where, "missing");
  try {
    return node.as<int>();
  } catch (const YAML::Exception&) {
    core::fail(where, "expected an integer");
  }
}

template <size_t N>
YAML::Node write_array(const std::array<double, N>& a) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (double v : a) n.push_back(v);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

}  // namespace

CameraSet::CameraSet(std::vector<Camera> cameras) : cameras_(std::move(cameras)) {
  std::sort(cameras_.begin(), cameras_.end(), [](const Camera& a, const Camera& b) {
    return std::tie(a.subject, a.index) < std::tie(b.subject, b.index);
  });
}

CameraSet CameraSet::load_yaml(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    core::fail(path, "cannot open camera file");
  } catch (const YAML::Exception& e) {
    core::fail(path, std::string("not valid YAML: ") + e.what());
  }
  const YAML::Node list = root["cameras"];
  if (!list || !list.IsSequence()) core::fail(path, "cameras: expected a list of cameras");
  std::vector<Camera> cams;
  std::set<std::pair<int, int>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string where = path + ": cameras[" + std::to_string(i) + "]";
    Camera c;
    c.subject = read_int(n["subject"], where + ".subject");
    c.index = read_int(n["index"], where + ".index");
    c.name = n["name"] ? n["name"].as<std::string>() : std::to_string(c.index);
    c.R = read_array<9>(n["R"], where + ".R");
    c.T = read_array<3>(n["T"], where + ".T");
    c.f = read_array<2>(n["f"], where + ".f");
    c.c = read_array<2>(n["c"], where + ".c");
    c.k = read_array<3>(n["k"], where + ".k");
    c.p = read_array<2>(n["p"], where + ".p");
    c.width = read_int(n["width"], where + ".width");
    c.height = read_int(n["height"], where + ".height");
    if (!seen.insert({c.subject, c.index}).second)
      core::fail(where, "duplicate camera (subject " + std::to_string(c.subject) + ", index " +
                            std::to_string(c.index) + ")");
    cams.push_back(std::move(c));
  }
  CameraSet set(std::move(cams));
  set.source = path;
  return set;
}

void CameraSet::save_yaml(const std::string& path) const {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& c : cameras_) {
    YAML::Node n;
    n["subject"] = c.subject;
    n["index"] = c.index;
    n["name"] = c.name;
    n["R"] = write_array(c.R);
    n["T"] = write_array(c.T);
    n["f"] = write_array(c.f);
    n["c"] = write_array(c.c);
    n["k"] = write_array(c.k);
    n["p"] = write_array(c.p);
    n["width"] = c.width;
    n["height"] = c.height;
    list.push_back(n);
  }
  YAML::Node root;
  root["cameras"] = list;
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << root;
  std::ofstream f(path);
  if (!f) core::fail(path, "cannot write camera file");
  f << out.c_str() << "\n";
}

bool CameraSet::has(int subject, int index) const {
  return std::any_of(cameras_.begin(), cameras_.end(), [&](const Camera& c) {
    return c.subject == subject && c.index == index;
  });
}

const Camera& CameraSet::get(int subject, int index) const {
  for (const auto& c : cameras_)
    if (c.subject == subject && c.index == index) return c;
  core::fail(source.empty() ? "cameras" : source,
             "no camera " + std::to_string(index) + " for subject " + std::to_string(subject));
}

std::vector<int> CameraSet::subjects() const {
  std::set<int> s;
  for (const auto& c : cameras_) s.insert(c.subject);
  return {s.begin(), s.end()};
}

std::vector<int> CameraSet::indices(int subject) const {
  std::vector<int> out;
  for (const auto& c : cameras_)
    if (c.subject == subject) out.push_back(c.index);
  return out;
}

std::string default_h36m_cameras_path() {
  if (const char* env = std::getenv("HPE3D_CAMERAS")) return env;
  return std::string(HPE3D_SOURCE_DIR) + "/configs/cameras/h36m.yaml";
}

}  // namespace hpe3d::geometry
