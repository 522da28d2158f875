#pragma once
// The 17-joint Human3.6M skeleton used everywhere in hpe3d (the joint subset
// of Martinez et al. 2017 and VideoPose3D). Joint 0 (Hip) is the root.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::geometry {

inline constexpr int kNumJoints = 17;
inline constexpr int kRootJoint = 0;

// "Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax",
// "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"
const std::array<std::string, kNumJoints>& joint_names();

// Parent of each joint; -1 for the root.
const std::array<int, kNumJoints>& joint_parents();

// Index of the mirrored joint (LHip <-> RHip, ...); centre joints map to themselves.
const std::array<int, kNumJoints>& flip_permutation();

// (parent, child) for the 16 bones, in child order.
const std::vector<std::pair<int, int>>& bones();

// Index of a joint by name; -1 if unknown.
int joint_index(const std::string& name);

// [..., 17, 3] -> [..., 16]: length of each bone, in the order of bones().
torch::Tensor bone_lengths(const torch::Tensor& pose);

// Mirror a pose: negate coordinate `axis` (0 = x, the image/camera horizontal)
// and swap left and right joints. [..., 17, D] -> [..., 17, D].
torch::Tensor flip_pose(const torch::Tensor& pose, int64_t axis = 0);

// [B, 17, D] -> [B, 17, D] with joint 0 moved to the origin.
torch::Tensor root_centre(const torch::Tensor& pose);

// [B, 16, D] (root dropped, root-relative) -> [B, 17, D] with a zero root.
torch::Tensor add_root(const torch::Tensor& pose16);

}  // namespace hpe3d::geometry
