#include "hpe3d/eval/evaluator.h"

#include <algorithm>
#include <cctype>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (fmt 11 moved it here)

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/h36m_actions.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/eval/evaluate_split.h"
#include "hpe3d/geometry/skeleton.h"
#include "hpe3d/models/pair.h"

namespace hpe3d::eval {
namespace {

// Which of n rows are examples: `count` of them, seeded, sorted; as a mask.
torch::Tensor example_mask(int64_t n, int count, uint64_t seed) {
  auto mask = torch::zeros({n}, torch::kBool);
  if (count <= 0 || n == 0) return mask;
  auto gen = at::detail::createCPUGenerator(seed);
  mask.index_fill_(0, torch::randperm(n, gen, torch::kLong).narrow(0, 0, std::min<int64_t>(count, n)), true);
  return mask;
}

// The pair to evaluate: it decodes pose3d from an input the model encodes.
models::Pair checked_pair(const TrainedModel& t, const std::string& name) {
  auto pair = models::parse_pair(name, "--pair");
  if (pair.to != models::Modality::kPose3d) core::fail("--pair", "must decode pose3d, got " + name);
  if (!t.model->predicts(pair.from, pair.to))
    core::fail("--pair", "the checkpoint's model has no " + models::modality_name(pair.from) + " encoder");
  return pair;
}

// The split without the (subject, action) pairs of `exclude` ("S11/Directions").
data::PoseSplit without(const data::PoseSplit& split, const std::vector<std::string>& exclude) {
  if (exclude.empty()) return split;
  auto keep = torch::ones({split.size()}, torch::kBool);
  for (const auto& item : exclude) {
    const auto slash = item.find('/');
    const std::string digits = slash == std::string::npos ? "" : item.substr(1, slash - 1);
    if (item.empty() || item[0] != 'S' || digits.empty() || digits.size() > 4 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char ch) { return std::isdigit(ch); }) ||
        slash + 1 == item.size())
      core::fail("--exclude", "expected S<subject>/<Action> (e.g. S11/Directions), got \"" + item + "\"");
    const int subject = std::stoi(digits);
    auto name = item.substr(slash + 1);
    if (auto h36m = data::parse_h36m_sequence_name(name)) name = h36m->action;  // TakingPhoto -> Photo
    const auto it = std::find(split.action_names.begin(), split.action_names.end(), name);
    if (it == split.action_names.end()) core::fail("--exclude", "the file has no action \"" + name + "\"");
    const auto action = static_cast<int64_t>(it - split.action_names.begin());
    keep &= (split.subject.cpu() != subject) | (split.action.cpu() != action);
  }
  const int64_t left_out = split.size() - keep.sum().item<int64_t>();
  core::logger("eval")->info("--exclude {}: {} of {} samples left out", fmt::format("{}", fmt::join(exclude, ",")),
                             left_out, split.size());
  auto kept = data::select_samples(split, keep);
  if (kept.size() == 0) core::fail("--exclude", "leaves no samples to evaluate");
  return kept;
}

}  // namespace

Evaluator::Evaluator(const EvalOptions& options, std::vector<std::string> action_names) : options_(options) {
  TORCH_CHECK(options.hypotheses >= 1, "Evaluator: hypotheses must be >= 1");
  report_.protocols = options.protocols;
  report_.action_names = std::move(action_names);
  report_.joints = options.joints;
  report_.hypotheses = options.hypotheses;
  for (auto p : options.protocols) {
    report_.deterministic[p];
    if (options.hypotheses > 1) {
      report_.best_of_k[p];
      report_.mean_of_k[p];
    }
  }
}

