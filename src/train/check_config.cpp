#include "hpe3d/train/check_config.h"

#include <algorithm>

#include "hpe3d/core/error.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/objective.h"

namespace hpe3d::train {

void check_config(const core::ExperimentConfig& c, const std::string& source) {
  using models::Modality;
  try {
    models::check_model_config(c.model);
    auto require = [](const std::vector<std::string>& list, Modality m, const std::string& pair, const char* key,
                      const char* where) {
      if (std::find(list.begin(), list.end(), models::modality_name(m)) == list.end())
        core::fail(where, pair + " needs " + models::modality_name(m) + " in " + key);
    };
    for (const auto& p : models::parse_pairs(c.train.pairs, "train.pairs")) {
      require(c.model.encoders, p.from, p.name(), "model.encoders", "train.pairs");
      require(c.model.decoders, p.to, p.name(), "model.decoders", "train.pairs");
    }
    const auto eval_pair = models::parse_pair(c.eval.pair, "eval.pair");
    require(c.model.encoders, eval_pair.from, c.eval.pair, "model.encoders", "eval.pair");
    if (eval_pair.to != Modality::kPose3d) core::fail("eval.pair", "must decode pose3d, got " + c.eval.pair);
    data::check_split_shapes(c.model);
    data::pose2d_dataset(c.data.input_2d);
    make_objective(c);
  } catch (const core::InputError& e) {
    if (source.empty()) throw;
    core::fail(source, e.what());
  }
}

}  // namespace hpe3d::train
