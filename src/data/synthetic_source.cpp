#include "hpe3d/data/synthetic_source.h"

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/synthetic.h"
#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {

int64_t prepare_synthetic(const SyntheticOptions& options, const std::string& out) {
  if (options.poses < 1) core::fail("--n", "must be >= 1");
  if (options.subjects.empty()) core::fail("--subjects", "at least one subject is needed");
  auto cameras = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  for (int s : options.subjects)
    if (cameras.indices(s).empty())
      core::fail("--subjects", "no Human3.6M cameras for subject " + std::to_string(s));
  PoseFileWriter writer(out, "synthetic:seed=" + std::to_string(options.seed), {"Synthetic"}, cameras);
  const int64_t per_subject = (options.poses + static_cast<int64_t>(options.subjects.size()) - 1) /
                              static_cast<int64_t>(options.subjects.size());
  constexpr int64_t kChunk = 65536;
  int64_t rows = 0, done = 0;
  for (size_t si = 0; si < options.subjects.size() && done < options.poses; ++si) {
    const int64_t count = std::min(per_subject, options.poses - done);
    for (int64_t start = 0; start < count; start += kChunk) {
      WorldSequence seq;
      seq.subject = options.subjects[si];
      seq.action = "Synthetic";
      const int64_t m = std::min(kChunk, count - start);
      seq.joints = sample_synthetic_poses(m, options.seed, done + start);
      for (int64_t i = 0; i < m; ++i) seq.frames.push_back(static_cast<int>(start + i));
      rows += append_camera_views(writer, seq, 0, cameras);
    }
    done += count;
  }
  writer.finish();
  core::logger("data")->info("wrote {}: {} synthetic poses, {} camera views", out, done, rows);
  return rows;
}

}  // namespace hpe3d::data
