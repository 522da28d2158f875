#pragma once
// Protocol 1/2/3 evaluation of a trained model on a split, or of any method's
// predictions from a file, into an EvalReport. Batched, without gradients; a
// VAE can be scored with K samples of z (best-of-K and mean-of-K besides the
// deterministic posterior-mean prediction), seeded.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/eval/report.h"
#include "hpe3d/eval/trained_model.h"

namespace hpe3d::eval {

struct EvalOptions {
  std::vector<Protocol> protocols{Protocol::kP1, Protocol::kP2, Protocol::kP3};
  int joints = 17;        // 17: root (zero) in the denominator; 16: left out
  int hypotheses = 1;     // K samples of z per pose (1: the posterior mean only)
  uint64_t seed = 0;      // sampling seed
  int64_t batch_size = 65536;
  std::string pair = "pose2d->pose3d";
  int examples = 0;       // random poses (seeded) whose prediction the report keeps, for figures
};

// Accumulates batches of predictions into a report.
class Evaluator {
 public:
  Evaluator(const EvalOptions& options, std::vector<std::string> action_names);
  // pred, gt: [B, 17, 3] mm; samples: [K, B, 17, 3] (K > 1) or undefined;
  // actions, subjects: [B].
  void add(const torch::Tensor& pred, const torch::Tensor& samples, const torch::Tensor& gt,
           const torch::Tensor& actions, const torch::Tensor& subjects);
  // Keeps rows `rows` (sorted, indices into the batch) of a batch as examples;
  // images: the batch's input crops [B, 3, S, S] (rgb pairs) or undefined.
  void add_examples(const torch::Tensor& pred, const torch::Tensor& gt, const torch::Tensor& rows,
                    const torch::Tensor& images = {});
  const EvalReport& report() const { return report_; }

 private:
  EvalOptions options_;
  EvalReport report_;
};

// `images`: the split's crops, needed when the pair encodes rgb.
EvalReport evaluate_model(TrainedModel& model, const data::PoseSplit& split, const EvalOptions& options,
                          data::ImageBatches* images = nullptr);

// Scores a predictions file: /pred3d and /gt3d float (N, 17, 3) mm (root not
// removed: both are root-centred here), optional /action (N) + /action_names,
// optional /subject (N). Throws core::InputError naming file and dataset.
EvalReport evaluate_prediction_file(const std::string& path, const EvalOptions& options);

// What h36m-eval asks for: a checkpoint (with its config's data and test
// subjects unless given) or a predictions file.
struct EvalRequest {
  std::string checkpoint;     // .pt from h36m-train
  std::string predictions;    // or an .h5 of predictions
  std::string data;           // pose file; default: the checkpoint's data.file
  std::vector<int> subjects;  // default: the checkpoint's data.test_subjects
  int stride = 0;             // 0: the checkpoint's data.test_stride
  std::string input_2d;       // "gt" | "det/<name>"; default: the checkpoint's data.input_2d
  std::string image_root;     // rgb pairs: default the checkpoint's data.images.root
  std::string image_cache;    // rgb pairs: default the checkpoint's data.images.cache
  std::string device;  // "": the checkpoint's runtime.device
  std::vector<std::string> exclude;  // "S11/Directions": leave a subject's action out (all its subactions)
  EvalOptions options;
};

EvalReport run_evaluation(const EvalRequest& request);

// "md" | "csv" | "json"; throws core::InputError naming --format otherwise.
std::string format_report(const EvalReport& report, const std::string& format, bool per_subject);

}  // namespace hpe3d::eval