void Evaluator::add(const torch::Tensor& pred, const torch::Tensor& samples, const torch::Tensor& gt,
                    const torch::Tensor& actions, const torch::Tensor& subjects) {
  const MetricOptions metric{options_.joints};
  for (auto p : options_.protocols) {
    report_.deterministic[p].add(pose_errors(pred, gt, p, metric), actions, subjects);
    if (options_.hypotheses > 1) {
      TORCH_CHECK(samples.defined() && samples.dim() == 4 && samples.size(0) == options_.hypotheses,
                  "Evaluator::add: expected samples [K, B, 17, 3]");
      std::vector<torch::Tensor> per_k;
      for (int64_t k = 0; k < samples.size(0); ++k) per_k.push_back(pose_errors(samples[k], gt, p, metric));
      auto all = torch::stack(per_k);  // [K, B]
      report_.best_of_k[p].add(std::get<0>(all.min(0)), actions, subjects);
      report_.mean_of_k[p].add(all.mean(0), actions, subjects);
    }
  }
  if (options_.hypotheses > 1)
    report_.calibration.add(geometry::root_centre(samples.flatten(0, 1)).view(samples.sizes()), geometry::root_centre(gt));
}

void Evaluator::add_examples(const torch::Tensor& pred, const torch::Tensor& gt, const torch::Tensor& rows,
                             const torch::Tensor& images) {
  if (rows.numel() == 0) return;
  if (images.defined()) {
    auto crops = images.index_select(0, rows.to(images.device())).cpu();
    report_.example_images = report_.example_images.defined() ? torch::cat({report_.example_images, crops}) : crops;
  }
  auto p = geometry::root_centre(pred.index_select(0, rows).to(torch::kFloat32));
  auto g = geometry::root_centre(gt.index_select(0, rows).to(torch::kFloat32));
  report_.example_pred = report_.example_pred.defined() ? torch::cat({report_.example_pred, p}) : p;
  report_.example_gt = report_.example_gt.defined() ? torch::cat({report_.example_gt, g}) : g;
}

EvalReport evaluate_model(TrainedModel& t, const data::PoseSplit& split, const EvalOptions& options,
                          data::ImageBatches* images) {
  const auto pair = checked_pair(t, options.pair);
  if (pair.from == models::Modality::kRgb && images == nullptr)
    core::fail("--pair", options.pair + " needs the split's images");
  if (options.hypotheses > 1 && !t.model->has_encoder(pair.from))
    core::fail("--hypotheses", "the checkpoint's model (model.kind " + t.config.model.kind +
                                   ") has no latent to sample: one prediction per pose");
  Evaluator evaluator(options, split.action_names);
  torch::manual_seed(options.seed);
  const auto examples = example_mask(split.size(), options.examples, options.seed);
  const auto action = split.action.cpu(), subject = split.subject.cpu();
  auto visit = [&](const SplitBatch& batch) {
    const int64_t b = batch.pose3d.size(0);
    auto to_pose = [&](const torch::Tensor& decoded) {
      return geometry::add_root(t.norm3d.denormalize(decoded).view({b, data::kSplitJoints3d, 3})).cpu();
    };
    auto pred = to_pose(batch.prediction);
    torch::Tensor samples;
    if (options.hypotheses > 1) {
      std::vector<torch::Tensor> ks;
      for (int k = 0; k < options.hypotheses; ++k)
        ks.push_back(to_pose(t.model->decode(pair.to, t.model->reparameterize(batch.posterior, true))));
      samples = torch::stack(ks);
    }
    auto gt = geometry::add_root(batch.pose3d.cpu());
    evaluator.add(pred, samples, gt, action.index_select(0, batch.rows), subject.index_select(0, batch.rows));
    evaluator.add_examples(pred, gt, examples.index_select(0, batch.rows).nonzero().flatten(), batch.images);
  };
  const int64_t left_out = evaluate_split(t, split, images, {pair.from, options.batch_size, pair.to}, visit);
  if (left_out > 0)
    core::logger("eval")->warn("{} sample(s) left out, their image unreadable (missing: skip)", left_out);
  return evaluator.report();
}

