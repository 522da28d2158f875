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
#include "hpe3d/models/pair.h"

namespace hpe3d::train {

struct VaeGanOptions {
  std::string kind = "bce";  // bce | wgan_gp
  double gamma = 1.0;        // weight of L_llike against the GAN term for the decoder
  double gp_weight = 10.0;   // wgan_gp
  bool sample_latent = true; // x~ decodes a sample of q(z|x) (false: its mean)
};

// The loss of one critic update: D judges x_real (real), x~ = Dec(z ~ q(z|x))
// and x_p = Dec(z_p ~ N(0, I)), both decoded without gradients, so that its
// graph reaches D's parameters only. x_from: the encoder input [B, ...];
// x_real: the decoder target [B, ...]. -> scalar.
torch::Tensor critic_loss(models::CrossModalVAE& model, const models::Pair& pair, const torch::Tensor& x_from,
                          const torch::Tensor& x_real, const VaeGanOptions& options);

// One generator update's objectives over one graph: the optimisation seam
// differentiates the first for the encoder's parameters and the second for
// the decoder's, so the GAN error never reaches the encoder.
struct GeneratorLosses {
  torch::Tensor encoder_objective;  // L_llike + beta * KL (with its graph)
  torch::Tensor decoder_objective;  // gamma * L_llike + L_GAN (with its graph)
  torch::Tensor llike, kl, generator;  // detached scalars, for the log
};

GeneratorLosses generator_losses(models::CrossModalVAE& model, const models::Pair& pair, const torch::Tensor& x_from,
                                 const torch::Tensor& x_real, double beta, const VaeGanOptions& options);

}  // namespace hpe3d::train
