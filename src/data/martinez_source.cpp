#include "hpe3d/data/martinez_source.h"

#include <algorithm>
#include <filesystem>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/data/h36m_actions.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"

namespace fs = std::filesystem;

namespace hpe3d::data {
namespace {

// Human3.6M's cameras in the order of every subject's list (camera1..camera4).
const char* const kH36mCameraIds[4] = {"54138969", "55011271", "58860488", "60457274"};

// Image sizes are not in cameras.h5; Human3.6M's are fixed per camera.
std::pair<int, int> image_size(const std::string& name) {
  if (name == "54138969" || name == "60457274") return {1000, 1002};
  return {1000, 1000};
}

// The camera's id: its `Name` (any string or character-code layout) when that
// is one of the 4 Human3.6M ids, else the id at its position in the list.
// The name only picks the frame size, so a `Name` that cannot be read as text
// (float codes, say) is not a reason to refuse the calibrations.
std::string camera_name(const H5File& f, const std::string& group, int position) {
  const std::string fallback = kH36mCameraIds[position - 1];
  if (!f.exists(group + "/Name")) return fallback;
  std::string name;
  try {
    const auto parts = f.read_strings(group + "/Name");
    const bool characters = std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.size() <= 1; });
    for (const auto& p : parts) {  // one string, or an array of one character per element
      if (!characters) {
        name = p;
        break;
      }
      name += p;
    }
  } catch (const core::InputError& e) {
    name = std::string("unreadable: ") + e.what();
  }
  name.erase(name.find_last_not_of(" \t") + 1);
  for (const char* id : kH36mCameraIds)
    if (name == id) return name;
  core::logger("data")->warn("{}: {}/Name '{}' is not a Human3.6M camera id; camera{} is {} by its position",
                             f.path(), group, name, position, fallback);
  return fallback;
}

template <size_t N>
std::array<double, N> read_values(const H5File& f, const std::string& dataset) {
  auto t = f.read(dataset, torch::kFloat64).contiguous();
  if (t.numel() != static_cast<int64_t>(N))
    core::fail(f.path() + ": " + dataset,
               "expected " + std::to_string(N) + " values, got " + std::to_string(t.numel()));
  std::array<double, N> out{};
  std::copy(t.data_ptr<double>(), t.data_ptr<double>() + N, out.begin());
  return out;
}

}  // namespace

const std::vector<int64_t>& martinez_joint_indices() {
  static const std::vector<int64_t> idx = {0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27};
  return idx;
}

geometry::CameraSet read_martinez_cameras(const std::string& path, const std::vector<int>& subjects) {
  H5File f(path, H5File::Mode::kRead);
  std::vector<geometry::Camera> cams;
  for (int s : subjects) {
    const std::string group = "/subject" + std::to_string(s);
    if (!f.exists(group)) core::fail(path + ": " + group, "unknown subject " + std::to_string(s));
    for (int m = 1; m <= 4; ++m) {
      const std::string g = group + "/camera" + std::to_string(m);
      if (!f.exists(g)) core::fail(path + ": " + g, "camera is missing");
      geometry::Camera c;
      c.subject = s;
      c.index = m;
      auto r = read_values<9>(f, g + "/R");
      // Stored transposed: R_world_to_camera[i][j] = stored[j][i].
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) c.R[i * 3 + j] = r[j * 3 + i];
      c.T = read_values<3>(f, g + "/T");
      c.f = read_values<2>(f, g + "/f");
      c.c = read_values<2>(f, g + "/c");
      c.k = read_values<3>(f, g + "/k");
      c.p = read_values<2>(f, g + "/p");
      c.name = camera_name(f, g, m);
      std::tie(c.width, c.height) = image_size(c.name);
      cams.push_back(c);
    }
  }
  geometry::CameraSet set(std::move(cams));
  set.source = path;
  return set;
}

PrepareSummary prepare_martinez(const MartinezOptions& options, const std::string& out) {
  auto log = core::logger("data");
  if (options.stride < 1) core::fail("--stride", "must be >= 1");
  if (!fs::is_directory(options.root)) core::fail(options.root, "no such folder");
  auto cameras = read_martinez_cameras(options.cameras, options.subjects);
  PoseFileWriter writer(out, "martinez:" + options.root, h36m_action_names(), cameras);
  PrepareSummary summary;
  for (int s : options.subjects) {
    fs::path dir = fs::path(options.root) / ("S" + std::to_string(s)) / "MyPoses" / "3D_positions";
    if (!fs::is_directory(dir)) core::fail(dir.string(), "no such folder (subject " + std::to_string(s) + ")");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".h5") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto name = parse_h36m_sequence_name(file.stem().string());
      if (!name) {
        summary.skipped.push_back(file.string());
        continue;
      }
      H5File f(file.string(), H5File::Mode::kRead);
      auto shape = f.shape("/3D_positions");
      if (shape.size() != 2 || shape[0] != 96)
        core::fail(file.string() + ": /3D_positions", "expected shape (96, T)");
      auto raw = f.read("/3D_positions", torch::kFloat64);  // [96, T]
      if (!torch::isfinite(raw).all().item<bool>())
        core::fail(file.string() + ": /3D_positions", "holds NaN or Inf values");
      auto all = raw.t().reshape({-1, 32, 3});
      auto idx = torch::tensor(martinez_joint_indices(), torch::kLong);
      WorldSequence seq;
      seq.subject = s;
      seq.action = name->action;
      seq.subaction = name->subaction;
      seq.joints = all.index_select(1, idx).slice(0, 0, all.size(0), options.stride).contiguous();
      for (int64_t i = 0; i < all.size(0); i += options.stride) seq.frames.push_back(static_cast<int>(i));
      summary.rows += append_camera_views(writer, seq, h36m_action_index(name->action), cameras);
      ++summary.sequences;
    }
  }
  for (const auto& f : summary.skipped) log->warn("skipped {} (not a Human3.6M action)", f);
  writer.finish();
  log->info("wrote {}: {} sequences, {} camera views", out, summary.sequences, summary.rows);
  return summary;
}

}  // namespace hpe3d::data
