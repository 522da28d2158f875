#include "hpe3d/eval/evaluator.h"
#include "hpe3d/geometry/skeleton.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/train/trainer.h"
#include "test_util.h"

namespace hpe3d::eval {
namespace {

// Predictions file with poses written by the test.
std::string write_predictions(const std::string& path, const torch::Tensor& pred, const torch::Tensor& gt,
                              const torch::Tensor& actions = {}, const std::vector<std::string>& names = {}) {
  data::H5File f(path, data::H5File::Mode::kCreate);
  f.write("/pred3d", pred.to(torch::kFloat32));
  f.write("/gt3d", gt.to(torch::kFloat32));
  if (actions.defined()) {
    f.write("/action", actions.to(torch::kInt32));
    f.write_strings("/action_names", names);
  }
  f.write("/subject", torch::full({pred.size(0)}, 9, torch::kInt32));
  return path;
}

// A small 2D->3D lifting experiment on `file` (subject 1 trains, 9 tests).
TEST(Evaluator, PredictionsGoldenValuesAndMeans) {
  auto dir = test::temp_dir("eval_golden");
  // Three poses: action 0 has two poses with one joint 17 mm off (1 mm
  // MPJPE), action 1 one pose with every non-root joint 34 mm off (32 mm).
  auto gt = torch::zeros({3, 17, 3});
  auto pred = gt.clone();
  pred[0][4][0] = 17;
  pred[1][9][2] = -17;
  pred.select(0, 2).narrow(0, 1, 16).select(1, 1).fill_(34);
  auto path = write_predictions(dir + "/p.h5", pred, gt, torch::tensor({0, 0, 1}), {"Walk", "Sit"});
  EvalOptions o;
  o.protocols = {Protocol::kP1};
  auto r = evaluate_prediction_file(path, o);
  const auto& p1 = r.deterministic.at(Protocol::kP1);
  EXPECT_NEAR(p1.per_action().at(0), 1.0, 1e-6);
  EXPECT_NEAR(p1.per_action().at(1), 32.0, 1e-5);
  EXPECT_NEAR(p1.mean_over_actions(), (1.0 + 32.0) / 2, 1e-5);
  EXPECT_NEAR(p1.mean_over_frames(), (1.0 + 1.0 + 32.0) / 3, 1e-5);
  o.joints = 16;
  EXPECT_NEAR(evaluate_prediction_file(path, o).deterministic.at(Protocol::kP1).per_action().at(1), 34.0, 1e-5);

  auto json = nlohmann::json::parse(to_json(r));
  EXPECT_NEAR(json["protocols"]["p1"]["per_action"]["Sit"].get<double>(), 32.0, 1e-5);
  EXPECT_EQ(json["frames"], 3);
  EXPECT_EQ(json["joints"], 17);
  auto md = to_markdown(r);
  EXPECT_NE(md.find("| Walk | 1.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| **Average (over actions)** | 16.5 |"), std::string::npos) << md;
  EXPECT_NE(to_csv(r).find("Average (over frames),11.3333"), std::string::npos) << to_csv(r);
}

TEST(Evaluator, AlignedAndScaledCopies) {
  auto dir = test::temp_dir("eval_aligned");
  torch::manual_seed(1);
  auto gt = torch::randn({20, 17, 3}) * 300;
  const double c = std::cos(1.1), s = std::sin(1.1);
  auto rot = torch::tensor({{c, 0.0, s}, {0.0, 1.0, 0.0}, {-s, 0.0, c}}).to(torch::kFloat32);
  auto similar = 0.8 * torch::matmul(gt, rot) + torch::tensor({100.0f, 50.0f, 4000.0f});
  auto r = evaluate_prediction_file(write_predictions(dir + "/a.h5", similar, gt), {});
  EXPECT_LT(r.deterministic.at(Protocol::kP2).mean_over_frames(), 1e-2);
  EXPECT_GT(r.deterministic.at(Protocol::kP1).mean_over_frames(), 50.0);
  auto scaled = 1.25 * gt + 30.0;
  r = evaluate_prediction_file(write_predictions(dir + "/s.h5", scaled, gt), {});
  EXPECT_LT(r.deterministic.at(Protocol::kP3).mean_over_frames(), 1e-2);
}

TEST(Evaluator, BestOfKIsTheFrameWiseMinimum) {
  torch::manual_seed(2);
  auto gt = torch::randn({50, 17, 3}) * 300;
  auto samples = gt.unsqueeze(0) + torch::randn({5, 50, 17, 3}) * 40;
  EvalOptions o;
  o.hypotheses = 5;
  o.protocols = {Protocol::kP1, Protocol::kP2};
  Evaluator e(o, {"A"});
  auto zeros = torch::zeros({50}, torch::kLong);
  e.add(samples[0], samples, gt, zeros, zeros);
  for (auto p : o.protocols) {
    const double best = e.report().best_of_k.at(p).mean_over_frames();
    std::vector<double> singles;
    for (int k = 0; k < 5; ++k) singles.push_back(pose_errors(samples[k], gt, p).mean().item<double>());
    auto frame_min = std::get<0>(torch::stack({pose_errors(samples[0], gt, p), pose_errors(samples[1], gt, p),
                                               pose_errors(samples[2], gt, p), pose_errors(samples[3], gt, p),
                                               pose_errors(samples[4], gt, p)})
                                     .min(0));
    EXPECT_NEAR(best, frame_min.mean().item<double>(), 1e-4);
    for (double v : singles) EXPECT_LE(best, v + 1e-9);
    double mean = 0;
    for (double v : singles) mean += v / 5;
    EXPECT_NEAR(e.report().mean_of_k.at(p).mean_over_frames(), mean, 1e-4);
  }
}

TEST(Evaluator, BadPredictionFilesAreOneLineErrors) {
  auto dir = test::temp_dir("eval_bad");
  auto gt = torch::zeros({4, 17, 3});
  auto expect = [&](const std::string& path, const std::string& message) {
    std::string out;
    int rc = test::run_command(test::tool_path("h36m-eval") + " --predictions " + path, &out);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find(message), std::string::npos) << out;
  };
  expect(write_predictions(dir + "/short.h5", torch::zeros({3, 17, 3}), gt), "short.h5: /pred3d: 3 poses but /gt3d has 4");
  expect(write_predictions(dir + "/shape.h5", torch::zeros({4, 16, 3}), torch::zeros({4, 16, 3})),
         "shape.h5: /pred3d: expected shape (N, 17, 3)");
  auto nan = gt.clone();
  nan[1][1][1] = NAN;
  expect(write_predictions(dir + "/nan.h5", nan, gt), "nan.h5: /pred3d: holds NaN or Inf values");
  expect(write_predictions(dir + "/act.h5", gt, gt, torch::tensor({0, 1, 2, 3}), {"A", "B"}),
         "act.h5: /action: labels must index /action_names (2 names)");
  expect(dir + "/none.h5", "none.h5: no such file");
}

// A real trainer checkpoint: h36m-eval reproduces the validation MPJPE, and
// K = 1 equals the deterministic result.
TEST(Evaluator, CheckpointEvaluationMatchesValidation) {
  auto dir = test::temp_dir("eval_checkpoint");
  test::write_synthetic(dir + "/s.h5", 2000);
  auto result = train::Trainer(test::small_lifting(dir + "/s.h5", 2), {dir + "/run", false, -1}).run();
  EvalRequest request;
  request.checkpoint = dir + "/run/checkpoints/best.pt";
  request.options.protocols = {Protocol::kP1};
  auto r = run_evaluation(request);
  EXPECT_NEAR(r.deterministic.at(Protocol::kP1).mean_over_actions(), result.best_val_mpjpe, 1e-3);
  EXPECT_EQ(r.frames(), 1000 * 4);
  // --exclude S9/<action> leaves exactly that subject's action out: a copy of
  // the file whose odd frames are a second action "Other".
  {
    auto data = data::read_pose_file(dir + "/s.h5");
    data.action = data.action.clone();
    data.action.index_put_({data.frame.remainder(2) == 1}, 1);
    auto names = data.action_names;
    names.push_back("Other");
    {
      data::PoseFileWriter w(dir + "/two_actions.h5", "test", names, data.cameras);
      w.append(data);
      w.finish();
    }
    auto excluding = request;
    excluding.data = dir + "/two_actions.h5";
    EXPECT_EQ(run_evaluation(excluding).frames(), 1000 * 4);
    excluding.exclude = {"S9/Other"};
    auto rest = run_evaluation(excluding);
    EXPECT_EQ(rest.frames(), 500 * 4);
    EXPECT_EQ(rest.deterministic.at(Protocol::kP1).per_action().count(1), 0u);
    excluding.exclude = {"S1/Other"};  // not a test subject: nothing changes
    EXPECT_EQ(run_evaluation(excluding).frames(), 1000 * 4);
    for (const char* bad : {"S9/NoSuchAction", "S9x/Other", "9/Other", "S9/", "S/Other"}) {
      excluding.exclude = {bad};
      EXPECT_THROW(run_evaluation(excluding), core::InputError) << bad;
    }
    excluding.exclude = {"S9/Other", "S9/" + names[0]};
    EXPECT_THROW(run_evaluation(excluding), core::InputError);  // nothing left
  }
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-eval") + " --checkpoint " + request.checkpoint +
                                 " --data " + dir + "/missing.h5",
                             &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("missing.h5: no such file"), std::string::npos) << out;
  rc = test::run_command(test::tool_path("h36m-eval") + " --checkpoint " + request.checkpoint + " --format xml", &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("--format: expected one of md|csv|json"), std::string::npos) << out;

