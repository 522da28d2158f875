#pragma once
// A trained model as inference needs it, read from an h36m-train checkpoint:
// the resolved config, the network, and the training split's normalisation
// statistics, under the entry names of core/checkpoint_schema.h (which the
// trainer writes with); tests/eval/evaluator_test.cpp loads a real trainer
// checkpoint to keep the two in step.
#include <string>

#include <torch/torch.h>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/data/normalizer.h"
#include "hpe3d/models/cross_modal_vae.h"

namespace hpe3d::eval {

struct TrainedModel {
  core::ExperimentConfig config;
  models::CrossModalVAE model{nullptr};
  data::Normalizer norm2d;  // [17*2] px (after root-centring when the config asks for it)
  data::Normalizer norm3d;  // [16*3] mm, root-relative
  torch::Device device{torch::kCPU};

  // Normalised encoder input of a modality: pose2d [B, 17, 2] (as the split
  // holds it) -> [B, model.joints_2d*2], pose3d [B, 16, 3] -> [B, 48]; rgb: images uint8 [B, 3, S, S]
  // -> ImageNet-normalised float.
  torch::Tensor input(models::Modality modality, const torch::Tensor& pose2d, const torch::Tensor& pose3d,
                      const torch::Tensor& images = {}) const;
};

// Throws core::InputError naming the file for a missing, foreign or
// mismatching checkpoint. The model is put in eval mode on `device` (auto,
// cpu, cuda; "": the checkpoint's runtime.device).
TrainedModel load_trained_model(const std::string& path, const std::string& device = "");

}  // namespace hpe3d::eval
