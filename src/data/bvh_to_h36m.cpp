#include "hpe3d/data/bvh_to_h36m.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/skeleton_map.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

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
    why = "forced";
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
    const std::string advice = "; write a map (docs/data.md, Joint maps) and pass --skeleton FILE.yaml";
    if (closest->unplaced.size() == static_cast<size_t>(geometry::kNumJoints)) {
      std::string names;
      for (size_t j = 0; j < clip.joints.size() && j < 6; ++j) names += (j ? ", " : "") + clip.joints[j].name;
      core::fail(clip.path, "fits no skeleton map of " + skeleton_presets_dir() + ": no preset places any of the 17 "
                                "joints (the file's joints: " + names + ", ...)" + advice);
    }
    std::string list;
    for (const auto& u : closest->unplaced) list += (list.empty() ? "" : "; ") + u;
    core::fail(clip.path, "fits no skeleton map of " + skeleton_presets_dir() + " (closest '" + closest->map->name +
                              "' cannot place " + list + ")" + advice);
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

// 'y' or 'z' when head top - mid-ankles points along +Y or +Z (cosine > 0.8),
// else 0; `text` gets the vector.
char up_of(const torch::Tensor& head_minus_ankles, std::string& text) {
  const double x = head_minus_ankles[0].item<double>(), y = head_minus_ankles[1].item<double>(),
               z = head_minus_ankles[2].item<double>();
  const double norm = std::sqrt(x * x + y * y + z * z);
  text = fmt::format("({:.2f}, {:.2f}, {:.2f})", x, y, z);
  if (y > 0.8 * norm) return 'y';
  if (z > 0.8 * norm) return 'z';
  return 0;
}

torch::Tensor head_minus_ankles(const torch::Tensor& h36m_file) {  // [T, 17, 3] -> [3], median over frames
  auto ankles = (h36m_file.select(1, h36m("LFoot")) + h36m_file.select(1, h36m("RFoot"))) / 2;
  return std::get<0>((h36m_file.select(1, h36m("Head")) - ankles).median(0));
}

