#pragma once
// `h36m-prepare bvh`: BVH motion-capture clips (bvh_to_h36m.h) seen through
// the published Human3.6M cameras of the subject each clip is filed under,
// written as a pose file. Action = clip name ("01_01").
#include <string>
#include <vector>

namespace hpe3d::data {

struct BvhSourceOptions {
  std::vector<std::string> inputs;  // .bvh files
  std::vector<int> subjects;        // one subject id per input (its cameras are used)
  double fps = 25.0;                // output frame rate
  std::string cameras;              // camera YAML; empty: configs/cameras/h36m.yaml
};

// Returns the number of camera views written.
int64_t prepare_bvh(const BvhSourceOptions& options, const std::string& out);

// The embedded default data set: 01_01.bvh and Boxing_Toes.bvh as training
// subjects 1 and 5, 01_03.bvh as test subject 9, from `bvh_dir`.
BvhSourceOptions cmu_default_options(const std::string& bvh_dir = "/usr/share/assimp/models/BVH");

}  // namespace hpe3d::data
