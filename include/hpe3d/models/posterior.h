#pragma once
// The output of every encoder: the diagonal Gaussian q(z|x).
#include <torch/torch.h>

namespace hpe3d::models {

struct Posterior {
  torch::Tensor mu;      // [B, Z]
  torch::Tensor logvar;  // [B, Z], log of the variance
};

}  // namespace hpe3d::models
