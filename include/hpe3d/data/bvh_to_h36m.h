#pragma once
// BVH motion capture -> world sequences of the 17 Human3.6M joints.
//
//   auto seq = hpe3d::data::load_bvh_sequence("/usr/share/assimp/models/BVH/01_01.bvh");
//   seq.subject = 1; seq.subaction = 0;   // the caller files the clip
//   // seq.joints: [T, 17, 3] float64, world mm, Z up, floor at z = 0
//
// Steps: forward kinematics in file units -> scale to mm -> Y-up to Z-up
// (x, y, z) -> (x, -z, y) (a proper rotation, det +1) -> floor at z = 0 (the
// lowest point of any BVH joint or End Site over the whole clip, i.e. the toes)
// -> mean root x, y over the clip at (0, 0), the centre of the H36M capture
// area -> the 17 H36M joints by name (table in bvh_to_h36m.cpp and
// docs/data.md) -> frame rate reduced by nearest source frame (no blending, so
// every output pose is a real captured pose with exact bone lengths).
#include <array>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/data/bvh.h"
#include "hpe3d/data/sequence.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {

// An H36M joint as a point on the segment from BVH joint `a` to BVH joint `b`:
// (1 - weight) * a + weight * b. weight 0 (and b empty) is joint `a` itself.
struct BvhJointSource {
  std::string a;
  std::string b;
  double weight = 0.0;
};

// How one family of BVH skeletons maps onto the 17 H36M joints.
struct BvhSkeletonMapping {
  std::string name;                 // "CMU", "Boxing"
  double mm_per_unit = 1.0;         // file units -> mm
  std::array<BvhJointSource, geometry::kNumJoints> joints;  // in geometry::joint_names() order
};

// The known skeletons, tried in order by detect_bvh_skeleton: "CMU" (cgspeed
// conversion of the CMU database: Hips, LeftUpLeg, Neck1, ...; 1 unit =
// 2.54 / 0.45 cm) and "Boxing" (Hips, Ab, Chest, LeftHip, LeftAnkle, ...; cm).
const std::vector<BvhSkeletonMapping>& bvh_skeleton_mappings();

// The first mapping whose joint names are all in the clip. Throws
// core::InputError naming the file and, for each known skeleton, the missing
// joint names.
const BvhSkeletonMapping& detect_bvh_skeleton(const BvhClip& clip);

// [..., 3] -> [..., 3]: BVH's Y-up axes to H36M's Z-up, (x, y, z) -> (x, -z, y).
torch::Tensor y_up_to_z_up(const torch::Tensor& points);

// [T, J, 3] BVH joint positions (forward_kinematics) -> [T, 17, 3] in the same
// units and axes, by the mapping's name table.
torch::Tensor select_h36m_joints(const BvhClip& clip, const torch::Tensor& bvh_positions,
                                 const BvhSkeletonMapping& mapping);

struct BvhToH36mOptions {
  double target_fps = 25.0;   // output frame rate; <= 0 or >= the file's rate keeps every frame
  double mm_per_unit = 0.0;   // > 0 overrides the detected skeleton's scale
};

// The whole conversion (see the top of this file). The result has action =
// clip.name ("01_01"), frames = the source frame index of each output row,
// subject = 0 and subaction = 0 (set by the caller).
WorldSequence bvh_to_world_sequence(const BvhClip& clip, const BvhToH36mOptions& options = {});

// parse_bvh + bvh_to_world_sequence.
WorldSequence load_bvh_sequence(const std::string& path, const BvhToH36mOptions& options = {});

}  // namespace hpe3d::data
