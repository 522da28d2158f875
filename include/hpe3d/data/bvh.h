#pragma once
// Biovision BVH motion capture: parser and forward kinematics.
//
//   auto clip = hpe3d::data::parse_bvh("01_01.bvh");    // hierarchy + raw channels
//   auto xyz  = hpe3d::data::forward_kinematics(clip);  // [T, J, 3] file units/axes
//
// The parser accepts any hierarchy (ROOT / JOINT / End Site, OFFSET, CHANNELS
// with any count and any order of {X,Y,Z}position and {X,Y,Z}rotation) and the
// MOTION block ("Frames:", "Frame Time:", one line of channel values per
// frame). Bad input throws core::InputError with a one-line message naming the
// file and the line ("01_01.bvh: line 312: expected 96 channel values, got 95").
// Frame lines after the declared number of frames are ignored with a warning
// (Boxing_Toes.bvh, as shipped by assimp, has one more line than it declares).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::data {

enum class BvhChannel { kXposition, kYposition, kZposition, kXrotation, kYrotation, kZrotation };

// "Xposition", ..., "Zrotation".
const char* bvh_channel_name(BvhChannel channel);

struct BvhJoint {
  std::string name;               // End Sites are named "<parent>_End"
  int parent = -1;                // index into BvhClip::joints; -1 for the root
  std::array<double, 3> offset{};  // OFFSET, file units, in the parent's frame
  std::vector<BvhChannel> channels;  // in file order; empty for End Sites
  int first_channel = 0;          // column of channels[0] in BvhClip::motion
  bool end_site = false;
};

struct BvhClip {
  std::string path;              // as given to parse_bvh (used in error messages)
  std::string name;              // file name without directory and ".bvh": "01_01"
  std::vector<BvhJoint> joints;  // depth-first file order: parents precede children
  double frame_time = 0.0;       // seconds per frame ("Frame Time:")
  torch::Tensor motion;          // [T, C] float64 channel values (rotations in degrees)

  int64_t num_frames() const { return motion.defined() ? motion.size(0) : 0; }
  int64_t num_channels() const { return motion.defined() ? motion.size(1) : 0; }
  double fps() const { return 1.0 / frame_time; }
  // Index of a joint by name; -1 if absent.
  int joint_index(const std::string& joint_name) const;
};

// Reads a BVH file. Throws core::InputError on a missing file or malformed
// content (unknown keyword or channel name, wrong channel count on a frame
// line, fewer frame lines than "Frames:" declares, a non-numeric, non-finite
// or absurd (|x| > 1e6) value), naming the file and line. Line endings may be
// LF, CRLF or mixed; words may be separated by tabs or spaces.
BvhClip parse_bvh(const std::string& path);
// The same for a file's contents already in memory; `path` names it in errors.
BvhClip parse_bvh_text(const std::string& text, const std::string& path);

// Global position of every joint (End Sites included) in every frame:
// [T, J, 3] float64, in the file's units and axes. Each joint's local rotation
// is the product of its rotation channels in the order listed, intrinsic:
// channels "Zrotation Xrotation Yrotation" give R = Rz * Rx * Ry (degrees,
// right-handed). The local translation is the OFFSET, except that the axes of
// a joint that has position channels take the channel values (the root's
// position channels are its world position). Then
//   R_global[j] = R_global[parent] * R_local[j]
//   p[j]        = p[parent] + R_global[parent] * t_local[j].
torch::Tensor forward_kinematics(const BvhClip& clip);

}  // namespace hpe3d::data
