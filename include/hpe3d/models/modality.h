#pragma once
// The modalities a cross-modal VAE encodes and decodes.
#include <string>

namespace hpe3d::models {

enum class Modality { kPose2d, kPose3d, kRgb };

// "pose2d" / "pose3d" / "rgb"
std::string modality_name(Modality modality);
// Inverse of modality_name; throws core::InputError naming `what` on anything else.
Modality parse_modality(const std::string& name, const std::string& what = "modality");

}  // namespace hpe3d::models
