#pragma once
// Human body lengths of 17-joint Human3.6M poses: the measurement behind the
// unit choice of motion capture (bvh_to_h36m.h) and the plausibility check of
// every converted pose.
//
//   auto lengths = hpe3d::data::measure_body(h36m_in_file_units);   // medians
//   auto unit = hpe3d::data::choose_length_unit(lengths, "walk.bvh"); // or throws
//   hpe3d::data::check_human_lengths(h36m_mm, "walk.bvh");           // or throws
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::data {

// Median lengths over frames, in the poses' units (both sides averaged).
struct BodyLengths {
  double femur = 0.0;      // hip - knee
  double shin = 0.0;       // knee - ankle
  double upper_arm = 0.0;  // shoulder - elbow
  double forearm = 0.0;    // elbow - wrist
  double stature = 0.0;    // ankle -> knee -> hip + Hip -> Spine -> Thorax -> Neck/Nose -> Head (top)
  std::string text(double scale = 1.0, const std::string& unit = "") const;  // "femur 7.2, shin 7.0, ..."
};

// [T, 17, 3] -> medians over (at most 2,000 evenly spaced) frames.
BodyLengths measure_body(const torch::Tensor& poses);

struct LengthUnit {
  std::string name;  // "mm", "cm", "m", "inch", "cmu"
  double mm = 1.0;   // millimetres per unit
};

// mm, cm, m, inch and the CMU unit (2.54 / 0.45 cm), in that order.
const std::vector<LengthUnit>& length_units();
// By name; throws core::InputError naming `where` on an unknown name.
LengthUnit length_unit(const std::string& name, const std::string& where);

// The human ranges the unit choice uses (mm): femur and stature.
inline constexpr double kFemurMin = 300.0, kFemurMax = 600.0;
inline constexpr double kStatureMin = 1100.0, kStatureMax = 2200.0;

// The one unit that makes both the femur and the stature human. Throws
// core::InputError naming `where` and the measured lengths if none or several do.
LengthUnit choose_length_unit(const BodyLengths& lengths, const std::string& where);

// Per frame, the femur, shin, upper-arm and forearm lengths of [T, 17, 3] mm
// poses must lie in human ranges (femur/shin 250-650, upper arm 180-450,
// forearm 150-400 mm); throws core::InputError naming `where`, the first frame
// and bone outside them, and how many frames are.
void check_human_lengths(const torch::Tensor& poses_mm, const std::string& where);

}  // namespace hpe3d::data
