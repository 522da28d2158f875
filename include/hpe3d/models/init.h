#pragma once
// Weight initialisation of the reference models. Draws from torch's global
// generator, so a model built after torch::manual_seed(s) is reproducible.
//   Conv2d / ConvTranspose2d: Kaiming normal (fan_out, ReLU), bias 0 (torchvision ResNet).
//   Linear: Kaiming normal (fan_in, ReLU gain) on the weight, PyTorch's default
//           bias (Martinez et al. PyTorch port: nn.init.kaiming_normal_(m.weight)).
//   BatchNorm: weight 1, bias 0.
#include <torch/torch.h>

namespace hpe3d::models {

// Applies the rules above to `module` and all its descendants.
void init_weights(torch::nn::Module& module);

}  // namespace hpe3d::models