// The up axis of the frames (median crown - mid-ankles), cross-checked with
// the rest pose of the OFFSETs when that one is upright itself: a clip of a
// subject lying down throughout must not pass for a standing one in the
// other convention. Bandai's rest pose lies along X and does not vote.
char measure_up(const BvhClip& clip, const ResolvedMap& map, const torch::Tensor& h36m_file) {
  std::string frames_text, rest_text;
  const char frames = up_of(head_minus_ankles(h36m_file), frames_text);
  BvhClip rest = clip;  // OFFSETs only: no channels
  for (auto& j : rest.joints) j.channels.clear();
  rest.motion = torch::zeros({1, 0}, torch::kFloat64);
  const char rest_up = up_of(head_minus_ankles(apply_skeleton_map(map, forward_kinematics(rest))), rest_text);
  if (!frames)
    core::fail(clip.path, "cannot tell the up axis: the median head top - ankles over the frames is " + frames_text +
                              " file units, neither +Y nor +Z; use --up y|z");
  if (rest_up && rest_up != frames)
    core::fail(clip.path, std::string("cannot tell the up axis: the frames have the head above the ankles along +") +
                              static_cast<char>(std::toupper(frames)) + " " + frames_text +
                              ", the rest pose of the OFFSETs along +" + static_cast<char>(std::toupper(rest_up)) +
                              " " + rest_text + " (a subject lying down?); use --up y|z");
  return frames;
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

// Median cosine, over frames, of L - R with the subject's left = up x forward,
// in the body's own frame: up is crown - mid-ankles (so that a subject lying
// down is judged as well as one standing), forward ([t, 3]) is made
// perpendicular to it; frames where forward vanishes count 0.
double side_cosine(const torch::Tensor& joints, const torch::Tensor& forward, const char* l, const char* r) {
  auto up = joints.select(1, h36m("Head")) - (joints.select(1, h36m("LFoot")) + joints.select(1, h36m("RFoot"))) / 2;
  up = up / up.norm(2, 1, true).clamp_min(1e-9);
  auto f = forward - (forward * up).sum(1, true) * up;
  auto left = torch::cross(up, f, 1);
  left = left / left.norm(2, 1, true).clamp_min(1e-9);
  auto d = joints.select(1, h36m(l)) - joints.select(1, h36m(r));
  return ((d * left).sum(1) / d.norm(2, 1).clamp_min(1e-9)).median().item<double>();
}

std::string not_told(const BvhClip& clip, const std::string& why) {
  core::logger("data")->warn("{}: left/right could not be told ({})", clip.path, why);
  return "left/right could not be told (" + why + ")";
}

// Left/right (Z-up world, mm): the facing direction comes from the toes
// (ankle -> farthest joint below it) and, in frames with bent knees, from the
// knees (knee - mid hip-ankle points forward). Refused when the joints named
// left are on the subject's right by every cue; warned when the cues or the
// hips and shoulders disagree, or no cue exists.
std::string check_sides(const BvhClip& clip, const ResolvedMap& map, const torch::Tensor& world,
                        const torch::Tensor& joints) {
  const int64_t T = world.size(0);
  auto frames = torch::linspace(0, T - 1, std::min<int64_t>(T, 200)).to(torch::kLong);
  auto w = world.index_select(0, frames);
  auto j = joints.index_select(0, frames);
  struct Cue {
    std::string name;
    torch::Tensor forward;  // [t, 3]
    torch::Tensor joints;   // [t, 17, 3], the same frames
  };
  std::vector<Cue> cues;
  const auto& lfoot = map.joints[h36m("LFoot")];
  const auto& rfoot = map.joints[h36m("RFoot")];
  if (!lfoot.chain && !rfoot.chain && lfoot.joints.size() == 1 && rfoot.joints.size() == 1) {
    const int la = lfoot.joints[0], ra = rfoot.joints[0];
    const int lt = farthest_descendant(clip, w, la), rt = farthest_descendant(clip, w, ra);
    if (lt >= 0 && rt >= 0)
      cues.push_back({"toes", w.select(1, lt) - w.select(1, la) + w.select(1, rt) - w.select(1, ra), j});
  }
  auto knee_forward = [&](const char* hip, const char* knee, const char* ankle) {
    return j.select(1, h36m(knee)) - (j.select(1, h36m(hip)) + j.select(1, h36m(ankle))) / 2;
  };
  auto knees = knee_forward("LHip", "LKnee", "LFoot") + knee_forward("RHip", "RKnee", "RFoot");
  auto bent = knees.norm(2, 1) > 20.0;  // mm: straight legs say nothing
  if (bent.sum().item<int64_t>() >= 5) cues.push_back({"knees", knees.index({bent}), j.index({bent})});
  if (cues.empty()) return not_told(clip, "no toe joints below the ankles and no bent knees");

  std::string measured;
  int left_ok = 0, mirrored = 0;
  for (const auto& cue : cues) {
    const double hips = side_cosine(cue.joints, cue.forward, "LHip", "RHip");
    const double shoulders = side_cosine(cue.joints, cue.forward, "LShoulder", "RShoulder");
    measured += fmt::format("{}{}: hips {:+.2f}, shoulders {:+.2f}", measured.empty() ? "" : "; ", cue.name, hips,
                            shoulders);
    if ((hips > 0.5 && shoulders < -0.5) || (hips < -0.5 && shoulders > 0.5))
      core::fail(clip.path, "the hips and the shoulders named left are on opposite sides of the subject (" +
                                measured + "): a file with swapped arm or leg names");
    if (hips > 0.5 && shoulders > 0.5) ++left_ok;
    if (hips < -0.5 && shoulders < -0.5) ++mirrored;
  }
  if (mirrored > 0 && left_ok == 0)
    core::fail(clip.path, "the joints named left are on the subject's right (" + measured +
                              "; cosines with the subject's left, facing from the toes or knees): a mirrored file or "
                              "left-handed axes; refusing to write a mirrored subject");
  if (left_ok > 0 && mirrored == 0) return "left on the left (" + measured + ")";
  return not_told(clip, measured);
}

std::vector<int> output_frames(int64_t num_frames, double fps, double target_fps) {
  std::vector<int> frames;
  if (target_fps <= 0 || target_fps >= fps) {
    for (int64_t t = 0; t < num_frames; ++t) frames.push_back(static_cast<int>(t));
    return frames;
  }
  const double step = fps / target_fps;  // > 1; in double, so that no step overflows an integer
  for (int64_t k = 0;; ++k) {
    const double t = std::round(static_cast<double>(k) * step);
    if (t >= static_cast<double>(num_frames)) break;
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
  return "skeleton " + skeleton + " (" + skeleton_why + "); units " + unit.name + " (" + fmt::format("{:.3f}", unit.mm) +
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
    c.up = measure_up(clip, map, joints);
  } else if (options.up == "y" || options.up == "z") {
    c.up = options.up[0];
    c.up_measured = false;
    std::string text;
    const char frames = up_of(head_minus_ankles(joints), text);
    if (frames && frames != c.up)
      core::logger("data")->warn("{}: --up {} although the head is above the ankles along +{} {}", clip.path, c.up,
                                 static_cast<char>(std::toupper(frames)), text);
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

  // Every source frame (so that a refusal names the BVH frame), then the rate.
  check_human_lengths(joints, clip.path + " (skeleton " + c.skeleton + ", units " + c.unit.name + ")");
  c.sequence.action = clip.name;
  c.sequence.frames = output_frames(num_frames, clip.fps(), options.target_fps);
  auto idx = torch::tensor(std::vector<int64_t>(c.sequence.frames.begin(), c.sequence.frames.end()));
  c.sequence.joints = joints.index_select(0, idx).contiguous();
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
