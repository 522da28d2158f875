#include "hpe3d/train/check_config.h"

#include <algorithm>

#include "hpe3d/core/error.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/models/pair.h"
#include "hpe3d/train/objective.h"

namespace hpe3d::train {
namespace {

// Floats of the pose MLPs and a pose discriminator (weights; the heads and
// biases are small next to the hidden x hidden layers).
double pose_network_floats(const core::ModelConfig& m) {
  const double h = static_cast<double>(m.pose.hidden);
  const double per_net = 2.0 * static_cast<double>(m.pose.blocks) * h * h + h * (3.0 * 17 + 2.0 * m.latent_dim + 2);
  double nets = 0;
  for (const auto* list : {&m.encoders, &m.decoders})
    for (const auto& name : *list) nets += name == "rgb" ? 0 : 1;
  double floats = nets * per_net;
  if (m.discriminator.enabled && m.discriminator.modality != "rgb")
    floats += static_cast<double>(m.discriminator.layers) * static_cast<double>(m.discriminator.hidden) *
              static_cast<double>(m.discriminator.hidden);
  return floats;
}

// Train and test subjects: both given, and disjoint unless data.allow_overlap.
void check_subjects(const core::DataConfig& d) {
  if (d.train_subjects.empty())
    core::fail("data.train_subjects", "is empty: list the training subjects (an empty list would train on every "
                                      "subject, the test subjects included)");
  if (d.test_subjects.empty()) core::fail("data.test_subjects", "is empty: list the validation/test subjects");
  if (d.allow_overlap) return;
  for (int s : d.test_subjects)
    if (std::find(d.train_subjects.begin(), d.train_subjects.end(), s) != d.train_subjects.end())
      core::fail("data.test_subjects", "subject " + std::to_string(s) +
                                           " is also a training subject (test leakage; set data.allow_overlap: true "
                                           "to allow it)");
}

// The run directory is runs/<name> (a sweep's: <output>/<name>_<i>): a name
// with a path separator or ".." would write outside it.
void check_name(const std::string& name) {
  const bool plain = !name.empty() && name.size() <= 200 && name != "." && name != ".." &&
                     name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                         std::string::npos;
  if (!plain)
    core::fail("name", "must be a plain directory name (letters, digits, '.', '_', '-'; no path separators), got " +
                           core::quote(name));
}

}  // namespace

void check_config(const core::ExperimentConfig& c, const std::string& source) {
  using models::Modality;
  try {
    models::check_model_config(c.model);
    // Parameters, gradients and two Adam moments, float32.
    core::check_allocation("model.pose.hidden", pose_network_floats(c.model) * 4 * 4,
                           "a pose model of hidden width " + std::to_string(c.model.pose.hidden));
    check_subjects(c.data);
    check_name(c.name);
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
