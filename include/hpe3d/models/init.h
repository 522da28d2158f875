#pragma once
// Weight initialisation of the reference models. Draws from torch's global
// generator, so a model built after torch::manual_seed(s) is reproducible.
//   Conv2d / ConvTranspose2d: Kaiming normal (fan_out, ReLU), bias 0 (torchvision ResNet).
//   Linear: Kaiming normal (fan_in, ReLU gain) on the weight, PyTorch's default
//           bias (Martinez et al. PyTorch port: nn.init.kaiming_normal_(m.weight)).
//   BatchNorm: weight 1, bias 0.
// The posterior heads of an encoder are linear outputs, not ReLU inputs, and
// get their own rule (init_posterior_heads).
#include <torch/torch.h>

namespace hpe3d::models {

// Applies the rules above to `module` and all its descendants.
void init_weights(torch::nn::Module& module);

// q(z|x) starts near N(0, I): fc_mu gets PyTorch's default Linear init
// (uniform, bound 1/sqrt(fan_in)), fc_logvar a zero weight and bias (logvar
// = 0, unit variance; its gradient still reaches the weight). With Kaiming's
// ReLU gain on the heads, the demo encoder's logvar started with std 2.4
// (max 10.6) on the CMU data, and random logvar weights times trunk features
// that grow during training (while the KL weight is still ~0 in warm-up) gave
// a KL of ~3e4 per element in epoch 1; SGD at lr 0.01 diverged at step 7.
void init_posterior_heads(torch::nn::Linear& fc_mu, torch::nn::Linear& fc_logvar);

}  // namespace hpe3d::models
