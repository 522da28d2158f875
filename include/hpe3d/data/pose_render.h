#pragma once
// `h36m-prepare render`: an image set for a pose file without any video.
// Each row is drawn as a person-like figure seen by its camera: shaded
// capsules for the limbs and torso, a sphere for the head, painted back to
// front by depth, on a seeded background that is fixed per (subject, action,
// subaction, camera), so each sequence looks like a static camera.
//
// THESE ARE RENDERS, NOT PHOTOGRAPHS: flat-coloured capsule figures whose
// joints are exact by construction. They exercise the RGB pipeline (loader,
// crops, ResNet encoder, image decoder) on real motion; numbers measured on
// them say nothing about accuracy on Human3.6M video.
//
// Geometry: a frame is the camera's width x height times scale = size / 500
// (rounded), so --size 128 gives 256 x 256 frames from 1000 x 1000 cameras.
// The scale is stored nowhere: a reader infers it as image width / camera
// width. A joint at camera pixel p (/pose2d) is drawn at p * scale; a part of
// radius r mm at depth Z mm has radius f * r / Z * scale px (f: the mean
// focal length).
#include <array>
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "hpe3d/data/image_layout.h"

namespace hpe3d::data {

// Base colours of the figure, RGB. Shading varies brightness, not hue.
struct FigureColours {
  std::array<uint8_t, 3> left{40, 90, 230};    // the subject's left arm and leg
  std::array<uint8_t, 3> right{230, 60, 40};   // right arm and leg
  std::array<uint8_t, 3> centre{70, 190, 80};  // pelvis, spine, shoulders, neck, head
};

// Part radii, mm.
struct FigureRadii {
  double thigh = 70, shin = 55, upper_arm = 55, forearm = 45;
  double torso = 90;      // Hip-Spine-Thorax
  double girdle = 65;     // Hip-L/RHip, Thorax-L/RShoulder
  double neck = 50;
  double head = 105;      // sphere at the middle of Neck/Nose and Head
};

// [H, W, 3] uint8 RGB: a random two-colour gradient in a random direction, a
// few random rectangles and mild pixel noise, all from `seed`.
torch::Tensor render_background(int width, int height, uint64_t seed);

// Draws one figure onto a copy of `background` ([H, W, 3] uint8 RGB).
// pose3d [17, 3] camera frame mm (depths), pose2d [17, 2] camera px.
torch::Tensor render_figure(const torch::Tensor& background, const torch::Tensor& pose3d,
                            const torch::Tensor& pose2d, double focal_px, double scale,
                            const FigureColours& colours = {}, const FigureRadii& radii = {});

// The background seed of one (subject, action, subaction, camera).
uint64_t background_seed(uint64_t seed, int subject, int action, int subaction, int camera);

struct RenderOptions {
  std::string data;     // pose file; /image and /bbox are attached to it afterwards
  std::string out_dir;  // image root, created if absent
  int size = 128;       // scale = size / 500
  int stride = 1;       // every stride-th frame of each (sequence, camera), like data.stride
  uint64_t seed = 0;
  int jpeg_quality = 90;
  double margin = kDefaultBoxMargin;  // of the attached /bbox
};

struct RenderReport {
  int64_t rows = 0;       // rows of the file
  int64_t rendered = 0;   // JPEGs written
  int64_t bytes = 0;      // their total size
  double seconds = 0;     // rendering + writing, without the attach step
  AttachReport attach;    // rows without a render (stride > 1) count as missing
};

// Renders the selected rows as JPEGs in the "h36m" layout under out_dir
// (frame offset 1), then attach_images() on the file.
RenderReport render_pose_images(const RenderOptions& options);

// Counts, size and time, one line each.
std::string describe(const RenderReport& report, const RenderOptions& options);

}  // namespace hpe3d::data
