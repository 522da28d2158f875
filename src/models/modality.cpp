#include "hpe3d/models/modality.h"

#include "hpe3d/core/error.h"

namespace hpe3d::models {

std::string modality_name(Modality modality) {
  switch (modality) {
    case Modality::kPose2d:
      return "pose2d";
    case Modality::kPose3d:
      return "pose3d";
    case Modality::kRgb:
      return "rgb";
  }
  return "?";
}

Modality parse_modality(const std::string& name, const std::string& what) {
  for (Modality m : {Modality::kPose2d, Modality::kPose3d, Modality::kRgb})
    if (modality_name(m) == name) return m;
  core::fail(what, "unknown modality '" + name + "' (expected pose2d, pose3d or rgb)");
}

}  // namespace hpe3d::models
