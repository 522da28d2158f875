#pragma once
// Sees a world-frame sequence through cameras: camera-frame 3D (mm) and the
// distorted 2D projection (px), appended to a pose file one camera at a time.
#include <vector>

#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/sequence.h"
#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {

// Appends T rows per camera (camera-major). `cameras`: indices to use, empty =
// every camera of the sequence's subject. The computation runs in float64 and
// is stored as float32. Returns the number of rows appended.
int64_t append_camera_views(PoseFileWriter& writer, const WorldSequence& sequence,
                            int action_label, const geometry::CameraSet& camera_set,
                            const std::vector<int>& cameras = {});

}  // namespace hpe3d::data
