#pragma once
// VAE-GAN steps (Larsen et al. 2015) for a pair whose target modality has a
// discriminator D. With Dis_l(x) the features of D's layer l:
//   encoder:        L_llike + beta * KL,  L_llike = |Dis_l(x~) - Dis_l(x)|^2
//   decoder:        gamma * L_llike + L_GAN(generator)
//   discriminator:  L_GAN on real x, x~ = Dec(z ~ q(z|x)) and x_p = Dec(z_p ~ N(0, I))
// The GAN error never reaches the encoder: the decoder's GAN term decodes a
// detached z, and encoder and decoder gradients come from separate objectives.
// Critics: "bce" (non-saturating, on logits) or "wgan_gp" (gradient penalty
// on interpolates of real and reconstructed samples).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/train/pair.h"

namespace hpe3d::train {

struct VaeGanOptions {
  std::string kind = "bce";  // bce | wgan_gp
  double gamma = 1.0;        // weight of L_llike against the GAN term for the decoder
  double gp_weight = 10.0;   // wgan_gp
  bool sample_latent = true; // x~ decodes a sample of q(z|x) (false: its mean)
};

struct VaeGanLosses {
  torch::Tensor llike, kl, generator, critic;  // scalars (critic undefined after a generator step)
};

// One critic update: D's gradients are set (others untouched) and `optimizer` steps.
VaeGanLosses critic_step(models::CrossModalVAE& model, const Pair& pair, const torch::Tensor& x_from,
                         const torch::Tensor& x_real, torch::optim::Optimizer& optimizer,
                         const VaeGanOptions& options);

// Gradients of one generator update, without stepping: encoder parameters get
// d(L_llike + beta KL), decoder parameters d(gamma L_llike + L_GAN). Returns
// the loss terms; the gradients are left in the parameters' .grad.
VaeGanLosses generator_gradients(models::CrossModalVAE& model, const Pair& pair,
                                 const torch::Tensor& x_from, const torch::Tensor& x_real, double beta,
                                 const VaeGanOptions& options);

}  // namespace hpe3d::train
