#include "hpe3d/data/normalizer.h"

namespace hpe3d::data {

Normalizer Normalizer::fit(const torch::Tensor& x, double min_std) {
  TORCH_CHECK(x.dim() >= 2 && x.size(0) > 1, "Normalizer::fit: need [N > 1, ...], got ", x.sizes());
  auto flat = x.flatten(1).to(torch::kFloat64);
  return {flat.mean(0).to(x.scalar_type()),
          flat.std(0).clamp_min(min_std).to(x.scalar_type())};
}

torch::Tensor Normalizer::normalize(const torch::Tensor& x) const {
  auto flat = x.flatten(1);
  TORCH_CHECK(flat.size(1) == mean.size(0), "Normalizer: ", flat.size(1), " features, statistics for ",
              mean.size(0));
  return (flat - mean) / std;
}

torch::Tensor Normalizer::denormalize(const torch::Tensor& x) const {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == mean.size(0), "Normalizer: expected [B, ", mean.size(0),
              "], got ", x.sizes());
  return x * std + mean;
}

Normalizer Normalizer::to(const torch::Device& device) const {
  return {mean.to(device), std.to(device)};
}

}  // namespace hpe3d::data
