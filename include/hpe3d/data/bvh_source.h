#pragma once
// `h36m-prepare bvh`: BVH motion-capture clips (bvh_to_h36m.h) seen through
// the published Human3.6M cameras of the subject each clip is filed under,
// written as a pose file. Action = clip name ("01_01") unless a manifest
// names it; clips of the same subject and action become subactions 0, 1, ...
//
// A manifest lists many clips (paths relative to the manifest's folder):
//
//   clips:
//     - {file: walks/01_01.bvh, subject: 1}              # action: 01_01
//     - {file: take7.bvh, subject: 5, action: Walking}
//     - {folder: lafan1/, subject: 9, pattern: "walk*.bvh"}  # every match, sorted
//   skeleton: lafan1    # optional: --skeleton for every clip (a clip may set its own)
//   units: cm           # optional: --units for every clip (a clip may set its own)
//   up: y               # optional: --up for every clip (a clip may set its own)
#include <string>
#include <vector>

#include "hpe3d/data/bvh_to_h36m.h"

namespace hpe3d::data {

struct BvhClipSpec {
  std::string path;
  int subject = 0;
  std::string action;         // empty: the file's stem
  BvhToH36mOptions convert;   // skeleton, units, up (target_fps from BvhSourceOptions)
};

struct BvhSourceOptions {
  std::vector<std::string> inputs;  // .bvh files
  std::vector<int> subjects;        // one subject id per input (its cameras are used)
  std::string manifest;             // clips.yaml (instead of inputs/subjects)
  double fps = 25.0;                // output frame rate
  std::string cameras;              // camera YAML; empty: configs/cameras/h36m.yaml
  BvhToH36mOptions convert;         // --skeleton, --units, --up for every clip
};

// The clips of a manifest; throws core::InputError naming the manifest and key.
std::vector<BvhClipSpec> read_bvh_manifest(const std::string& path, const BvhToH36mOptions& defaults);

// Returns the number of camera views written. Every clip is converted and
// checked before the output is opened: a bad clip leaves no file.
int64_t prepare_bvh(const BvhSourceOptions& options, const std::string& out);

// The embedded default data set: 01_01.bvh and Boxing_Toes.bvh as training
// subjects 1 and 5, 01_03.bvh as test subject 9, from `bvh_dir`.
BvhSourceOptions cmu_default_options(const std::string& bvh_dir = "/usr/share/assimp/models/BVH");

}  // namespace hpe3d::data