  // Examples for the figure: 25 seeded poses whose prediction errors are the model's.
  request.options.examples = 25;
  auto with_examples = run_evaluation(request);
  ASSERT_TRUE(with_examples.example_pred.defined());
  ASSERT_EQ(with_examples.example_pred.size(0), 25);
  EXPECT_NEAR(with_examples.deterministic.at(Protocol::kP1).mean_over_frames(),
              r.deterministic.at(Protocol::kP1).mean_over_frames(), 1e-9);
  auto example_errors = pose_errors(with_examples.example_pred, with_examples.example_gt, Protocol::kP1);
  EXPECT_GT(example_errors.min().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(run_evaluation(request).example_gt, with_examples.example_gt)) << "seeded";
  rc = test::run_command(test::tool_path("h36m-eval") + " --checkpoint " + request.checkpoint + " --figure " + dir +
                             "/grid.png",
                         &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(std::filesystem::exists(dir + "/grid.png"));
}

// K > 1 samples of z from a real checkpoint: best-of-K and mean-of-K per
// protocol, recomputed here from the model itself; the deterministic result
// does not depend on K or the seed; seeded runs repeat, other seeds differ.
TEST(Evaluator, HypothesesGiveBestAndMeanOfKSeeded) {
  auto dir = test::temp_dir("eval_hypotheses");
  test::write_synthetic(dir + "/s.h5", 1000);
  train::Trainer(test::small_lifting(dir + "/s.h5", 2), {dir + "/run", false, -1}).run();
  const std::vector<Protocol> all{Protocol::kP1, Protocol::kP2, Protocol::kP3};
  EvalRequest request;
  request.checkpoint = dir + "/run/checkpoints/best.pt";
  request.options.protocols = all;
  request.device = "cpu";  // the recomputation below draws z on the CPU
  const auto k1 = run_evaluation(request);
  request.options.hypotheses = 5;
  request.options.seed = 11;
  const auto k5 = run_evaluation(request);
  const auto again = run_evaluation(request);
  request.options.seed = 12;
  const auto other_seed = run_evaluation(request);

  ASSERT_EQ(k1.frames(), 2000);
  EXPECT_TRUE(k1.best_of_k.empty());
  EXPECT_TRUE(k1.mean_of_k.empty());
  EXPECT_EQ(k5.hypotheses, 5);
  auto k1_json = nlohmann::json::parse(to_json(k1)), k5_json = nlohmann::json::parse(to_json(k5));
  EXPECT_EQ(k5_json["hypotheses"], 5);
  for (auto p : all) {
    const auto key = protocol_key(p);
    SCOPED_TRACE(key);
    const auto& det1 = k1.deterministic.at(p);
    const auto& det5 = k5.deterministic.at(p);
    ASSERT_EQ(k5.best_of_k.count(p), 1u);
    ASSERT_EQ(k5.mean_of_k.count(p), 1u);
    const auto& best = k5.best_of_k.at(p);
    const auto& mean = k5.mean_of_k.at(p);
    // K = 1 is the deterministic path, and K does not change it.
    EXPECT_EQ(det5.mean_over_frames(), det1.mean_over_frames());
    EXPECT_EQ(det5.mean_over_actions(), det1.mean_over_actions());
    EXPECT_EQ(other_seed.deterministic.at(p).mean_over_frames(), det1.mean_over_frames()) << "no sampling in it";
    EXPECT_FALSE(k1_json["protocols"][key].contains("best_of_k"));
    EXPECT_FALSE(k1_json["protocols"][key].contains("mean_of_k"));
    // Best of K is at most the mean of K, overall and per action.
    EXPECT_EQ(best.count(), 2000);
    EXPECT_EQ(mean.count(), 2000);
    EXPECT_LT(best.mean_over_frames(), mean.mean_over_frames());
    EXPECT_LE(best.mean_over_actions(), mean.mean_over_actions());
    ASSERT_EQ(best.per_action().size(), det5.per_action().size());
    for (const auto& [action, mm] : best.per_action()) EXPECT_LE(mm, mean.per_action().at(action)) << action;
    // Seeded: the same seed repeats exactly, another seed samples other z.
    EXPECT_EQ(again.best_of_k.at(p).mean_over_frames(), best.mean_over_frames());
    EXPECT_EQ(again.mean_of_k.at(p).mean_over_frames(), mean.mean_over_frames());
    EXPECT_GT(std::abs(other_seed.best_of_k.at(p).mean_over_frames() - best.mean_over_frames()), 1e-3);
    EXPECT_GT(std::abs(other_seed.mean_of_k.at(p).mean_over_frames() - mean.mean_over_frames()), 1e-3);
    // JSON: best_of_k / mean_of_k objects shaped like the deterministic one.
    const auto& pj = k5_json["protocols"][key];
    for (const char* kind : {"best_of_k", "mean_of_k"}) {
      ASSERT_TRUE(pj.contains(kind)) << kind;
      const auto& kj = pj[kind];
      const auto& acc = std::string(kind) == "best_of_k" ? best : mean;
      for (const char* field : {"per_action", "per_subject", "mean_over_actions", "mean_over_frames"})
        EXPECT_TRUE(kj.contains(field)) << kind << "." << field;
      ASSERT_EQ(kj["per_action"].size(), pj["per_action"].size()) << kind;
      for (const auto& [name, value] : pj["per_action"].items()) {
        ASSERT_TRUE(kj["per_action"].contains(name)) << kind << " lacks action " << name;
        EXPECT_TRUE(kj["per_action"][name].is_number());
      }
      EXPECT_EQ(kj["per_subject"].size(), pj["per_subject"].size());
      EXPECT_NEAR(kj["mean_over_frames"].get<double>(), acc.mean_over_frames(), 1e-9);
      EXPECT_NEAR(kj["mean_over_actions"].get<double>(), acc.mean_over_actions(), 1e-9);
      EXPECT_FALSE(kj.contains("best_of_k")) << "no nesting";
    }
  }

  // An independent recomputation from the model: seed, posterior, K draws of
  // z (all 2000 poses fit one batch, so the draws come in this order).
  auto model = load_trained_model(request.checkpoint, "cpu");
  auto split = data::load_split(dir + "/s.h5", {model.config.data.test_subjects, model.config.data.test_stride,
                                                model.config.data.root_centre_2d, model.config.data.input_2d});
  ASSERT_EQ(split.size(), 2000);
  torch::NoGradGuard no_grad;
  torch::manual_seed(11);
  auto posterior = model.model->encode(models::Modality::kPose2d,
                                       model.input(models::Modality::kPose2d, split.pose2d, split.pose3d));
  auto gt = geometry::add_root(split.pose3d);
  std::vector<torch::Tensor> per_k;
  for (int k = 0; k < 5; ++k) {
    auto z = model.model->reparameterize(posterior, true);
    auto pose = geometry::add_root(model.norm3d.denormalize(model.model->decode(models::Modality::kPose3d, z)).view({-1, 16, 3}));
    per_k.push_back(pose_errors(pose, gt, Protocol::kP1));
  }
  auto errors = torch::stack(per_k);  // [K, N]
  EXPECT_NEAR(k5.best_of_k.at(Protocol::kP1).mean_over_frames(), std::get<0>(errors.min(0)).mean().item<double>(),
              1e-3);
  EXPECT_NEAR(k5.mean_of_k.at(Protocol::kP1).mean_over_frames(), errors.mean().item<double>(), 1e-3);

  // The tool: --hypotheses 3 --format json carries the same objects.
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-eval") + " --checkpoint " + request.checkpoint +
                                 " --device cpu --hypotheses 3 --seed 4 --protocols 1 --format json --out " + dir + "/r.json",
                             &out);
  ASSERT_EQ(rc, 0) << out;
  auto tool_json = nlohmann::json::parse(std::ifstream(dir + "/r.json"));
  EXPECT_EQ(tool_json["hypotheses"], 3);
  EXPECT_LE(tool_json["protocols"]["p1"]["best_of_k"]["mean_over_frames"].get<double>(),
            tool_json["protocols"]["p1"]["mean_of_k"]["mean_over_frames"].get<double>());
  EXPECT_NEAR(tool_json["protocols"]["p1"]["mean_over_frames"].get<double>(),
              k1.deterministic.at(Protocol::kP1).mean_over_frames(), 1e-6);
}

