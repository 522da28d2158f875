#pragma once
// A motion sequence in world coordinates, as every source reader produces it
// (Martinez tree, BVH motion capture, synthetic poses) before it is seen
// through the cameras and written to an hpe3d pose file.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::data {

struct WorldSequence {
  int subject = 0;          // subject id the sequence is filed under (1, 5, 9, ...)
  std::string action;       // canonical action name ("Directions", "01_01", ...)
  int subaction = 0;        // 1, 2 for Human3.6M; 0 when the source has none
  torch::Tensor joints;     // [T, 17, 3] float64, world frame, millimetres, Z up
  std::vector<int> frames;  // source frame number of each of the T rows
};

}  // namespace hpe3d::data
