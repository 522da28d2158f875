#pragma once
// Joint maps: which BVH joints give each of the 17 Human3.6M joints. Maps are
// data, one YAML file per skeleton convention (configs/skeletons/<name>.yaml):
//
//   name: mixamo
//   description: Mixamo rig (mixamorig: prefix), cm
//   signature: [HeadTop_End]         # names only this convention has (tie-break)
//   joints:
//     Hip: Hips                              # a joint (names match tolerantly)
//     Spine: {along: [Hips, Neck], at: 0.5}  # along the joint chain, by arc length
//     Head: [HeadTop_End, {end_site: Head}, {extend: [Neck, Head], by: 1.0}]
//     ...                                    # a list: the first rule that fits
//
// Rules: `Name` (a joint), `{end_site: Name}` (its End Site, if it has length),
// `{mix: {A: 0.5, B: 0.5}}` (weights summing to 1), `{along: [A, B], at: f}`
// (the point at fraction f of the chain A -> ... -> B, B a descendant of A,
// measured per frame), `{extend: [A, B], by: k}` (B + k (B - A)). Names match
// by data::find_joint_name (prefixes, Left/L/_L styles, case; never left for
// right).
#include <array>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {

struct BvhClip;

// One way to place an H36M joint.
struct JointRule {
  enum class Kind { kJoint, kEndSite, kMix, kAlong, kExtend };
  Kind kind = Kind::kJoint;
  std::vector<std::string> names;  // kJoint/kEndSite: 1; kMix: n; kAlong/kExtend: [A, B]
  std::vector<double> weights;     // kMix only
  double amount = 0.0;             // kAlong: fraction; kExtend: factor
  std::string text() const;        // "Neck1", "along Hips..Neck1 at 0.5", ...
};

struct SkeletonMap {
  std::string name;  // file stem: "cmu"
  std::string path;  // the YAML file (error messages)
  std::string description;
  std::vector<std::string> signature;
  std::array<std::vector<JointRule>, geometry::kNumJoints> joints;  // alternatives, in order
};

// Reads a map; throws core::InputError naming the file and key.
SkeletonMap load_skeleton_map(const std::string& path);

// Every configs/skeletons/*.yaml (or $HPE3D_SKELETONS), sorted by file name.
std::vector<SkeletonMap> skeleton_presets();
std::string skeleton_presets_dir();

// A map resolved against one clip: each H36M joint as a weighted sum of BVH
// joint positions, or as a point along a chain of BVH joints.
struct ResolvedJoint {
  std::vector<int> joints;     // BVH joint indices
  std::vector<double> weights;  // linear: sum_i w_i p[joints[i]]
  bool chain = false;          // along: joints is the chain A..B, amount the fraction
  double amount = 0.0;
  std::string rule;            // the rule that fitted, for reports
};

struct ResolvedMap {
  const SkeletonMap* map = nullptr;
  std::array<ResolvedJoint, geometry::kNumJoints> joints;
  std::vector<std::string> unplaced;  // "LHip (LeftUpLeg)" for each joint no rule fits; empty if complete
  int evidence = 0;                   // distinct BVH joints used + signature names found (ranking)
  bool complete() const { return unplaced.empty(); }
};

ResolvedMap resolve_skeleton_map(const SkeletonMap& map, const BvhClip& clip);

// [T, J, 3] BVH joint positions -> [T, 17, 3] by a complete resolved map.
torch::Tensor apply_skeleton_map(const ResolvedMap& resolved, const torch::Tensor& bvh_positions);

}  // namespace hpe3d::data
