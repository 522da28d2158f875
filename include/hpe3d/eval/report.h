#pragma once
// Benchmark tables: per action (and optionally per subject), columns per
// protocol in mm, then "Average (over actions)" (the Human3.6M convention) and
// "Average (over frames)". With K > 1 hypotheses, best-of-K and mean-of-K
// results accompany the deterministic ones, and the hypotheses' calibration
// (eval/calibration.h). Markdown, CSV and JSON (layout in
// docs/evaluation.md).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hpe3d/eval/calibration.h"
#include "hpe3d/eval/error_accumulator.h"
#include "hpe3d/eval/metrics.h"

namespace hpe3d::eval {

struct EvalReport {
  std::vector<Protocol> protocols;
  std::vector<std::string> action_names;  // indexed by the action labels
  int joints = 17;
  int hypotheses = 1;
  // Per protocol: the deterministic prediction (posterior mean, or the given
  // predictions), and with K > 1 the best and the mean over K samples.
  std::map<Protocol, ErrorAccumulator> deterministic, best_of_k, mean_of_k;
  CalibrationAccumulator calibration;  // K > 1: where the ground truth lies among the K samples
  // EvalOptions::examples random poses: deterministic prediction and ground
  // truth, [M, 17, 3] mm, root-centred (undefined when none were asked for).
  torch::Tensor example_pred, example_gt;
  torch::Tensor example_images;  // [M, 3, S, S] uint8 input crops (rgb pairs), else undefined
  int64_t frames() const;
};

std::string to_markdown(const EvalReport& report, bool per_subject = false);
std::string to_csv(const EvalReport& report, bool per_subject = false);
std::string to_json(const EvalReport& report);

}  // namespace hpe3d::eval
