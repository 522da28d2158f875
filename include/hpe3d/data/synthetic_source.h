#pragma once
// `h36m-prepare synthetic`: the synthetic pose stream (synthetic.h) seen
// through the published Human3.6M cameras, written as a pose file.
#include <cstdint>
#include <string>
#include <vector>

namespace hpe3d::data {

struct SyntheticOptions {
  int64_t poses = 10000;                           // world poses (each seen by 4 cameras)
  uint64_t seed = 0;
  std::vector<int> subjects{1, 5, 6, 7, 8, 9, 11};  // poses are dealt to subjects in equal blocks
};

// Writes poses x 4 cameras to `out` in chunks of 65,536 poses (bounded
// memory at any size). Returns the number of camera views written.
int64_t prepare_synthetic(const SyntheticOptions& options, const std::string& out);

}  // namespace hpe3d::data
