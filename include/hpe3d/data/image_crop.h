#pragma once
// Square person crops (DESIGN.md 3.3, issue "RGB modality"): the box of a
// sample (x, y, w, h in camera pixels) made square about its centre, cut from
// the frame with black padding outside it, resized to S x S. Frames may be
// stored smaller than the camera (renders, downscaled copies): the frame's
// scale is its width over the calibration's width. Augmentation (scale and
// shift jitter, colour jitter, horizontal flip) acts on the S x S crop, so a
// crop read from the cache and one decoded from the JPEG are treated alike.
#include <array>
#include <cstdint>

#include <opencv2/core.hpp>
#include <torch/torch.h>

namespace hpe3d::data {

// Camera pixels -> crop pixels: crop = (sx * x + tx, sy * y + ty), pixel
// centres at integer coordinates (OpenCV's convention); sx < 0 after a flip.
struct CropTransform {
  double sx = 1.0, sy = 1.0, tx = 0.0, ty = 0.0;
  // [..., 2] camera px -> [..., 2] crop px (float64 arithmetic, input dtype kept)
  torch::Tensor apply(const torch::Tensor& points) const;
};

// The transform crop_square uses for `box` (without cutting anything).
CropTransform crop_transform(const std::array<float, 4>& box, double frame_scale, int size);

// Cuts the square around `box` (x, y, w, h camera px; side max(w, h)) out of
// `frame` (8-bit, any channels; frame px = (camera px + 0.5) * frame_scale - 0.5,
// pixel centres at integers, as area downscaling and libjpeg's reduced
// decoding produce) and
// resizes it to size x size (area averaging). Returns the crop and the
// transform that maps camera pixels into it.
cv::Mat crop_square(const cv::Mat& frame, const std::array<float, 4>& box, double frame_scale, int size,
                    CropTransform* transform = nullptr);

// Augmentation of one crop, drawn from a seed so that workers reproduce it.
struct CropAugment {
  double scale = 1.0;                // > 1 zooms in
  double shift_x = 0.0, shift_y = 0.0;  // fractions of the side
  double brightness = 1.0, contrast = 1.0, saturation = 1.0;
  bool flip = false;                 // horizontal mirror (after the jitter)
};

struct AugmentRanges {
  double scale = 0.0;   // scale in [1 - scale, 1 + scale]
  double shift = 0.0;   // shifts in [-shift, shift]
  double colour = 0.0;  // brightness, contrast, saturation in [1 - colour, 1 + colour]
};

// Seeded draw (flip is the caller's: it must match the pose flip).
CropAugment draw_augment(const AugmentRanges& ranges, uint64_t seed);

// The crop's zoom and shift of `a` carried over to the 2D pose, in camera
// pixels (p -> (sx p + tx, sy p + ty), sx = sy = a.scale): the unaugmented
// transform `crop` maps the moved pose where the augmented crop shows the
// original one. It is the pose a camera with zoomed and shifted intrinsics
// would see, so the camera-frame 3D pose stays as it is. The flip is not in
// it: the pose flip (flip_batch) mirrors the pose.
CropTransform pose_jitter(const CropAugment& a, const CropTransform& crop, int size);

// Applies `a` to an RGB or BGR 8-bit crop in place; `transform` (if given)
// is updated so that it still maps the sample's camera pixels (as in the
// file, unflipped) into the augmented crop: after a flip joint j lands where
// the mirrored image shows it, i.e. where the flipped pose has its partner.
void augment_crop(cv::Mat& crop, const CropAugment& a, CropTransform* transform = nullptr);

}  // namespace hpe3d::data
