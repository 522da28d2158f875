#pragma once
// Reader of the Human3.6M tree of Martinez et al. 2017 (the widely mirrored
// `h36m/` folder) into an hpe3d pose file:
//   <root>/S<k>/MyPoses/3D_positions/<Action>[ <n>].h5, dataset 3D_positions
//     of shape (96, T): 32 joints x xyz, world mm, stored transposed;
//   cameras.h5: subject<k>/camera<m>/{R, T, f, c, k, p, Name}, R stored
//     transposed, T the camera centre in mm, Name as character codes.
#include <string>
#include <vector>

#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {

// The 17 of Martinez's 32 joints that hpe3d keeps, in geometry::joint_names() order.
const std::vector<int64_t>& martinez_joint_indices();

// Reads the cameras of `subjects` from cameras.h5 (camera indices 1..4).
// Throws core::InputError naming the file and group for an unknown subject.
geometry::CameraSet read_martinez_cameras(const std::string& path, const std::vector<int>& subjects);

struct MartinezOptions {
  std::string root;                              // folder holding S1, S5, ...
  std::string cameras;                           // cameras.h5
  std::vector<int> subjects{1, 5, 6, 7, 8, 9, 11};
  int stride = 1;                                // keep every stride-th frame
};

struct PrepareSummary {
  int64_t sequences = 0;
  int64_t rows = 0;                // camera views written
  std::vector<std::string> skipped;  // files that are not Human3.6M actions
};

// Streams sequence by sequence into `out` (written atomically).
PrepareSummary prepare_martinez(const MartinezOptions& options, const std::string& out);

}  // namespace hpe3d::data
