#include "hpe3d/train/gradient_clip.h"

namespace hpe3d::train {

void clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  for (const auto& g : grads) norms.push_back(g.norm(2));
  auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  auto scale = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(scale);
}

}  // namespace hpe3d::train
