#include "hpe3d/data/bvh_to_h36m.h"

#include <cmath>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::data {

// H36M joint  | CMU (cgspeed BVH)            | Boxing (Boxing_Toes.bvh)
// ------------+------------------------------+------------------------------
// Hip         | Hips                         | Hips
// RHip        | RightUpLeg                   | RightHip
// RKnee       | RightLeg                     | RightKnee
// RFoot       | RightFoot (ankle)            | RightAnkle
// LHip        | LeftUpLeg                    | LeftHip
// LKnee       | LeftLeg                      | LeftKnee
// LFoot       | LeftFoot (ankle)             | LeftAnkle
// Spine       | midpoint Hips - Neck1        | midpoint Hips - Neck
// Thorax      | Neck1 (base of the neck)     | Neck
// Neck/Nose   | Head (head joint, ~chin)     | Head
// Head        | Head_End (End Site, crown)   | Head_End
// LShoulder   | LeftArm                      | LeftShoulder
// LElbow      | LeftForeArm                  | LeftElbow
// LWrist      | LeftHand                     | LeftWrist
// RShoulder   | RightArm                     | RightShoulder
// RElbow      | RightForeArm                 | RightElbow
// RWrist      | RightHand                    | RightWrist
//
// Why: H36M's Thorax sits between the shoulders at the base of the neck: CMU's
// "Neck" joint coincides with Spine1 (68 mm below the shoulders), Neck1 is at
// the base of the neck, 30 mm above them. H36M's Spine is about halfway from
// Hip to Thorax (233 of 491 mm in S1); neither skeleton has a joint there (CMU Spine1
// sits at 70 %, Boxing's Ab at 15 % and Chest at 58 %), so it is the midpoint.
// Scale: CMU ASF lengths are inches / 0.45, so 1 unit = 2.54 / 0.45 cm =
// 56.444 mm (femur 7.158 units = 404 mm); Boxing_Toes is in cm (femur 42.2).
namespace {

BvhJointSource at(const std::string& name) { return {name, "", 0.0}; }
BvhJointSource midpoint(const std::string& a, const std::string& b) { return {a, b, 0.5}; }

}  // namespace

const std::vector<BvhSkeletonMapping>& bvh_skeleton_mappings() {
  static const std::vector<BvhSkeletonMapping> mappings = {
      {"CMU",
       25.4 / 0.45,
       {at("Hips"), at("RightUpLeg"), at("RightLeg"), at("RightFoot"), at("LeftUpLeg"), at("LeftLeg"),
        at("LeftFoot"), midpoint("Hips", "Neck1"), at("Neck1"), at("Head"), at("Head_End"), at("LeftArm"),
        at("LeftForeArm"), at("LeftHand"), at("RightArm"), at("RightForeArm"), at("RightHand")}},
      {"Boxing",
       10.0,
       {at("Hips"), at("RightHip"), at("RightKnee"), at("RightAnkle"), at("LeftHip"), at("LeftKnee"),
        at("LeftAnkle"), midpoint("Hips", "Neck"), at("Neck"), at("Head"), at("Head_End"), at("LeftShoulder"),
        at("LeftElbow"), at("LeftWrist"), at("RightShoulder"), at("RightElbow"), at("RightWrist")}},
  };
  return mappings;
}

namespace {

std::vector<std::string> missing_joints(const BvhClip& clip, const BvhSkeletonMapping& mapping) {
  std::vector<std::string> missing;
  auto check = [&](const std::string& name) {
    if (name.empty() || clip.joint_index(name) >= 0) return;
    for (const auto& m : missing)
      if (m == name) return;
    missing.push_back(name);
  };
  for (const auto& source : mapping.joints) {
    check(source.a);
    check(source.b);
  }
  return missing;
}

}  // namespace

