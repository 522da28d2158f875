#pragma once
// BVH motion capture -> world sequences of the 17 Human3.6M joints.
//
//   auto c = hpe3d::data::convert_bvh(hpe3d::data::parse_bvh("walk.bvh"), {});
//   c.sequence.joints;   // [T, 17, 3] float64, world mm, Z up, floor at z = 0
//   c.report();          // "skeleton cmu (...); units cm (measured ...); Y up; left/right checked"
//
// Steps, each measured on the clip and each overridable:
//  1. joint map: the preset of configs/skeletons/ whose rules place all 17
//     joints with the most evidence (skeleton_map.h), or --skeleton;
//  2. forward kinematics in file units, the map applied;
//  3. up axis: the axis along which the head top is above the ankles (Y or Z)
//     over the frames, refused when an upright rest pose says the other one,
//     or --up; Y up is turned to Z up by (x, y, z) -> (x, -z, y) (det +1);
//  4. unit: the one of mm, cm, m, inch and the CMU unit that gives a human
//     femur and stature (body_lengths.h), or --units;
//  5. left/right: with the toes and bent knees giving the facing direction,
//     the hips and shoulders named left must be on the subject's left (a
//     mirrored clip, or hips and shoulders on opposite sides, is refused; one
//     where this cannot be told is converted with a warning);
//  6. every source frame's femur, shin, upper arm and forearm must be human;
//  7. floor at the lowest point of any BVH joint over the clip, mean Hip (x, y)
//     at (0, 0), frame rate reduced by nearest source frame.
// Bad input throws core::InputError naming the file and the reason.
#include <string>

#include <torch/torch.h>

#include "hpe3d/data/body_lengths.h"
#include "hpe3d/data/bvh.h"
#include "hpe3d/data/sequence.h"

namespace hpe3d::data {

// [..., 3] -> [..., 3]: Y-up axes to H36M's Z-up, (x, y, z) -> (x, -z, y).
torch::Tensor y_up_to_z_up(const torch::Tensor& points);

struct BvhToH36mOptions {
  double target_fps = 25.0;  // output frame rate; <= 0 or >= the file's rate keeps every frame
  std::string skeleton;      // preset name ("cmu") or map file (.yaml); empty: detected
  std::string units;         // mm, cm, m, inch, cmu; empty: measured
  std::string up;            // y, z; empty: measured
};

struct BvhConversion {
  WorldSequence sequence;  // action = clip name, frames = source frame of each row, subject 0
  std::string skeleton;    // the map used ("cmu")
  std::string skeleton_why;  // "places all 17 joints, evidence 21 (...); also fit: lafan1 (19)" or "forced"
  LengthUnit unit;
  bool unit_measured = true;
  BodyLengths lengths_mm;    // medians of the output
  char up = 'y';
  bool up_measured = true;
  std::string sides;         // "left on the left (toes: hips +0.98, shoulders +0.95; knees: ...)" or why not told
  std::string report() const;  // one line of the above
};

BvhConversion convert_bvh(const BvhClip& clip, const BvhToH36mOptions& options);

// convert_bvh(...).sequence, and parse_bvh + that.
WorldSequence bvh_to_world_sequence(const BvhClip& clip, const BvhToH36mOptions& options = {});
WorldSequence load_bvh_sequence(const std::string& path, const BvhToH36mOptions& options = {});

}  // namespace hpe3d::data
