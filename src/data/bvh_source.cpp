#include "hpe3d/data/bvh_source.h"

#include <algorithm>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/bvh_to_h36m.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {

int64_t prepare_bvh(const BvhSourceOptions& options, const std::string& out) {
  if (options.inputs.empty()) core::fail("--input", "at least one .bvh file is needed");
  if (options.subjects.size() != options.inputs.size())
    core::fail("--subjects", "expected one subject per input file (" + std::to_string(options.inputs.size()) +
                                 " files, " + std::to_string(options.subjects.size()) + " subjects)");
  if (!(options.fps > 0)) core::fail("--fps", "must be > 0");
  const std::string camera_path = options.cameras.empty() ? geometry::default_h36m_cameras_path() : options.cameras;
  auto cameras = geometry::CameraSet::load_yaml(camera_path);
  for (int s : options.subjects)
    if (cameras.indices(s).empty())
      core::fail(camera_path, "no camera for subject " + std::to_string(s) + " (--subjects)");

  // Parse everything first: a bad file fails before any output is written.
  std::vector<WorldSequence> sequences;
  std::vector<std::string> actions;
  BvhToH36mOptions convert;
  convert.target_fps = options.fps;
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    auto seq = load_bvh_sequence(options.inputs[i], convert);
    seq.subject = options.subjects[i];
    if (std::find(actions.begin(), actions.end(), seq.action) == actions.end()) actions.push_back(seq.action);
    sequences.push_back(std::move(seq));
  }
  PoseFileWriter writer(out, "bvh", actions, cameras);
  int64_t rows = 0;
  auto log = core::logger("data");
  for (const auto& seq : sequences) {
    const int action = static_cast<int>(std::find(actions.begin(), actions.end(), seq.action) - actions.begin());
    rows += append_camera_views(writer, seq, action, cameras);
    log->info("{} -> subject {}: {} poses at {} fps, {} camera views", seq.action, seq.subject, seq.joints.size(0),
              options.fps, seq.joints.size(0) * static_cast<int64_t>(cameras.indices(seq.subject).size()));
  }
  writer.finish();
  log->info("wrote {}: {} clips, {} camera views", out, sequences.size(), rows);
  return rows;
}

BvhSourceOptions cmu_default_options(const std::string& bvh_dir) {
  BvhSourceOptions o;
  o.inputs = {bvh_dir + "/01_01.bvh", bvh_dir + "/Boxing_Toes.bvh", bvh_dir + "/01_03.bvh"};
  o.subjects = {1, 5, 9};
  return o;
}

}  // namespace hpe3d::data
