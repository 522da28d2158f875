#include "hpe3d/data/bvh_to_h36m.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/skeleton_map.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

std::string fmt(double v, const char* format = "%.2f") {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

int h36m(const char* name) { return geometry::joint_index(name); }

// The map of --skeleton, or the complete preset with the most evidence (ties:
// file name order). `maps` keeps the maps alive for the returned pointer.
ResolvedMap pick_map(const BvhClip& clip, const std::string& forced, std::vector<SkeletonMap>& maps,
                     std::string& why) {
  if (!forced.empty()) {
    const bool file = forced.find('/') != std::string::npos ||
                      (forced.size() > 5 && forced.compare(forced.size() - 5, 5, ".yaml") == 0);
    if (file) {
      maps = {load_skeleton_map(forced)};
    } else {
      std::string known;
      for (auto& m : skeleton_presets()) {
        known += (known.empty() ? "" : ", ") + m.name;
        if (m.name == forced) maps = {m};
      }
      if (maps.empty()) core::fail("--skeleton", "no preset '" + forced + "' (presets: " + known + ")");
    }
    ResolvedMap r = resolve_skeleton_map(maps[0], clip);
    if (!r.complete()) {
      std::string list;
      for (const auto& u : r.unplaced) list += (list.empty() ? "" : "; ") + u;
      core::fail(clip.path, "skeleton map '" + maps[0].name + "' cannot place " + list);
    }
    why = "forced by --skeleton";
    return r;
  }
  maps = skeleton_presets();
  std::vector<ResolvedMap> fits;
  const ResolvedMap* closest = nullptr;
  std::vector<ResolvedMap> all;
  all.reserve(maps.size());
  for (const auto& m : maps) all.push_back(resolve_skeleton_map(m, clip));
  for (const auto& r : all) {
    if (r.complete()) fits.push_back(r);
    if (!closest || r.unplaced.size() < closest->unplaced.size()) closest = &r;
  }
  if (fits.empty()) {
    std::string list;
    for (const auto& u : closest->unplaced) list += (list.empty() ? "" : "; ") + u;
    core::fail(clip.path, "fits no skeleton map of " + skeleton_presets_dir() + " (closest '" + closest->map->name +
                              "' cannot place " + list + "); write a map and pass --skeleton FILE.yaml");
  }
  std::stable_sort(fits.begin(), fits.end(), [](const auto& a, const auto& b) { return a.evidence > b.evidence; });
  why = "places all 17 joints, evidence " + std::to_string(fits[0].evidence) +
        " (BVH joints used + signature names found)";
  if (fits.size() > 1) {
    why += "; also fit:";
    for (size_t i = 1; i < fits.size(); ++i)
      why += " " + fits[i].map->name + " (" + std::to_string(fits[i].evidence) + ")";
  }
  return fits[0];
}

// The up axis from the median of head top - mid-ankles over frames.
char measure_up(const torch::Tensor& h36m_file, const std::string& where) {
  auto ankles = (h36m_file.select(1, h36m("LFoot")) + h36m_file.select(1, h36m("RFoot"))) / 2;
  auto v = std::get<0>((h36m_file.select(1, h36m("Head")) - ankles).median(0));  // [3]
  const double x = v[0].item<double>(), y = v[1].item<double>(), z = v[2].item<double>();
  const double norm = std::sqrt(x * x + y * y + z * z);
  const std::string measured = "median head top - ankles = (" + fmt(x) + ", " + fmt(y) + ", " + fmt(z) + ")";
  if (y > 0.8 * norm) return 'y';
  if (z > 0.8 * norm) return 'z';
  core::fail(where, "cannot tell the up axis (" + measured + " file units, neither +Y nor +Z); use --up y|z");
}

// The BVH joint farthest below `joint` (its toe tip), or -1 if none has length.
int farthest_descendant(const BvhClip& clip, const torch::Tensor& positions, int joint) {
  int best = -1;
  double best_d = 0.0;
  auto base = positions[0][joint];
  for (size_t j = 0; j < clip.joints.size(); ++j) {
    int a = clip.joints[j].parent;
    while (a >= 0 && a != joint) a = clip.joints[a].parent;
    if (a != joint) continue;
    const double d = (positions[0][static_cast<int64_t>(j)] - base).norm().item<double>();
    if (d > best_d) best_d = d, best = static_cast<int>(j);
  }
  return best;
}

// Left/right from the facing direction given by the toes (Z-up world, mm).
std::string check_sides(const BvhClip& clip, const ResolvedMap& map, const torch::Tensor& world,
                        const torch::Tensor& joints) {
  const auto& lfoot = map.joints[h36m("LFoot")];
  const auto& rfoot = map.joints[h36m("RFoot")];
  if (lfoot.chain || rfoot.chain || lfoot.joints.size() != 1 || rfoot.joints.size() != 1)
    return "left/right not checked (the ankles are not single BVH joints)";
  const int64_t T = world.size(0);
  auto frames = torch::linspace(0, T - 1, std::min<int64_t>(T, 200)).to(torch::kLong);
  auto w = world.index_select(0, frames);
  auto j = joints.index_select(0, frames);
  const int ltoe = farthest_descendant(clip, w, lfoot.joints[0]), rtoe = farthest_descendant(clip, w, rfoot.joints[0]);
  if (ltoe < 0 || rtoe < 0) return "left/right could not be told (no toe joints below the ankles)";
  auto forward = (w.select(1, ltoe) - w.select(1, lfoot.joints[0]) + w.select(1, rtoe) - w.select(1, rfoot.joints[0]))
                     .slice(1, 0, 2);                                              // [t, 2]
  auto left = torch::stack({-forward.select(1, 1), forward.select(1, 0)}, 1);      // up x forward
  left = left / left.norm(2, 1, true).clamp_min(1e-9);
  auto side = [&](const char* l, const char* r) {
    auto d = (j.select(1, h36m(l)) - j.select(1, h36m(r))).slice(1, 0, 2);
    return ((d * left).sum(1) / d.norm(2, 1).clamp_min(1e-9)).median().item<double>();
  };
  const double hips = side("LHip", "RHip"), shoulders = side("LShoulder", "RShoulder");
  const std::string measured = "hips " + fmt(hips, "%+.2f") + ", shoulders " + fmt(shoulders, "%+.2f");
  if (hips > 0.5 && shoulders > 0.5) return "left on the left (" + measured + ")";
  if (hips < -0.5 && shoulders < -0.5)
    core::fail(clip.path, "the joints named left are on the subject's right (" + measured +
                              ", cosine with the subject's left, facing from the toes): a mirrored file or "
                              "left-handed axes; refusing to write a mirrored subject");
  core::logger("data")->warn("{}: left/right could not be told ({})", clip.path, measured);
  return "left/right could not be told (" + measured + ")";
}

std::vector<int> output_frames(int64_t num_frames, double fps, double target_fps) {
  std::vector<int> frames;
  if (target_fps <= 0 || target_fps >= fps) {
    for (int64_t t = 0; t < num_frames; ++t) frames.push_back(static_cast<int>(t));
    return frames;
  }
  const double step = fps / target_fps;
  for (int64_t k = 0;; ++k) {
    const int64_t t = std::llround(k * step);
    if (t >= num_frames) break;
    frames.push_back(static_cast<int>(t));
  }
  return frames;
}

}  // namespace

