#pragma once
// Per-feature mean/std normalisation. Statistics come from the training split
// only and are stored in the checkpoint, so evaluation uses exactly them.
#include <torch/torch.h>

namespace hpe3d::data {

struct Normalizer {
  torch::Tensor mean;  // [F]
  torch::Tensor std;   // [F], clamped to >= min_std

  // x: [N, ...] -> statistics over N of the flattened features.
  static Normalizer fit(const torch::Tensor& x, double min_std = 1e-4);

  // [B, ...] -> [B, F] normalised / [B, F] -> [B, F] in the original units.
  torch::Tensor normalize(const torch::Tensor& x) const;
  torch::Tensor denormalize(const torch::Tensor& x) const;

  Normalizer to(const torch::Device& device) const;
};

}  // namespace hpe3d::data
