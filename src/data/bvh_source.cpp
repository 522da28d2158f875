#include "hpe3d/data/bvh_source.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/geometry/camera_set.h"

namespace fs = std::filesystem;

namespace hpe3d::data {
namespace {

// "walk*.bvh" against a file name, ignoring case (Walk2.BVH matches): '*' any
// run, '?' one character.
bool glob_match(const char* pattern, const char* name) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  if (*pattern == '\0') return *name == '\0';
  if (*pattern == '*') return glob_match(pattern + 1, name) || (*name != '\0' && glob_match(pattern, name + 1));
  if (*name == '\0') return false;
  return (*pattern == '?' || lower(*pattern) == lower(*name)) && glob_match(pattern + 1, name + 1);
}

std::string text(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) core::fail(where, "expected a string");
  return node.as<std::string>();
}

// skeleton/units/up of a manifest or one of its clips; a map file is relative
// to the manifest's folder, as the clips are.
void read_convert_keys(const YAML::Node& node, const std::string& where, const fs::path& base, BvhToH36mOptions& o) {
  if (node["skeleton"]) {
    o.skeleton = text(node["skeleton"], where + ".skeleton");
    if (o.skeleton.find('/') != std::string::npos || fs::path(o.skeleton).extension() == ".yaml")
      o.skeleton = (base / o.skeleton).string();
  }
  if (node["units"]) o.units = length_unit(text(node["units"], where + ".units"), where + ".units").name;
  if (node["up"]) {
    o.up = text(node["up"], where + ".up");
    if (o.up != "y" && o.up != "z") core::fail(where + ".up", "expected y or z, got '" + o.up + "'");
  }
}

}  // namespace

std::vector<BvhClipSpec> read_bvh_manifest(const std::string& path, const BvhToH36mOptions& defaults) {
  const YAML::Node root = core::load_yaml_file(path, "manifest");
  if (!root.IsMap() || !root["clips"] || !root["clips"].IsSequence())
    core::fail(path + ": clips", "expected a list of {file|folder, subject, action}");
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key != "clips" && key != "skeleton" && key != "units" && key != "up")
      core::fail(path + ": " + key, "unknown key (expected clips, skeleton, units, up)");
  }
  const fs::path base = fs::path(path).parent_path();
  BvhToH36mOptions common = defaults;
  read_convert_keys(root, path, base, common);
  std::vector<BvhClipSpec> clips;
  const YAML::Node list = root["clips"];
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string where = path + ": clips[" + std::to_string(i) + "]";
    if (!n.IsMap()) core::fail(where, "expected {file|folder, subject, action}");
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      if (key != "file" && key != "folder" && key != "pattern" && key != "subject" && key != "action" &&
          key != "skeleton" && key != "units" && key != "up")
        core::fail(where + "." + key, "unknown key (expected file or folder, pattern, subject, action, skeleton, units, up)");
    }
    BvhClipSpec spec;
    if (!n["subject"]) core::fail(where + ".subject", "missing");
    try {
      spec.subject = n["subject"].as<int>();
    } catch (const YAML::Exception&) {
      core::fail(where + ".subject", "expected an integer subject id");
    }
    if (n["action"]) spec.action = text(n["action"], where + ".action");
    spec.convert = common;
    read_convert_keys(n, where, base, spec.convert);
    if (n["file"].IsDefined() == n["folder"].IsDefined()) core::fail(where, "expected exactly one of file, folder");
    if (n["file"]) {
      spec.path = (base / text(n["file"], where + ".file")).string();
      clips.push_back(spec);
      continue;
    }
    const fs::path folder = base / text(n["folder"], where + ".folder");
    const std::string pattern = n["pattern"] ? text(n["pattern"], where + ".pattern") : "*.bvh";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec))
      if (e.is_regular_file() && glob_match(pattern.c_str(), e.path().filename().string().c_str()))
        files.push_back(e.path().string());
    if (ec) core::fail(where + ".folder", "cannot read folder " + folder.string());
    if (files.empty()) core::fail(where, "no file matches " + (folder / pattern).string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      spec.path = f;
      clips.push_back(spec);
    }
  }
  if (clips.empty()) core::fail(path + ": clips", "empty list");
  // The same take twice would be trained on twice, as two subactions.
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < clips.size(); ++i) {
    std::error_code ec;
    const auto key = fs::weakly_canonical(clips[i].path, ec).string();
    const auto [it, fresh] = seen.emplace(ec ? clips[i].path : key, i);
    if (!fresh)
      core::fail(path, clips[i].path + " is listed twice (clip " + std::to_string(it->second + 1) + " and " +
                           std::to_string(i + 1) + ")");
  }
  return clips;
}

