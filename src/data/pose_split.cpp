#include "hpe3d/data/pose_split.h"

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {

void check_split_shapes(const core::ModelConfig& model, const std::string& source) {
  if ((model.joints_2d == kSplitJoints2d || model.joints_2d == kSplitJoints2d - 1) &&
      model.joints_3d == kSplitJoints3d)
    return;
  const std::string what = "the pose pipeline feeds 17 2D joints (or 16 without Neck/Nose) and predicts 16 "
                           "root-relative 3D joints (model.joints_2d: 17 or 16, model.joints_3d: 16), got " +
                           std::to_string(model.joints_2d) + " and " + std::to_string(model.joints_3d);
  core::fail(source.empty() ? "model" : source + ": model", what);
}

torch::Tensor select_joints_2d(const torch::Tensor& pose2d, int64_t joints_2d) {
  TORCH_CHECK(pose2d.dim() == 2 && pose2d.size(1) == kSplitJoints2d * 2, "select_joints_2d: expected [B, ",
              kSplitJoints2d * 2, "], got ", pose2d.sizes());
  if (joints_2d == kSplitJoints2d) return pose2d;
  TORCH_CHECK(joints_2d == kSplitJoints2d - 1, "select_joints_2d: joints_2d must be 16 or 17, got ", joints_2d);
  static const int64_t neck = geometry::joint_index("Neck/Nose");
  return torch::cat({pose2d.narrow(1, 0, 2 * neck), pose2d.narrow(1, 2 * neck + 2, pose2d.size(1) - 2 * neck - 2)}, 1);
}

PoseSplit PoseSplit::to(const torch::Device& device) const {
  PoseSplit out = *this;
  out.pose2d = pose2d.to(device);
  out.pose3d = pose3d.to(device);
  out.centre_x = centre_x.to(device);
  out.action = action.to(device);
  out.subject = subject.to(device);
  out.camera = camera.to(device);
  out.frame = frame.to(device);
  return out;
}

PoseSplit load_split(const std::string& path, const SplitOptions& options) {
  auto data = read_pose_file(path, {options.subjects, options.stride, options.input_2d});
  if (data.size() == 0) {
    std::string list;
    for (int s : options.subjects) list += (list.empty() ? "" : ",") + std::to_string(s);
    core::fail(path, "no samples for subjects " + list);
  }
  PoseSplit split;
  split.pose2d = data.pose2d;
  if (options.root_centre_2d) split.pose2d = geometry::root_centre(split.pose2d);
  split.pose3d = geometry::root_centre(data.pose3d).narrow(1, 1, geometry::kNumJoints - 1).contiguous();
  // Principal point per sample, from the file's calibrations.
  std::vector<float> cx(static_cast<size_t>(data.size())), width(static_cast<size_t>(data.size()));
  auto sub = data.subject.accessor<int32_t, 1>();
  auto cam = data.camera.accessor<int32_t, 1>();
  for (int64_t i = 0; i < data.size(); ++i) {
    const bool known = data.cameras.has(sub[i], cam[i]);
    cx[static_cast<size_t>(i)] = known ? static_cast<float>(data.cameras.get(sub[i], cam[i]).c[0]) : 500.0f;
    width[static_cast<size_t>(i)] = known ? static_cast<float>(data.cameras.get(sub[i], cam[i]).width) : 1000.0f;
  }
  split.centre_x = torch::tensor(cx);
  split.camera_width = torch::tensor(width);
  split.image = data.image;
  split.bbox = data.bbox;
  split.file_row = data.row;
  split.action = data.action.to(torch::kLong);
  split.subject = data.subject.to(torch::kLong);
  split.camera = data.camera.to(torch::kLong);
  split.frame = data.frame.to(torch::kLong);
  split.action_names = data.action_names;
  return split;
}

PoseSplit select_samples(const PoseSplit& split, const torch::Tensor& mask) {
  auto rows = mask.to(torch::kCPU).nonzero().flatten();
  auto take = [&](const torch::Tensor& t) {
    return t.defined() ? t.index_select(0, rows.to(t.device())) : t;
  };
  PoseSplit out = split;
  for (auto* t : {&out.pose2d, &out.pose3d, &out.centre_x, &out.action, &out.subject, &out.camera, &out.frame,
                  &out.bbox, &out.camera_width, &out.file_row})
    *t = take(*t);
  if (!split.image.empty()) {
    out.image.clear();
    auto r = rows.accessor<int64_t, 1>();
    for (int64_t i = 0; i < rows.numel(); ++i) out.image.push_back(split.image[static_cast<size_t>(r[i])]);
  }
  return out;
}

void flip_batch(torch::Tensor& pose2d, torch::Tensor& pose3d, const torch::Tensor& centre_x,
                bool root_centred_2d) {
  pose2d = geometry::flip_pose(pose2d, 0);  // x -> -x, left <-> right
  if (!root_centred_2d) {
    auto x = pose2d.select(2, 0);
    x.add_(2 * centre_x.unsqueeze(1).to(pose2d.dtype()));  // -x + 2 c_x
  }
  pose3d = geometry::flip_pose(geometry::add_root(pose3d), 0).narrow(1, 1, geometry::kNumJoints - 1);
}

}  // namespace hpe3d::data
