#pragma once
// What an objective hands the optimisation seam for one update: the scalars
// to differentiate, each with the parameters it may train, and the detached
// values to log. Keeping the differentiation out of the objectives is what
// lets one seam (train/optimization.h) own backward, the gradient hook,
// clipping and the step for every kind of training.
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::train {

struct Gradient {
  torch::Tensor loss;                // scalar, with its graph
  std::vector<torch::Tensor> params; // the parameters it trains; empty: every leaf it reaches
};

struct LossTerms {
  // Differentiated in this order (VAE-GAN: the encoder's and the decoder's
  // objectives over one graph, each reaching only its own parameters).
  std::vector<Gradient> gradients;
  // ("recon", scalar), ...: detached; the trainer logs them as "<pair>/<name>".
  std::vector<std::pair<std::string, torch::Tensor>> logged;
};

}  // namespace hpe3d::train
