#pragma once
// The checks of an experiment config that need more than its own keys:
// modality names and pairs against the model's encoders and decoders, image
// size, the joints the pose pipeline feeds (data::check_split_shapes), the 2D
// input, the objective.
#include <string>

#include "hpe3d/core/experiment_config.h"

namespace hpe3d::train {

// Throws core::InputError "<source>: <key>: ..." (no prefix when `source` is
// empty). The Trainer runs them before reading any data.
void check_config(const core::ExperimentConfig& config, const std::string& source = "");

}  // namespace hpe3d::train
