#pragma once
// Where the image of each pose-file row lives, its person box, and
// `h36m-prepare attach-images` (docs/data.md, "Images").
//
// Layout "h36m", the common layout of extracted Human3.6M frames, relative to
// an image root:
//   S<k>/S<k>_<Action>[_<n>].<camera>/S<k>_<Action>[_<n>].<camera>_<frame + offset:06d>.jpg
// e.g. S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg.
// <Action> is the row's /action_names entry, "_<n>" appears only when
// /subaction != 0, <camera> is the calibration's name, and the file number is
// /frame + frame_offset: extracted Human3.6M frames are numbered from 1, so
// /frame 0 is file 000001 (frame_offset = 1, the default).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/data/pose_file.h"

namespace hpe3d::data {

inline constexpr int kDefaultFrameOffset = 1;
inline constexpr double kDefaultBoxMargin = 0.2;

// One frame's path in the "h36m" layout (relative, '/'-separated).
std::string h36m_image_path(int subject, const std::string& action, int subaction,
                            const std::string& camera_name, int frame,
                            int frame_offset = kDefaultFrameOffset);

// The path of every row of `data` in the "h36m" layout; the camera name comes
// from data.cameras (core::InputError if a row's camera is not calibrated).
std::vector<std::string> h36m_image_paths(const PoseData& data,
                                          int frame_offset = kDefaultFrameOffset);

// [N, 17, 2] px -> [N, 4] float32 x, y, w, h px: the joints' bounding box,
// enlarged by `margin` x its larger side on every side and made square about
// its centre (w = h = (1 + 2 margin) * max(width, height)).
torch::Tensor bbox_from_joints(const torch::Tensor& pose2d, double margin = kDefaultBoxMargin);

struct AttachOptions {
  std::string data;        // pose file, rewritten in place (atomically)
  std::string image_root;  // folder the /image paths are relative to
  std::string layout = "h36m";
  double margin = kDefaultBoxMargin;  // bbox_from_joints of /pose2d
  int frame_offset = kDefaultFrameOffset;
  int list_missing = 5;    // how many missing paths the report keeps
};

struct AttachReport {
  int64_t rows = 0;
  int64_t missing = 0;                     // rows whose image is not under the root
  std::vector<std::string> first_missing;  // up to AttachOptions::list_missing, relative
};

// Fills /image (relative paths of the layout) and /bbox (from /pose2d) of an
// existing pose file, replacing them if present. The file is copied to
// "<data>.tmp", written and renamed, so a failure leaves the original intact.
// Missing images are counted, not an error.
AttachReport attach_images(const AttachOptions& options);

// One line: "attached 9128 images to FILE (0 missing under ROOT)" plus the
// first missing paths.
std::string describe(const AttachReport& report, const AttachOptions& options);

}  // namespace hpe3d::data