TEST(Evaluator, DetectedTwoDInputReplacesTheGroundTruth) {
  auto dir = test::temp_dir("eval_detected");
  test::write_synthetic(dir + "/s.h5", 1000);
  {
    data::H5File f(dir + "/s.h5", data::H5File::Mode::kReadWrite);
    auto gt2d = f.read("/pose2d", torch::kFloat32);
    torch::manual_seed(3);
    f.write("/pose2d_det/copy", gt2d);
    f.write("/pose2d_det/noisy", gt2d + torch::randn(gt2d.sizes()) * 15);  // a 15 px "detector"
  }
  train::Trainer(test::small_lifting(dir + "/s.h5", 1), {dir + "/run", false, -1}).run();
  EvalRequest request;
  request.checkpoint = dir + "/run/checkpoints/best.pt";
  request.options.protocols = {Protocol::kP1};
  const double gt_input = run_evaluation(request).deterministic.at(Protocol::kP1).mean_over_frames();
  auto p1_with = [&](const std::string& input_2d) {
    request.input_2d = input_2d;
    return run_evaluation(request).deterministic.at(Protocol::kP1).mean_over_frames();
  };
  EXPECT_DOUBLE_EQ(p1_with("det/copy"), gt_input) << "a copy of the ground truth is the same input";
  EXPECT_GT(std::abs(p1_with("det/noisy") - gt_input), 0.01) << "the detected 2D reaches the model";
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-eval") + " --checkpoint " + request.checkpoint +
                                 " --input-2d det/cpn",
                             &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("s.h5: /pose2d_det/cpn: no such dataset"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::eval
