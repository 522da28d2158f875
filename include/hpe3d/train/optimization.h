#pragma once
// The one seam where training updates parameters. Every update of every
// objective (a VAE step, a VAE-GAN generator step, a critic step) runs
//   clear gradients -> backward -> gradient hook -> clip -> optimiser step
// here and nowhere else; the learning-rate schedule is applied here when a
// step begins (it is a function of the step and its epoch position). It owns
// the optimisers and mixed precision, so that data-parallel training (the
// gradient all-reduce is the hook), new objectives and LibTorch version
// differences (autocast, optimiser APIs) touch this file only.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/loss_terms.h"
#include "hpe3d/train/lr_schedule.h"

namespace hpe3d::train {

// Called once per update, after backward and before clipping, with the
// parameters the update's optimiser steps (gradients in .grad; undefined
// where backward reached none). A no-op unless set.
using GradientHook = std::function<void(const std::vector<torch::Tensor>& params)>;

struct OptimizationOptions {
  double grad_clip = 0.0;   // max L2 norm of a VAE update's gradients (0: off); the critic is not clipped
  bool amp = false;         // CUDA autocast to bfloat16 around each forward (not backward)
  LrScheduleOptions lr;     // the VAE optimisers' schedule; the critic keeps its learning rate
  double base_lr = 1e-3;
  bool fused_adam = true;   // Adam on the CPU in one pass per parameter (train/fused_adam.h); false: step()
};

// An optimiser of `kind` adam | adamw | sgd over `params`; any other kind is a
// core::InputError naming train.optimizer.kind (never a silent default).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const core::OptimizerConfig& config,
                                                        std::vector<torch::Tensor> params);

class Optimization {
 public:
  explicit Optimization(OptimizationOptions options);
  ~Optimization();

  // Optimisers, in checkpoint order. A VAE optimiser follows the LR schedule
  // and clipping; the critic optimiser (VAE-GAN) does neither.
  size_t add_vae_optimizer(std::unique_ptr<torch::optim::Optimizer> optimizer);
  size_t set_critic_optimizer(std::unique_ptr<torch::optim::Optimizer> optimizer);
  size_t critic() const;  // TORCH_CHECKs that there is one

  void set_gradient_hook(GradientHook hook) { hook_ = std::move(hook); }

  // Sets the scheduled learning rate of step `step` (0-based, steps done
  // before it) at fractional epoch `epoch` on every VAE optimiser.
  void begin_step(int64_t step, double epoch);
  // One update of optimiser `index`: clear its gradients, differentiate
  // `terms.gradients` in order, hook, clip, step. TORCH_CHECKs that no
  // autocast scope is active (see forward).
  void update(size_t index, const LossTerms& terms);
  // End of an epoch with its validation metric (plateau schedules).
  void end_epoch(double metric);
  double lr(int64_t step, double epoch) const;

  // The forward of one update: runs `loss` under CUDA autocast to bfloat16
  // when train.amp is on, else as it is. The scope ends, and its cache of
  // bf16 weight casts is cleared, before forward returns: backward and the
  // optimiser step run outside autocast (update() refuses to run inside it),
  // and each forward casts the weights afresh. One scope over a critic's
  // no-grad forward, its update and the generator's forward would hand the
  // generator casts without autograd history (encoder and decoder weights
  // without gradient) and critic weights from before its step.
  LossTerms forward(const std::function<LossTerms()>& loss) const;

  // Optimiser states (core/checkpoint_schema.h names) and the LR schedule's state.
  void save(core::CheckpointWriter& w) const;
  void load(core::CheckpointReader& r);

  // The steps' own parameters, for tests and the benchmark's bare loop.
  torch::optim::Optimizer& optimizer(size_t index) { return *optimizers_.at(index); }

 private:
  void step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params, double clip);

  OptimizationOptions options_;
  LrSchedule lr_;
  std::vector<std::unique_ptr<torch::optim::Optimizer>> optimizers_;
  size_t vae_count_ = 0;
  bool has_critic_ = false;
  GradientHook hook_;
};

// The optimisation a config asks for: one VAE optimiser over every encoder and
// decoder (train.optimizer.shared) or one per pair (its encoder and decoder),
// then the critic's Adam (train.gan.lr, betas 0.5/0.999) when the model has a
// discriminator. `pair_optimizer[i]`: the index pair i updates with.
struct TrainingOptimization {
  std::unique_ptr<Optimization> optimization;
  std::vector<size_t> pair_optimizer;
};
TrainingOptimization make_training_optimization(const core::ExperimentConfig& config, models::CrossModalVAE& model,
                                                const std::vector<models::Pair>& pairs);

}  // namespace hpe3d::train
