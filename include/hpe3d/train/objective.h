#pragma once
// What a training step minimises for one encoder->decoder pair. An objective
// computes losses only; it never calls backward or steps (train/optimization.h
// does, for all of them).
//   VaeObjective:        recon + beta * KL (DESIGN.md 1); without a KL term at
//                        all (not computed, not logged) when its weight is 0
//                        throughout (train.beta.max: 0)
//   VaeGanObjective:     VAE-GAN (train/vae_gan.h) on pairs whose target has a
//                        discriminator, with critic updates before each
//                        generator update; VaeObjective on the other pairs
//   RegressionObjective: MSE of the deterministic prediction (the regressor of
//                        model.kind martinez, or the decode of the posterior
//                        mean), no KL, no sampling: the deterministic baselines
#include <memory>
#include <string>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/batch_source.h"
#include "hpe3d/train/loss_terms.h"
#include "hpe3d/train/vae_gan.h"

namespace hpe3d::train {

class Objective {
 public:
  virtual ~Objective() = default;
  // Critic updates before each loss() of `pair` (0: none).
  virtual int critic_updates(models::CrossModalVAE& model, const models::Pair& pair) const;
  // The loss of one critic update; gradients reach the discriminator only.
  virtual LossTerms critic_loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch);
  // The loss of one update of the pair's encoder and decoder at KL weight `beta`.
  virtual LossTerms loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch,
                         double beta) = 0;
};

class VaeObjective : public Objective {
 public:
  VaeObjective(bool sample_latent, bool with_kl) : sample_latent_(sample_latent), with_kl_(with_kl) {}
  LossTerms loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch, double beta) override;

 private:
  bool sample_latent_;  // decode a sample of q(z|x) (false: its mean)
  bool with_kl_;        // false: the KL weight is 0 throughout, the KL is never computed
};

class VaeGanObjective : public Objective {
 public:
  VaeGanObjective(VaeGanOptions options, int critic_steps, bool with_kl);
  int critic_updates(models::CrossModalVAE& model, const models::Pair& pair) const override;
  LossTerms critic_loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch) override;
  LossTerms loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch, double beta) override;

 private:
  VaeGanOptions options_;
  int critic_steps_;
  VaeObjective vae_;  // pairs whose target has no discriminator
};

class RegressionObjective : public Objective {
 public:
  LossTerms loss(models::CrossModalVAE& model, const models::Pair& pair, const Batch& batch, double beta) override;
};

// train.objective: "vae" (VAE-GAN where the model has a discriminator) or
// "regression". Throws core::InputError naming the key otherwise.
std::unique_ptr<Objective> make_objective(const core::ExperimentConfig& config);

}  // namespace hpe3d::train