EvalReport evaluate_prediction_file(const std::string& path, const EvalOptions& options) {
  if (options.hypotheses != 1) core::fail("--hypotheses", "a predictions file holds one prediction per pose");
  data::H5File f(path, data::H5File::Mode::kRead);
  auto check_poses = [&](const std::string& name) {
    auto shape = f.shape(name);
    if (shape.size() != 3 || shape[1] != geometry::kNumJoints || shape[2] != 3)
      core::fail(path + ": " + name, "expected shape (N, 17, 3)");
    if (shape[0] == 0) core::fail(path + ": " + name, "holds no poses");
    f.require_class(name, data::H5File::ValueClass::kFloat);
    auto t = f.read(name, torch::kFloat64);
    if (!torch::isfinite(t).all().item<bool>()) core::fail(path + ": " + name, "holds NaN or Inf values");
    if ((t.abs() >= 1e5).any().item<bool>())
      core::fail(path + ": " + name, "holds a coordinate beyond 1e5 mm (not a human pose)");
    return t;
  };
  auto pred = check_poses("/pred3d");
  auto gt = check_poses("/gt3d");
  if (pred.size(0) != gt.size(0))
    core::fail(path + ": /pred3d", std::to_string(pred.size(0)) + " poses but /gt3d has " + std::to_string(gt.size(0)));
  const int64_t n = pred.size(0);
  auto labels = [&](const std::string& name) {
    if (!f.exists(name)) return torch::zeros({n}, torch::kLong);
    auto shape = f.shape(name);
    if (shape != std::vector<int64_t>{n}) core::fail(path + ": " + name, "expected shape (" + std::to_string(n) + ")");
    f.require_class(name, data::H5File::ValueClass::kInteger);
    return f.read(name, torch::kInt64);
  };
  auto actions = labels("/action");
  auto subjects = labels("/subject");
  std::vector<std::string> names{"all"};
  if (f.exists("/action_names")) names = f.read_strings("/action_names");
  else if (f.exists("/action")) core::fail(path + ": /action_names", "dataset is missing (needed with /action)");
  if (n > 0 && (actions.min().item<int64_t>() < 0 || actions.max().item<int64_t>() >= static_cast<int64_t>(names.size())))
    core::fail(path + ": /action", "labels must index /action_names (" + std::to_string(names.size()) + " names)");
  Evaluator evaluator(options, names);
  const auto examples = example_mask(n, options.examples, options.seed);
  for (int64_t start = 0; start < n; start += options.batch_size) {
    const int64_t b = std::min(options.batch_size, n - start);
    evaluator.add(pred.narrow(0, start, b), {}, gt.narrow(0, start, b), actions.narrow(0, start, b),
                  subjects.narrow(0, start, b));
    evaluator.add_examples(pred.narrow(0, start, b), gt.narrow(0, start, b),
                           examples.narrow(0, start, b).nonzero().flatten());
  }
  return evaluator.report();
}

EvalReport run_evaluation(const EvalRequest& request) {
  if (request.checkpoint.empty() == request.predictions.empty())
    core::fail("h36m-eval", "give exactly one of --checkpoint FILE.pt and --predictions FILE.h5");
  if (!request.predictions.empty()) {
    if (!request.exclude.empty()) core::fail("--exclude", "selects samples of a pose file: use it with --checkpoint");
    return evaluate_prediction_file(request.predictions, request.options);
  }
  auto model = load_trained_model(request.checkpoint, request.device);
  const auto& c = model.config;
  data::SplitOptions split_options{request.subjects.empty() ? c.data.test_subjects : request.subjects,
                                   request.stride > 0 ? request.stride : c.data.test_stride, c.data.root_centre_2d,
                                   request.input_2d.empty() ? c.data.input_2d : request.input_2d};
  const std::string file = request.data.empty() ? c.data.file : request.data;
  auto split = without(data::load_split(file, split_options), request.exclude);
  std::unique_ptr<data::ImageBatches> images;
  if (checked_pair(model, request.options.pair).from == models::Modality::kRgb) {
    auto image_options = data::image_options(c);
    if (!request.image_root.empty()) image_options.root = request.image_root;
    if (!request.image_cache.empty()) image_options.cache = request.image_cache;
    split = data::require_images(split, file, image_options, "--image-root");
    images = std::make_unique<data::ImageBatches>(split, file, image_options);
  }
  return evaluate_model(model, split, request.options, images.get());
}

std::string format_report(const EvalReport& report, const std::string& format, bool per_subject) {
  if (format == "md") return to_markdown(report, per_subject);
  if (format == "csv") return to_csv(report, per_subject);
  if (format == "json") return to_json(report);
  core::fail("--format", "expected one of md|csv|json, got \"" + format + "\"");
}

}  // namespace hpe3d::eval
