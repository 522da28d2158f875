#include "hpe3d/geometry/skeleton.h"

#include <map>
#include <mutex>
#include <string>

namespace hpe3d::geometry {

const std::array<std::string, kNumJoints>& joint_names() {
  static const std::array<std::string, kNumJoints> names = {
      "Hip",   "RHip",      "RKnee",     "RFoot",  "LHip",   "LKnee",
      "LFoot", "Spine",     "Thorax",    "Neck/Nose", "Head", "LShoulder",
      "LElbow", "LWrist",   "RShoulder", "RElbow", "RWrist"};
  return names;
}

const std::array<int, kNumJoints>& joint_parents() {
  static const std::array<int, kNumJoints> parents = {-1, 0, 1, 2, 0, 4, 5, 0, 7,
                                                      8,  9, 8, 11, 12, 8, 14, 15};
  return parents;
}

const std::array<int, kNumJoints>& flip_permutation() {
  static const std::array<int, kNumJoints> perm = {0, 4, 5, 6, 1, 2, 3, 7, 8,
                                                   9, 10, 14, 15, 16, 11, 12, 13};
  return perm;
}

const std::vector<std::pair<int, int>>& bones() {
  static const std::vector<std::pair<int, int>> list = [] {
    std::vector<std::pair<int, int>> b;
    for (int j = 1; j < kNumJoints; ++j) b.emplace_back(joint_parents()[j], j);
    return b;
  }();
  return list;
}

int joint_index(const std::string& name) {
  for (int j = 0; j < kNumJoints; ++j)
    if (joint_names()[j] == name) return j;
  return -1;
}

torch::Tensor bone_lengths(const torch::Tensor& pose) {
  TORCH_CHECK(pose.dim() >= 2 && pose.size(-2) == kNumJoints,
              "bone_lengths: expected [..., 17, D], got ", pose.sizes());
  std::vector<int64_t> parent_idx, child_idx;
  for (const auto& [p, c] : bones()) {
    parent_idx.push_back(p);
    child_idx.push_back(c);
  }
  auto opts = torch::TensorOptions().dtype(torch::kLong).device(pose.device());
  auto parents = pose.index_select(-2, torch::tensor(parent_idx, opts));
  auto children = pose.index_select(-2, torch::tensor(child_idx, opts));
  return (children - parents).norm(2, -1);
}

namespace {

// The left/right permutation on `device`, made once per device: no
// host-to-device copy per call. Never freed (CUDA may be gone at exit).
const torch::Tensor& flip_index(torch::Device device) {
  static std::mutex mutex;
  static auto* cache = new std::map<std::string, torch::Tensor>();
  std::lock_guard<std::mutex> lock(mutex);
  auto& index = (*cache)[device.str()];
  if (!index.defined()) {
    std::vector<int64_t> perm(flip_permutation().begin(), flip_permutation().end());
    index = torch::tensor(perm, torch::kLong).to(device);
  }
  return index;
}

}  // namespace

torch::Tensor flip_pose(const torch::Tensor& pose, int64_t axis) {
  TORCH_CHECK(pose.dim() >= 2 && pose.size(-2) == kNumJoints,
              "flip_pose: expected [..., 17, D], got ", pose.sizes());
  TORCH_CHECK(axis >= 0 && axis < pose.size(-1), "flip_pose: axis ", axis, " out of range");
  auto out = pose.index_select(-2, flip_index(pose.device()));  // a new tensor: negated in place
  out.select(-1, axis).neg_();
  return out;
}

torch::Tensor root_centre(const torch::Tensor& pose) {
  TORCH_CHECK(pose.dim() == 3 && pose.size(1) == kNumJoints, "root_centre: expected [B, 17, D], got ", pose.sizes());
  return pose - pose.narrow(1, kRootJoint, 1);
}

torch::Tensor add_root(const torch::Tensor& pose16) {
  TORCH_CHECK(pose16.dim() == 3 && pose16.size(1) == kNumJoints - 1, "add_root: expected [B, 16, D], got ",
              pose16.sizes());
  return torch::cat({torch::zeros({pose16.size(0), 1, pose16.size(2)}, pose16.options()), pose16}, 1);
}

}  // namespace hpe3d::geometry