torch::Tensor y_up_to_z_up(const torch::Tensor& points) {
  TORCH_CHECK(points.size(-1) == 3, "y_up_to_z_up: expected [..., 3], got ", points.sizes());
  auto xyz = points.unbind(-1);
  return torch::stack({xyz[0], -xyz[2], xyz[1]}, -1);
}

std::string BvhConversion::report() const {
  return "skeleton " + skeleton + " (" + skeleton_why + "); units " + unit.name + " (" + fmt(unit.mm, "%.3f") +
         " mm, " + (unit_measured ? "measured" : "--units") + "): " + lengths_mm.text(1.0, "mm") + "; " +
         std::string(1, static_cast<char>(std::toupper(up))) + " up (" + (up_measured ? "measured" : "--up") + "); " +
         sides;
}

BvhConversion convert_bvh(const BvhClip& clip, const BvhToH36mOptions& options) {
  const int64_t num_frames = clip.num_frames();
  if (num_frames < 1) core::fail(clip.path, "no motion frames");
  BvhConversion c;
  std::vector<SkeletonMap> maps;
  const ResolvedMap map = pick_map(clip, options.skeleton, maps, c.skeleton_why);
  c.skeleton = map.map->name;

  auto positions = forward_kinematics(clip);                // [T, J, 3] file units and axes
  auto joints = apply_skeleton_map(map, positions);         // [T, 17, 3]
  if (options.up.empty()) {
    c.up = measure_up(joints, clip.path);
  } else if (options.up == "y" || options.up == "z") {
    c.up = options.up[0];
    c.up_measured = false;
  } else {
    core::fail("--up", "expected y or z, got '" + options.up + "'");
  }
  const BodyLengths lengths = measure_body(joints);
  if (options.units.empty()) {
    c.unit = choose_length_unit(lengths, clip.path + " (skeleton " + c.skeleton + ")");
  } else {
    c.unit = length_unit(options.units, "--units");
    c.unit_measured = false;
  }
  auto to_world = [&](const torch::Tensor& p) { return c.up == 'y' ? y_up_to_z_up(p * c.unit.mm) : p * c.unit.mm; };
  auto world = to_world(positions);  // [T, J, 3] mm, Z up
  joints = to_world(joints);
  c.sides = check_sides(clip, map, world, joints);

  // Floor: the lowest any joint or End Site (toes, heels) gets over the clip;
  // centre: the mean Hip (x, y). A dummy root at the origin does not move them.
  const double floor = world.select(2, 2).min().item<double>();
  auto hip_xy = joints.select(1, 0).slice(1, 0, 2).mean(0);
  joints = joints - torch::cat({hip_xy, torch::full({1}, floor, torch::kFloat64)});

  c.sequence.action = clip.name;
  c.sequence.frames = output_frames(num_frames, clip.fps(), options.target_fps);
  auto idx = torch::tensor(std::vector<int64_t>(c.sequence.frames.begin(), c.sequence.frames.end()));
  c.sequence.joints = joints.index_select(0, idx).contiguous();
  check_human_lengths(c.sequence.joints, clip.path + " (skeleton " + c.skeleton + ", units " + c.unit.name + ")");
  c.lengths_mm = measure_body(c.sequence.joints);
  return c;
}

WorldSequence bvh_to_world_sequence(const BvhClip& clip, const BvhToH36mOptions& options) {
  return convert_bvh(clip, options).sequence;
}

WorldSequence load_bvh_sequence(const std::string& path, const BvhToH36mOptions& options) {
  return bvh_to_world_sequence(parse_bvh(path), options);
}

}  // namespace hpe3d::data