const BvhSkeletonMapping& detect_bvh_skeleton(const BvhClip& clip) {
  std::string report;
  for (const auto& mapping : bvh_skeleton_mappings()) {
    auto missing = missing_joints(clip, mapping);
    if (missing.empty()) return mapping;
    report += (report.empty() ? "" : "; ") + mapping.name + " lacks";
    for (const auto& name : missing) report += " " + name;
  }
  core::fail(clip.path, "unknown BVH skeleton (" + report + ")");
}

torch::Tensor y_up_to_z_up(const torch::Tensor& points) {
  TORCH_CHECK(points.size(-1) == 3, "y_up_to_z_up: expected [..., 3], got ", points.sizes());
  auto xyz = points.unbind(-1);
  return torch::stack({xyz[0], -xyz[2], xyz[1]}, -1);
}

torch::Tensor select_h36m_joints(const BvhClip& clip, const torch::Tensor& bvh_positions,
                                 const BvhSkeletonMapping& mapping) {
  TORCH_CHECK(bvh_positions.dim() == 3 && bvh_positions.size(1) == static_cast<int64_t>(clip.joints.size()) &&
                  bvh_positions.size(2) == 3,
              "select_h36m_joints: expected [T, ", clip.joints.size(), ", 3], got ", bvh_positions.sizes());
  std::vector<torch::Tensor> joints;
  for (const auto& source : mapping.joints) {
    const int a = clip.joint_index(source.a);
    if (a < 0) core::fail(clip.path, "BVH joint '" + source.a + "' not found");
    auto pa = bvh_positions.select(1, a);
    if (source.weight == 0.0) {
      joints.push_back(pa);
      continue;
    }
    const int b = clip.joint_index(source.b);
    if (b < 0) core::fail(clip.path, "BVH joint '" + source.b + "' not found");
    joints.push_back(pa * (1.0 - source.weight) + bvh_positions.select(1, b) * source.weight);
  }
  return torch::stack(joints, 1);
}

WorldSequence bvh_to_world_sequence(const BvhClip& clip, const BvhToH36mOptions& options) {
  const BvhSkeletonMapping& mapping = detect_bvh_skeleton(clip);
  const double mm = options.mm_per_unit > 0 ? options.mm_per_unit : mapping.mm_per_unit;
  const int64_t num_frames = clip.num_frames();
  if (num_frames < 1) core::fail(clip.path, "no motion frames");

  auto world = y_up_to_z_up(forward_kinematics(clip) * mm);  // [T, J, 3] mm, Z up
  // Floor: the lowest any joint or End Site (toes, heels) gets over the clip.
  const double floor = world.select(2, 2).min().item<double>();
  auto root_xy = world.select(1, 0).slice(1, 0, 2).mean(0);  // [2]
  auto shift = torch::cat({root_xy, torch::full({1}, floor, torch::kFloat64)});
  auto h36m = select_h36m_joints(clip, world - shift, mapping);

  // Nearest source frame to each output time k / target_fps.
  const double fps = clip.fps();
  std::vector<int> frames;
  if (options.target_fps <= 0 || options.target_fps >= fps) {
    for (int64_t t = 0; t < num_frames; ++t) frames.push_back(static_cast<int>(t));
  } else {
    const double step = fps / options.target_fps;
    for (int64_t k = 0;; ++k) {
      const int64_t t = std::llround(k * step);
      if (t >= num_frames) break;
      frames.push_back(static_cast<int>(t));
    }
  }
  WorldSequence seq;
  seq.action = clip.name;
  seq.frames = frames;
  seq.joints = h36m.index_select(0, torch::tensor(std::vector<int64_t>(frames.begin(), frames.end()))).contiguous();
  core::logger("data")->debug("{}: {} skeleton, {:.3f} mm/unit, {} frames at {:.1f} fps -> {} at {:.1f} fps",
                              clip.path, mapping.name, mm, num_frames, fps, frames.size(),
                              frames.size() == static_cast<size_t>(num_frames) ? fps : options.target_fps);
  return seq;
}

WorldSequence load_bvh_sequence(const std::string& path, const BvhToH36mOptions& options) {
  return bvh_to_world_sequence(parse_bvh(path), options);
}

}  // namespace hpe3d::data
