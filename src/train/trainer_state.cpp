// The Trainer's state: which pairs an epoch trains, checkpoint I/O (the
// names of core/checkpoint_schema.h) and validation.
#include <algorithm>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/eval/error_accumulator.h"
#include "hpe3d/eval/evaluate_split.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/skeleton.h"
#include "trainer_state.h"

namespace hpe3d::train {

namespace schema = core::checkpoint_schema;
using models::Modality;

std::vector<size_t> Trainer::State::active_pairs(int64_t epoch) const {
  if (config.train.schedule == "per_epoch") return {static_cast<size_t>(epoch) % pairs.size()};
  std::vector<size_t> all(pairs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

bool Trainer::State::reads_rgb(const std::vector<size_t>& active) const {
  return std::any_of(active.begin(), active.end(), [&](size_t i) { return pairs[i].from == Modality::kRgb || pairs[i].to == Modality::kRgb; });
}

void Trainer::State::save() {
  if (dp) {  // rank 0's BatchNorm statistics in the checkpoint and on every rank
    dp->broadcast_buffers(*model);
    dp->check_replicas(*model, "after step " + std::to_string(progress.step));
  }
  core::CheckpointWriter w;
  const bool writes = run_dir->writes();
  if (dp) dp->save_generators(writes ? &w : nullptr);
  if (writes) {
    w.add_module(schema::kModel, *model);
    optimization->save(w);
    schema::write_counters(w, progress);
    schema::write_generator_states(w, device);
    w.add_tensor(schema::kNorm2dMean, data->norm2d().mean);
    w.add_tensor(schema::kNorm2dStd, data->norm2d().std);
    w.add_tensor(schema::kNorm3dMean, data->norm3d().mean);
    w.add_tensor(schema::kNorm3dStd, data->norm3d().std);
    w.add_string(schema::kConfig, core::to_yaml(config));
    run_dir->save_last(w);
  }
  if (dp) dp->group().barrier();  // no rank leaves before last.pt is complete
}

void Trainer::State::load() {
  core::CheckpointReader r(run_dir->last());
  progress = schema::read_counters(r);  // first: an older schema is refused before anything changes
  if (const auto by = r.written_by(); by != core::libtorch_version())
    log->info("{} was written by {}; this build uses {} (optimiser states are matched by position)",
              run_dir->last(), by.empty() ? "LibTorch 1.13" : by, core::libtorch_version());
  r.load_module(schema::kModel, *model);
  optimization->load(r);
  schema::restore_generator_states(r, device);
  if (dp) dp->restore_generators(r);
  data->set_normalizers({r.tensor(schema::kNorm2dMean), r.tensor(schema::kNorm2dStd)},
                        {r.tensor(schema::kNorm3dMean), r.tensor(schema::kNorm3dStd)});
}

// Protocol 1 MPJPE (mm, mean over actions) of the eval pair on the test split.
double Trainer::State::validate() {
  eval::TrainedModel view{config, model, data->norm2d(), data->norm3d(), device};
  const auto& test = data->test_split();
  eval::ErrorAccumulator acc;
  const int64_t left_out = eval::evaluate_split(
      view, test, data->test_images(), {eval_pair.from, config.eval.batch_size, eval_pair.to},
      [&](const eval::SplitBatch& b) {
        auto pred = data->norm3d().denormalize(b.prediction).view({b.pose3d.size(0), data::kSplitJoints3d, 3});
        auto rows = b.rows.to(test.action.device());
        acc.add(eval::pose_errors(geometry::add_root(pred), geometry::add_root(b.pose3d), eval::Protocol::kP1,
                                  {config.eval.joints}),
                test.action.index_select(0, rows), test.subject.index_select(0, rows));
      });
  if (left_out > 0)
    log->warn("validation: {} sample(s) left out, their image unreadable (data.images.missing: skip)", left_out);
  return acc.mean_over_actions();
}

}  // namespace hpe3d::train
