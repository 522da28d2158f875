#pragma once
// Calibration of K pose hypotheses (Pierzchlewicz et al. 2023, "Multi-hypothesis
// 3D human pose estimation metrics favor miscalibrated distributions").
//
// Per joint, the hypotheses' central q-region is the ball around their
// per-coordinate median whose radius is the q-quantile of the hypotheses'
// distances to that median. A sampler is calibrated when the ground truth falls
// inside the q-region a fraction q of the time; the expected calibration error
// (ECE) is the mean |observed(q) - q| over the levels q = 0.1, ..., 0.9.
// Over-confident samplers (too little spread) observe less than q, under-
// confident ones more. Poses are root-centred, so the root joint (always at
// the origin) is left out.
#include <array>
#include <cstdint>

#include <torch/torch.h>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::eval {

class CalibrationAccumulator {
 public:
  static constexpr int kLevels = 9;
  // q = 0.1, 0.2, ..., 0.9
  static double level(int i) { return 0.1 * (i + 1); }

  // samples: [K, B, 17, 3] (K >= 2), gt: [B, 17, 3], both root-centred, mm.
  void add(const torch::Tensor& samples, const torch::Tensor& gt);
  // Adds the counts of `other` (another shard's).
  void merge(const CalibrationAccumulator& other);

  int64_t count() const { return count_; }
  // Fraction of ground-truth positions of `joint` inside its q-region, level i.
  // NaN when empty.
  double observed(int joint, int level_index) const;
  // The same averaged over the non-root joints.
  double observed(int level_index) const;
  // Mean over the levels of |observed - q|: of one joint, and of the curve
  // averaged over the non-root joints (pooled: a joint's own ECE carries the
  // sampling noise of its count, ~0.01 at 1,000 poses).
  double ece(int joint) const;
  double ece() const;

 private:
  // hits_[j][i]: poses whose joint j lies inside its level-i region.
  std::array<std::array<int64_t, kLevels>, geometry::kNumJoints> hits_{};
  int64_t count_ = 0;
};

}  // namespace hpe3d::eval
