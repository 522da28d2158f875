#include "hpe3d/train/gradient_clip.h"

namespace hpe3d::train {

torch::Tensor gradient_clip_scale(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2));
  if (norms.empty()) return {};
  auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  return torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
}

void clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  auto scale = gradient_clip_scale(params, max_norm);
  if (!scale.defined()) return;
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().mul_(scale);
}

}  // namespace hpe3d::train
