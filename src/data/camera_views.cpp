#include "hpe3d/data/camera_views.h"

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {

int64_t append_camera_views(PoseFileWriter& writer, const WorldSequence& sequence,
                            int action_label, const geometry::CameraSet& camera_set,
                            const std::vector<int>& cameras) {
  const auto& joints = sequence.joints;
  TORCH_CHECK(joints.dim() == 3 && joints.size(1) == geometry::kNumJoints && joints.size(2) == 3,
              "append_camera_views: joints must be [T, 17, 3], got ", joints.sizes());
  const int64_t t = joints.size(0);
  TORCH_CHECK(static_cast<int64_t>(sequence.frames.size()) == t,
              "append_camera_views: ", sequence.frames.size(), " frame numbers for ", t, " poses");
  auto indices = cameras.empty() ? camera_set.indices(sequence.subject) : cameras;
  if (indices.empty())
    core::fail(camera_set.source.empty() ? "cameras" : camera_set.source,
               "no camera for subject " + std::to_string(sequence.subject));
  auto world = joints.to(torch::kFloat64);
  auto frames = torch::tensor(sequence.frames, torch::kInt32);
  auto full = [t](int value) { return torch::full({t}, value, torch::kInt32); };
  int64_t rows = 0;
  for (int index : indices) {
    const auto& cam = camera_set.get(sequence.subject, index);
    auto cam3d = geometry::world_to_camera(world, cam);
    PoseBatch batch;
    batch.pose3d = cam3d.to(torch::kFloat32);
    batch.pose2d = geometry::project(cam3d, cam).to(torch::kFloat32);
    batch.subject = full(sequence.subject);
    batch.action = full(action_label);
    batch.subaction = full(sequence.subaction);
    batch.camera = full(index);
    batch.frame = frames;
    writer.append(batch);
    rows += t;
  }
  return rows;
}

}  // namespace hpe3d::data
