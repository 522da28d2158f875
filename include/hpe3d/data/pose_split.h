#pragma once
// One split (e.g. training subjects 1,5,6,7,8) of a pose file, shaped for the
// models and held in contiguous tensors: loaded once, normalised once, moved to
// the device once, batched with index_select (DESIGN.md 3.3).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/model_config.h"
#include "hpe3d/data/pose_file.h"

namespace hpe3d::data {

// What a split feeds a model: all 17 2D joints in, the 16 root-relative 3D
// joints (root dropped) out.
inline constexpr int64_t kSplitJoints2d = 17;
inline constexpr int64_t kSplitJoints3d = 16;

// The one place where the model's joint counts meet the split's shapes:
// throws core::InputError "<source>: model: ..." (no prefix when `source` is
// empty) unless model.joints_2d is 17 or 16 and model.joints_3d is 16.
void check_split_shapes(const core::ModelConfig& model, const std::string& source = "");

// The 2D joints a model reads (model.joints_2d): all 17, or 16 without
// Neck/Nose, as Martinez et al. feed their network (the 2D detectors they
// used have no such joint). The split keeps all 17 (flips need them); the
// joint is dropped after normalisation, which is per feature, so the other
// joints' statistics do not change.
//   [B, 17*2] normalised -> [B, joints_2d*2]
torch::Tensor select_joints_2d(const torch::Tensor& pose2d, int64_t joints_2d);

struct SplitOptions {
  std::vector<int> subjects;   // empty: all
  int stride = 1;              // every stride-th frame of each sequence and camera
  bool root_centre_2d = false; // subtract the 2D root from the 2D input
  std::string input_2d = "gt"; // 2D input: "gt" (/pose2d) or "det/<name>" (/pose2d_det/<name>)
};

struct PoseSplit {
  torch::Tensor pose2d;     // [N, 17, 2] px, ground truth or detected (root-centred when asked)
  torch::Tensor pose3d;     // [N, 16, 3] mm, relative to the root, root dropped
  torch::Tensor centre_x;   // [N] principal point x of each sample's camera (for flips)
  torch::Tensor action;     // [N] int64
  torch::Tensor subject;    // [N] int64
  torch::Tensor camera;     // [N] int64
  torch::Tensor frame;      // [N] int64
  std::vector<std::string> action_names;
  // Images (CPU only, empty/undefined when the file has none): the frame of
  // each sample relative to an image root, its person box (x, y, w, h camera
  // px), its camera's width in px, and its row in the pose file (crop cache).
  std::vector<std::string> image;
  torch::Tensor bbox;          // [N, 4] float32
  torch::Tensor camera_width;  // [N] float32
  torch::Tensor file_row;      // [N] int64
  int64_t size() const { return pose2d.size(0); }
  PoseSplit to(const torch::Device& device) const;
};

// Reads `path` and shapes the selected rows. Throws core::InputError if the
// selection is empty (naming the file and subjects).
PoseSplit load_split(const std::string& path, const SplitOptions& options);

// Keeps the samples whose mask [N] (bool, CPU) is true: poses, labels and images.
PoseSplit select_samples(const PoseSplit& split, const torch::Tensor& mask);

// Mirror a batch left/right, consistently for 2D and 3D: 3D x -> -x, 2D x ->
// 2 c_x - x (the pinhole image of the mirrored pose), and the left and right
// joints swap. pose2d [B, 17, 2], pose3d [B, 16, 3], centre_x [B].
void flip_batch(torch::Tensor& pose2d, torch::Tensor& pose3d, const torch::Tensor& centre_x,
                bool root_centred_2d);

}  // namespace hpe3d::data