int64_t prepare_bvh(const BvhSourceOptions& options, const std::string& out) {
  if (!(options.fps > 0)) core::fail("--fps", "must be > 0");
  std::vector<BvhClipSpec> clips;
  if (!options.manifest.empty()) {
    if (!options.inputs.empty()) core::fail("--manifest", "give either --manifest or --input, not both");
    clips = read_bvh_manifest(options.manifest, options.convert);
  } else {
    if (options.inputs.empty()) core::fail("--input", "at least one .bvh file (or --manifest) is needed");
    if (options.subjects.size() != options.inputs.size())
      core::fail("--subjects", "expected one subject per input file (" + std::to_string(options.inputs.size()) +
                                   " files, " + std::to_string(options.subjects.size()) + " subjects)");
    for (size_t i = 0; i < options.inputs.size(); ++i)
      clips.push_back({options.inputs[i], options.subjects[i], "", options.convert});
  }
  const std::string camera_path = options.cameras.empty() ? geometry::default_h36m_cameras_path() : options.cameras;
  auto cameras = geometry::CameraSet::load_yaml(camera_path);
  for (const auto& c : clips)
    if (cameras.indices(c.subject).empty())
      core::fail(camera_path, "no camera for subject " + std::to_string(c.subject) + " (" + c.path + ")");

  // Convert everything first: a bad file fails before any output is written.
  auto log = core::logger("data");
  std::vector<WorldSequence> sequences;
  std::vector<std::string> actions;
  std::map<std::pair<int, std::string>, int> takes;  // (subject, action) -> clips so far
  for (size_t i = 0; i < clips.size(); ++i) {
    BvhToH36mOptions convert = clips[i].convert;
    convert.target_fps = options.fps;
    const BvhClip clip = parse_bvh(clips[i].path);
    BvhConversion c = convert_bvh(clip, convert);
    c.sequence.subject = clips[i].subject;
    if (!clips[i].action.empty()) c.sequence.action = clips[i].action;
    c.sequence.subaction = takes[{c.sequence.subject, c.sequence.action}]++;
    if (std::find(actions.begin(), actions.end(), c.sequence.action) == actions.end())
      actions.push_back(c.sequence.action);
    log->info("[{}/{}] {} -> S{} {}: {} frames at {} fps; {}", i + 1, clips.size(), clips[i].path,
              c.sequence.subject, c.sequence.action, c.sequence.joints.size(0), options.fps, c.report());
    sequences.push_back(std::move(c.sequence));
  }
  PoseFileWriter writer(out, "bvh", actions, cameras);
  int64_t rows = 0;
  for (const auto& seq : sequences) {
    const int action = static_cast<int>(std::find(actions.begin(), actions.end(), seq.action) - actions.begin());
    rows += append_camera_views(writer, seq, action, cameras);
  }
  writer.finish();
  log->info("wrote {}: {} clips, {} camera views", out, sequences.size(), rows);
  return rows;
}

BvhSourceOptions cmu_default_options(const std::string& bvh_dir) {
  BvhSourceOptions o;
  o.inputs = {bvh_dir + "/01_01.bvh", bvh_dir + "/Boxing_Toes.bvh", bvh_dir + "/01_03.bvh"};
  o.subjects = {1, 5, 9};
  return o;
}

}  // namespace hpe3d::data
