#pragma once
// A human-readable summary of a pose file (`h36m-prepare info`): counts per
// subject, action and camera, value ranges, and bone-length statistics.
#include <string>

#include "hpe3d/data/pose_file.h"

namespace hpe3d::data {

std::string summarize(const PoseData& data);

}  // namespace hpe3d::data
