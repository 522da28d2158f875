#pragma once
// The prediction grid of h36m-eval --figure: test poses drawn as predicted
// (blue) over their ground truth (grey), each joint's error as a red segment,
// and each pose's MPJPE in mm, as in the thesis figure.
#include <string>

#include <torch/torch.h>

namespace hpe3d::eval {

struct FigureOptions {
  int columns = 5;
  int cell = 256;               // px per pose
  double view_degrees = 30.0;   // rotation about the vertical axis, to show depth
  double half_extent = 1000.0;  // mm from the root to the cell border
};

// pred, gt: [M, 17, 3] mm, camera frame, root-centred; images: the input
// crops [M, 3, S, S] uint8 RGB (rgb pairs) drawn left of each pose, or
// undefined. Writes a PNG of ceil(M / columns) rows; throws core::InputError
// naming `path` if it cannot.
void write_prediction_figure(const std::string& path, const torch::Tensor& pred, const torch::Tensor& gt,
                             const FigureOptions& options = {}, const torch::Tensor& images = {});

}  // namespace hpe3d::eval
