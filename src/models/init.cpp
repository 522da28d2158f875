#include "hpe3d/models/init.h"

namespace hpe3d::models {

namespace nn = torch::nn;

void init_weights(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    if (auto* conv = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (conv->bias.defined()) nn::init::zeros_(conv->bias);
    } else if (auto* deconv = m->as<nn::ConvTranspose2d>()) {
      nn::init::kaiming_normal_(deconv->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (deconv->bias.defined()) nn::init::zeros_(deconv->bias);
    } else if (auto* linear = m->as<nn::Linear>()) {
      nn::init::kaiming_normal_(linear->weight, 0.0, torch::kFanIn, torch::kReLU);
    } else if (auto* bn1 = m->as<nn::BatchNorm1d>()) {
      if (bn1->weight.defined()) nn::init::ones_(bn1->weight);
      if (bn1->bias.defined()) nn::init::zeros_(bn1->bias);
    } else if (auto* bn2 = m->as<nn::BatchNorm2d>()) {
      if (bn2->weight.defined()) nn::init::ones_(bn2->weight);
      if (bn2->bias.defined()) nn::init::zeros_(bn2->bias);
    }
  }
}

void init_posterior_heads(nn::Linear& fc_mu, nn::Linear& fc_logvar) {
  torch::NoGradGuard no_grad;
  fc_mu->reset_parameters();
  nn::init::zeros_(fc_logvar->weight);
  nn::init::zeros_(fc_logvar->bias);
}

}  // namespace hpe3d::models
