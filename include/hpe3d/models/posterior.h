#pragma once
// The output of every encoder: the diagonal Gaussian q(z|x).
#include <torch/torch.h>

namespace hpe3d::models {

// CrossModalVAE::encode clamps every log-variance to at most this (as the
// thesis code does): exp(30) is ~1e13, so the KL and a reparameterised sample
// stay finite in float32 even when a head runs away.
inline constexpr double kMaxLogvar = 30.0;

struct Posterior {
  torch::Tensor mu;      // [B, Z]
  torch::Tensor logvar;  // [B, Z], log of the variance
};

}  // namespace hpe3d::models
