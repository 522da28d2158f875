// h36m-eval: Human3.6M benchmark tables (Protocols 1-3, per action) for a
// checkpoint or for any method's predictions.
#include <iostream>

#include <CLI/CLI.hpp>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/cli.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/tool_main.h"
#include "hpe3d/eval/evaluator.h"
#include "hpe3d/eval/prediction_figure.h"

int main(int argc, char** argv) {
  using namespace hpe3d;
  CLI::App app{"h36m-eval: Protocol 1/2/3 tables per action"};
  eval::EvalRequest request;
  std::string protocols = "1,2,3", format = "md", out, figure;
  bool per_subject = false;
  app.add_option("--checkpoint", request.checkpoint, "checkpoint from h36m-train (RUN_DIR/checkpoints/best.pt)");
  app.add_option("--predictions", request.predictions, "predictions file: /pred3d, /gt3d (N,17,3) mm, ...");
  app.add_option("--data", request.data, "pose file (default: the checkpoint's data.file)");
  app.add_option("--subjects", request.subjects, "subjects (default: the checkpoint's test subjects)")->delimiter(',');
  app.add_option("--stride", request.stride, "every N-th frame (default: the checkpoint's data.test_stride)");
  app.add_option("--input-2d", request.input_2d, "2D input: gt or det/<name> (default: the checkpoint's data.input_2d)");
  app.add_option("--image-root", request.image_root, "rgb pairs: image root (default: the checkpoint's data.images.root)");
  app.add_option("--image-cache", request.image_cache, "rgb pairs: crop cache (default: the checkpoint's data.images.cache)");
  app.add_option("--exclude", request.exclude, "leave out S<k>/<Action> (e.g. S11/Directions; repeatable, or comma-separated)")
      ->delimiter(',');
  app.add_option("--protocols", protocols, "protocols among 1,2,3");
  app.add_option("--joints", request.options.joints, "17 (root in the mean) or 16")->check(CLI::IsMember({16, 17}));
  app.add_option("--hypotheses", request.options.hypotheses, "K samples of z: best-of-K and mean-of-K")
      ->check(core::positive_integer());
  app.add_option("--seed", request.options.seed, "sampling seed");
  app.add_option("--pair", request.options.pair, "encoder->decoder pair to evaluate");
  app.add_option("--device", request.device, "auto | cpu | cuda (default: the checkpoint's runtime.device)");
  app.add_option("--format", format, "md | csv | json");
  app.add_flag("--per-subject", per_subject, "add per-subject rows (md, csv)");
  app.add_option("--out", out, "write the table here instead of stdout");
  app.add_option("--figure", figure, "PNG grid of 25 random test predictions over their ground truth (seeded)");
  if (auto rc = core::parse_cli(app, argc, argv)) return *rc;

  return core::run_tool("h36m-eval", [&] {
    request.options.protocols = eval::parse_protocols(protocols, "--protocols");
    if (!figure.empty()) request.options.examples = 25;
    auto report = eval::run_evaluation(request);
    if (!figure.empty())
      eval::write_prediction_figure(figure, report.example_pred, report.example_gt, {}, report.example_images);
    auto text = eval::format_report(report, format, per_subject);
    if (out.empty()) {
      std::cout << text;
      return 0;
    }
    core::write_file_atomically(out, text);
    return 0;
  });
}
