#include "hpe3d/train/trainer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/interrupt.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/data/bvh_source.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/geometry/camera_set.h"
#include "hpe3d/core/checkpoint.h"
#include "hpe3d/eval/evaluator.h"
#include "hpe3d/eval/latent_export.h"
#include "hpe3d/eval/trained_model.h"
#include "hpe3d/train/sweep.h"
#include "test_util.h"

namespace hpe3d::train {
namespace {

namespace fs = std::filesystem;

// Random world poses seen through the shipped cameras of subjects 1 and 9:
// enough to exercise the loop (learning is tested on structured data elsewhere).
std::string random_pose_file(const std::string& dir) {
  auto cams = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  const std::string path = dir + "/poses.h5";
  data::PoseFileWriter w(path, "test", {"A", "B"}, cams);
  torch::manual_seed(5);
  for (int subject : {1, 9}) {
    data::WorldSequence seq;
    seq.subject = subject;
    seq.joints = torch::randn({40, 17, 3}, torch::kFloat64) * 200 + torch::tensor({0.0, 0.0, 1000.0}, torch::kFloat64);
    for (int i = 0; i < 40; ++i) seq.frames.push_back(i);
    data::append_camera_views(w, seq, subject == 1 ? 0 : 1, cams, {1, 2});
  }
  w.finish();
  return path;
}

core::ExperimentConfig small_config(const std::string& file) {
  core::ExperimentConfig c;
  c.data.file = file;
  c.data.train_subjects = {1};
  c.data.test_subjects = {9};
  c.data.flip = true;
  c.model.latent_dim = 8;
  c.model.pose.hidden = 32;
  c.model.pose.blocks = 1;
  c.train.epochs = 2;
  c.train.batch_size = 16;
  c.train.log_every = 2;
  c.train.pairs = {"pose2d->pose3d", "pose3d->pose3d"};
  c.model.encoders = {"pose2d", "pose3d"};
  c.train.keep_last = 1;
  c.runtime.device = "cpu";
  return c;
}

using test::saved_parameters;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool all_finite(const std::vector<torch::Tensor>& tensors) {
  for (const auto& t : tensors)
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>()) return false;
  return true;
}

// The last "epoch" record of a run's metrics.jsonl.
nlohmann::json last_epoch_record(const std::string& run_dir) {
  std::ifstream log(run_dir + "/metrics.jsonl");
  nlohmann::json last;
  for (std::string line; std::getline(log, line);)
    if (auto j = nlohmann::json::parse(line); j["kind"] == "epoch") last = j;
  return last;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    file_ = random_pose_file(dir_);
  }
  std::string dir_, file_;
};

TEST_F(TrainerTest, WritesRunDirectoryMetricsAndCheckpoints) {
  auto c = small_config(file_);
  Trainer trainer(c, {dir_ + "/run", false, -1});
  auto r = trainer.run();
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.epochs_done, 2);
  EXPECT_EQ(r.steps, 2 * (80 / 16));
  EXPECT_TRUE(std::isfinite(r.best_val_mpjpe));
  for (auto f : {"config.yaml", "metrics.jsonl", "train.log", "checkpoints/last.pt", "checkpoints/best.pt",
                 "checkpoints/epoch_0002.pt"})
    EXPECT_TRUE(fs::exists(dir_ + "/run/" + f)) << f;
  EXPECT_FALSE(fs::exists(dir_ + "/run/checkpoints/epoch_0001.pt"));  // keep_last = 1
  std::ifstream log(dir_ + "/run/metrics.jsonl");
  int epochs = 0, steps = 0;
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["kind"] == "epoch") {
      ++epochs;
      for (auto key : {"val_mpjpe_mm", "beta", "lr", "samples_per_s", "seconds", "pose2d->pose3d/recon",
                       "pose3d->pose3d/kl"})
        EXPECT_TRUE(j.contains(key)) << key;
    } else {
      ++steps;
    }
  }
  EXPECT_EQ(epochs, 2);
  EXPECT_GE(steps, 5);
  core::CheckpointReader best(dir_ + "/run/checkpoints/best.pt");
  EXPECT_NE(best.get_string("config").find("pose3d->pose3d"), std::string::npos);
}

// 2 epochs == 1 epoch + resume + 1 epoch, and a stop in the middle of an
// epoch resumes exactly too.
TEST_F(TrainerTest, ResumeContinuesBitForBit) {
  auto c = small_config(file_);
  c.train.keep_last = 2;
  Trainer({c, {dir_ + "/whole", false, -1}}).run();
  Trainer first(c, {dir_ + "/parts", false, 7});  // stops inside epoch 2
  auto r0 = first.run();
  EXPECT_TRUE(r0.interrupted);
  EXPECT_EQ(r0.steps, 7);
  Trainer second(c, {dir_ + "/parts", true, -1});
  auto r = second.run();
  EXPECT_EQ(r.steps, 10);
  {
    auto x = saved_parameters(dir_ + "/whole/checkpoints/epoch_0001.pt", c);
    auto y = saved_parameters(dir_ + "/parts/checkpoints/epoch_0001.pt", c);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(torch::equal(x[i], y[i])) << "epoch 1 tensor " << i;
  }
  auto a = saved_parameters(dir_ + "/whole/checkpoints/last.pt", c);
  auto b = saved_parameters(dir_ + "/parts/checkpoints/last.pt", c);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i << " max diff " << (a[i] - b[i]).abs().max().item<double>();

  // A resume with a changed config (h36m-train --resume DIR --set train.epochs=3)
  // leaves that config in DIR/config.yaml, as in its checkpoints.
  auto longer = c;
  longer.train.epochs = c.train.epochs + 1;
  Trainer(longer, {dir_ + "/parts", true, -1}).run();
  auto saved = core::load_config<core::ExperimentConfig>(dir_ + "/parts/config.yaml");
  EXPECT_EQ(saved.train.epochs, longer.train.epochs);
  EXPECT_EQ(core::to_yaml(saved), core::to_yaml(longer));
  EXPECT_FALSE(fs::exists(dir_ + "/parts/config.yaml.tmp"));
}

// A checkpoint of the first schema stored the epoch's sample order, which is
// now recomputed from (seed, epoch): resuming one is refused in one line.
TEST_F(TrainerTest, ResumeRefusesACheckpointOfTheFirstSchema) {
  auto c = small_config(file_);
  fs::create_directories(dir_ + "/old/checkpoints");
  core::CheckpointWriter w;
  w.add_int("step", 3);
  w.add_tensor("perm", torch::arange(80));
  w.save(dir_ + "/old/checkpoints/last.pt");
  try {
    Trainer(c, {dir_ + "/old", true, -1});
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(dir_ + "/old/checkpoints/last.pt: "), 0u) << what;
    EXPECT_NE(what.find("schema 1"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST_F(TrainerTest, InterruptSavesALoadableCheckpoint) {
  auto c = small_config(file_);
  Trainer trainer(c, {dir_ + "/run", false, -1});
  core::set_interrupt_requested(true);
  auto r = trainer.run();
  core::set_interrupt_requested(false);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.steps, 0);
  EXPECT_EQ(saved_parameters(dir_ + "/run/checkpoints/last.pt", c).size() > 0, true);
}

TEST_F(TrainerTest, NonFiniteLossStopsWithStepAndTerm) {
  auto c = small_config(file_);
  c.train.optimizer.lr = 1e30;  // diverges within a few steps
  c.train.optimizer.kind = "sgd";
  {
    Trainer trainer(c, {dir_ + "/run", false, -1});
    try {
      trainer.run();
      FAIL() << "expected NonFiniteLoss";
    } catch (const NonFiniteLoss& e) {
      EXPECT_NE(std::string(e.what()).find("non-finite loss at step "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("term "), std::string::npos) << e.what();
      // Diverged in epoch 1: there is no last.pt to point at.
      EXPECT_NE(std::string(e.what()).find("; no checkpoint was saved before it"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("last good state"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(dir_ + "/run")) << "a run that failed before its first checkpoint left its directory";
}

// The epoch that diverges must not touch the last good checkpoint: epoch 1
// trains normally (last.pt at step 5), then a resume with lr 1e30 diverges in
// epoch 2. last.pt keeps its bytes and still loads and resumes.
TEST_F(TrainerTest, NonFiniteLossLeavesTheLastGoodCheckpointIntact) {
  auto c = small_config(file_);
  c.train.optimizer.kind = "sgd";
  c.train.optimizer.lr = 1e-3;
  c.train.lr.schedule = "constant";
  c.train.epochs = 1;
  c.train.keep_last = 3;
  const std::string run = dir_ + "/run", last = run + "/checkpoints/last.pt";
  Trainer(c, {run, false, -1}).run();
  const std::string good = file_bytes(last);
  ASSERT_FALSE(good.empty());
  ASSERT_EQ(good, file_bytes(run + "/checkpoints/epoch_0001.pt"));

  auto diverging = c;
  diverging.train.epochs = 3;
  diverging.train.optimizer.lr = 1e30;
  std::string what;
  try {
    Trainer(diverging, {run, true, -1}).run();
    FAIL() << "expected NonFiniteLoss";
  } catch (const NonFiniteLoss& e) {
    what = e.what();
  }
  // The failing step is in epoch 2 (steps 6..10), after last.pt was written.
  const auto at = what.find("non-finite loss at step ");
  ASSERT_NE(at, std::string::npos) << what;
  const int failed_step = std::stoi(what.substr(at + 24));
  EXPECT_GE(failed_step, 6) << what;
  EXPECT_LE(failed_step, 10) << what;
  EXPECT_NE(what.find("last good state is " + last), std::string::npos) << what;

  EXPECT_EQ(file_bytes(last), good) << "last.pt changed by the diverging epoch";
  EXPECT_FALSE(fs::exists(run + "/checkpoints/epoch_0002.pt"));
  EXPECT_FALSE(fs::exists(last + ".tmp"));
  {
    core::CheckpointReader r(last);
    EXPECT_EQ(r.get_int("step"), 5);
    EXPECT_EQ(r.get_int("epoch"), 1);
    EXPECT_EQ(r.get_int("batch_in_epoch"), 0);
  }
  EXPECT_TRUE(all_finite(saved_parameters(last, c)));
  // And it resumes: a sane learning rate trains epoch 2 from it.
  auto sane = c;
  sane.train.epochs = 2;
  auto r = Trainer(sane, {run, true, -1}).run();
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.steps, 10);
  EXPECT_TRUE(std::isfinite(r.best_val_mpjpe));
  EXPECT_TRUE(all_finite(saved_parameters(last, c)));
}

// A real SIGINT in the middle of training: a watcher thread raises it as soon
// as metrics.jsonl shows the first step. last.pt then holds the step the run
// stopped at (the last step record, log_every 1) with its place in the epoch,
// and exactly the model after that step: a run stopped by max_steps at that
// step saves the same parameters (not the end of the previous epoch).
TEST_F(TrainerTest, SigintDuringTrainingSavesTheStepItStoppedAt) {
  auto c = small_config(file_);
  c.train.epochs = 400;  // 2,000 steps: far more than the watcher needs
  c.train.log_every = 1;
  const int64_t per_epoch = 80 / 16;
  const std::string run = dir_ + "/run";
  std::atomic<bool> done{false};
  std::atomic<int64_t> seen{-1};
  std::thread watcher([&] {
    while (!done) {
      std::ifstream in(run + "/metrics.jsonl");
      for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);  // may be half written
        if (j.is_discarded() || j.value("kind", "") != "step" || !j.contains("step")) continue;
        seen = static_cast<int64_t>(j["step"].get<double>());
        std::raise(SIGINT);  // run() installed its handler before it opened metrics.jsonl
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  TrainResult r;
  {
    Trainer trainer(c, {run, false, -1});
    r = trainer.run();
  }
  done = true;
  watcher.join();
  core::set_interrupt_requested(false);
  ASSERT_TRUE(r.interrupted) << "the watcher saw step " << seen << "; the run ended at step " << r.steps;
  ASSERT_GE(seen, 1);
  EXPECT_GE(r.steps, seen);
  EXPECT_LT(r.steps, c.train.epochs * per_epoch);
  std::cout << "[ sigint ] seen at step " << seen << ", stopped at step " << r.steps << " (epoch "
            << r.steps / per_epoch + 1 << ", batch " << r.steps % per_epoch << ")\n";

  int64_t last_logged = -1;
  std::ifstream log(run + "/metrics.jsonl");
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["kind"] == "step") last_logged = static_cast<int64_t>(j["step"].get<double>());
  }
  EXPECT_EQ(last_logged, r.steps);
  {
    core::CheckpointReader ckpt(run + "/checkpoints/last.pt");
    EXPECT_EQ(ckpt.get_int("step"), r.steps);
    EXPECT_EQ(ckpt.get_int("epoch"), r.steps / per_epoch);
    EXPECT_EQ(ckpt.get_int("batch_in_epoch"), r.steps % per_epoch);
  }
  Trainer reference(c, {dir_ + "/reference", false, r.steps});
  auto ref = reference.run();
  ASSERT_TRUE(ref.interrupted);
  ASSERT_EQ(ref.steps, r.steps);
  auto a = saved_parameters(run + "/checkpoints/last.pt", c);
  auto b = saved_parameters(dir_ + "/reference/checkpoints/last.pt", c);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
  if (r.steps >= per_epoch) {  // and not the previous epoch's model (when there was one)
    char name[32];
    std::snprintf(name, sizeof name, "epoch_%04d.pt", static_cast<int>(r.steps / per_epoch));
    auto e = saved_parameters(run + "/checkpoints/" + name, c);
    bool differs = r.steps % per_epoch == 0;  // at an epoch boundary the two are the same state
    for (size_t i = 0; i < a.size() && !differs; ++i) differs = !torch::equal(a[i], e[i]);
    EXPECT_TRUE(differs);
  }
}

// data.input_2d: det/<name> trains and validates on /pose2d_det/<name>: the
// 2D statistics are those of the detections, and the run is bit for bit the
// run on a file whose /pose2d was replaced by them (and differs from /pose2d).
TEST_F(TrainerTest, DetectedTwoDInputIsWhatTrainingAndValidationRead) {
  auto gt = data::read_pose_file(file_);
  torch::manual_seed(11);
  // A "detector" that differs from /pose2d: shrunk, shifted and noisy.
  auto det = (gt.pose2d * 0.9 + 25.0 + torch::randn(gt.pose2d.sizes()) * 12).contiguous();
  {
    data::H5File f(file_, data::H5File::Mode::kReadWrite);
    f.write("/pose2d_det/noisy", det);
  }
  const std::string swapped = dir_ + "/swapped.h5";
  {
    data::PoseFileWriter w(swapped, "test", gt.action_names, gt.cameras);
    data::PoseBatch rows = gt;
    rows.pose2d = det;
    w.append(rows);
    w.finish();
  }
  auto run = [&](const std::string& file, const std::string& input_2d, const std::string& name) {
    auto c = small_config(file);
    c.data.input_2d = input_2d;
    c.train.epochs = 1;
    Trainer trainer(c, {dir_ + "/" + name, false, -1});
    return trainer.run();
  };
  auto r_gt = run(file_, "gt", "gt");
  auto r_det = run(file_, "det/noisy", "det");
  auto r_swapped = run(swapped, "gt", "swapped");
  auto stats = [&](const std::string& name) {
    core::CheckpointReader r(dir_ + "/" + name + "/checkpoints/last.pt");
    return std::make_pair(r.tensor("norm2d_mean"), r.tensor("norm2d_std"));
  };
  auto [mean_gt, std_gt] = stats("gt");
  auto [mean_det, std_det] = stats("det");
  auto [mean_sw, std_sw] = stats("swapped");
  // Training split = subject 1: the statistics of its detections.
  auto train_det = det.index({gt.subject == 1}).flatten(1).to(torch::kFloat64);
  EXPECT_TRUE(torch::allclose(mean_det.to(torch::kFloat64), train_det.mean(0), 1e-6, 1e-3));
  EXPECT_TRUE(torch::allclose(std_det.to(torch::kFloat64), train_det.std(0), 1e-6, 1e-3));
  EXPECT_TRUE(torch::equal(mean_det, mean_sw));
  EXPECT_TRUE(torch::equal(std_det, std_sw));
  EXPECT_GT((mean_det - mean_gt).abs().max().item<double>(), 10.0);
  // Validation reads the detections too: the same error as the swapped file.
  EXPECT_EQ(r_det.best_val_mpjpe, r_swapped.best_val_mpjpe);
  EXPECT_NE(r_det.best_val_mpjpe, r_gt.best_val_mpjpe);
  auto c = small_config(file_);
  auto a = saved_parameters(dir_ + "/det/checkpoints/last.pt", c);
  auto b = saved_parameters(dir_ + "/swapped/checkpoints/last.pt", c);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
}

TEST_F(TrainerTest, SweepRunsTheGridAndWritesASummary) {
  auto c = small_config(file_);
  c.train.epochs = 1;
  c.train.pairs = {"pose2d->pose3d"};
  const std::string config_path = dir_ + "/sweep.yaml";
  std::ofstream(config_path) << core::to_yaml(c)
                             << "sweep:\n  train.beta.max: [0.0001, 0.01]\n  model.latent_dim: [4, 8]\n";
  auto sweep = run_sweep({config_path, {}, dir_ + "/sweep"});
  EXPECT_EQ(sweep.runs, 4);
  EXPECT_FALSE(sweep.interrupted);
  const auto lines = test::read_lines(dir_ + "/sweep/sweep_summary.csv");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "run,train.beta.max,model.latent_dim,best_val_mpjpe_mm,best_epoch,seconds");
  EXPECT_EQ(lines[2].rfind("experiment_001,0.0001,8,", 0), 0u) << lines[2];
  EXPECT_TRUE(fs::exists(dir_ + "/sweep/sweep_summary.md"));
}

// The list form: one run per entry (one factor at a time around the file);
// the summary shows "base" where a run keeps the file's value.
TEST_F(TrainerTest, SweepRunsAListOfRuns) {
  auto runs = expand_sweep(YAML::Load("[{}, {data.flip: false}, {model.latent_dim: 4, train.beta.max: 0.0}]"), "f.yaml");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_TRUE(runs[0].empty());
  EXPECT_EQ(runs[1], std::vector<std::string>{"data.flip=false"});
  EXPECT_EQ(runs[2], (std::vector<std::string>{"model.latent_dim=4", "train.beta.max=0.0"}));
  for (const char* bad : {"[{a: [1, 2]}]", "[3]"}) {
    try {
      expand_sweep(YAML::Load(bad), "f.yaml");
      ADD_FAILURE() << bad;
    } catch (const core::InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("f.yaml: sweep[0]", 0), 0u) << e.what();
    }
  }
  auto c = small_config(file_);
  c.train.epochs = 1;
  c.train.pairs = {"pose2d->pose3d"};
  const std::string config_path = dir_ + "/ofat.yaml";
  std::ofstream(config_path) << core::to_yaml(c) << "sweep:\n  - {}\n  - {model.latent_dim: 4}\n";
  EXPECT_EQ(run_sweep({config_path, {}, dir_ + "/ofat"}).runs, 2);
  const auto lines = test::read_lines(dir_ + "/ofat/sweep_summary.csv");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "run,model.latent_dim,best_val_mpjpe_mm,best_epoch,seconds");
  EXPECT_EQ(lines[1].rfind("experiment_000,base,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("experiment_001,4,", 0), 0u) << lines[2];
}

// Lifting on structured poses: a few epochs beat the mean pose by far.
TEST_F(TrainerTest, LearnsToLiftSyntheticPoses) {
  test::write_synthetic(dir_ + "/synthetic.h5", 6000);
  auto c = small_config(dir_ + "/synthetic.h5");
  c.model.pose.hidden = 256;
  c.model.latent_dim = 32;
  c.model.encoders = {"pose2d"};
  c.train.pairs = {"pose2d->pose3d"};
  c.train.epochs = 12;
  c.train.batch_size = 128;
  c.train.log_every = 50;
  c.data.test_stride = 4;
  c.model.pose.dropout = 0.1;
  Trainer trainer(c, {dir_ + "/run", false, -1});
  auto r = trainer.run();
  EXPECT_GT(r.mean_pose_mpjpe, 100.0);
  EXPECT_LT(r.best_val_mpjpe, 0.5 * r.mean_pose_mpjpe)
      << "val " << r.best_val_mpjpe << " mm, mean pose " << r.mean_pose_mpjpe << " mm";
}

// The demo on the embedded CMU data: half the demo's epochs already beat the
// mean-pose baseline by more than a factor of two.
TEST(TrainerDemo, CmuLiftingBeatsHalfTheMeanPoseBaseline) {
  const std::string bvh_dir = "/usr/share/assimp/models/BVH";
  if (!fs::exists(bvh_dir + "/01_03.bvh")) GTEST_SKIP() << "assimp-testmodels is not installed";
  auto dir = test::temp_dir("trainer_demo");
  data::prepare_bvh(data::cmu_default_options(bvh_dir), dir + "/cmu.h5");
  auto c = core::load_config<core::ExperimentConfig>(std::string(HPE3D_SOURCE_DIR) + "/configs/demo/cmu_lift_vae.yaml",
                                                     {"data.file=" + dir + "/cmu.h5", "train.epochs=15"});
  Trainer trainer(c, {dir + "/run", false, -1});
  auto r = trainer.run();
  EXPECT_LT(r.best_val_mpjpe, 0.5 * r.mean_pose_mpjpe)
      << "val " << r.best_val_mpjpe << " mm, mean pose " << r.mean_pose_mpjpe << " mm";
}

// train.objective: regression trains through the same loop and logs only
// its reconstruction term (no KL); it refuses a discriminator.
TEST_F(TrainerTest, RegressionObjectiveTrainsWithoutAKlTerm) {
  auto c = small_config(file_);
  c.train.objective = "regression";
  auto r = Trainer(c, {dir_ + "/run", false, -1}).run();
  EXPECT_TRUE(std::isfinite(r.best_val_mpjpe));
  auto last = last_epoch_record(dir_ + "/run");
  EXPECT_TRUE(last.contains("pose2d->pose3d/recon")) << last.dump();
  EXPECT_TRUE(last.contains("pose3d->pose3d/recon")) << last.dump();
  EXPECT_FALSE(last.contains("pose2d->pose3d/kl")) << last.dump();
  c.model.discriminator.enabled = true;
  c.model.discriminator.modality = "pose3d";
  try {
    Trainer(c, {dir_ + "/gan", false, -1});
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("train.objective: ", 0), 0u) << e.what();
  }
}

// model.kind martinez: the exact baseline trains with the regression
// objective on 16 2D joints, and its checkpoint evaluates; what needs a latent
// (a VAE objective, K hypotheses, latent export) is refused by name.
TEST_F(TrainerTest, MartinezBaselineTrainsEvaluatesAndRefusesLatentTools) {
  auto c = small_config(file_);
  c.model.kind = "martinez";
  c.model.joints_2d = 16;
  c.model.encoders = {"pose2d"};
  c.model.pose.max_norm = 1.0;
  c.train.pairs = {"pose2d->pose3d"};
  c.train.objective = "regression";
  c.train.optimizer.shared = false;  // the pair's optimiser gets the regressor's parameters
  auto r = Trainer(c, {dir_ + "/run", false, -1}).run();
  EXPECT_TRUE(std::isfinite(r.best_val_mpjpe));
  auto last = last_epoch_record(dir_ + "/run");
  EXPECT_TRUE(last.contains("pose2d->pose3d/recon")) << last.dump();
  EXPECT_FALSE(last.contains("pose2d->pose3d/kl")) << last.dump();

  const std::string ckpt = dir_ + "/run/checkpoints/best.pt";
  auto model = eval::load_trained_model(ckpt, "cpu");
  EXPECT_TRUE(model.model->has_regressor());
  EXPECT_EQ(model.input(models::Modality::kPose2d, torch::randn({3, 17, 2}), torch::Tensor()).sizes(),
            torch::IntArrayRef({3, 32}));
  auto split = data::load_split(file_, {c.data.test_subjects, 1, false, "gt"});
  auto report = eval::evaluate_model(model, split, eval::EvalOptions{});
  EXPECT_NEAR(report.deterministic.at(eval::Protocol::kP1).mean_over_actions(), r.best_val_mpjpe, 1e-3);
  eval::EvalOptions k3;
  k3.hypotheses = 3;
  try {
    eval::evaluate_model(model, split, k3);
    ADD_FAILURE() << "expected --hypotheses to be refused";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--hypotheses: ", 0), 0u) << e.what();
  }
  eval::LatentExportOptions ex;
  ex.checkpoint = ckpt;
  ex.out = dir_ + "/z.h5";
  try {
    eval::export_latents(ex);
    ADD_FAILURE() << "expected the export to be refused";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has no latent"), std::string::npos) << e.what();
  }
  c.train.objective = "vae";
  try {
    Trainer(c, {dir_ + "/vae", false, -1});
    ADD_FAILURE() << "expected train.objective to be refused";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("train.objective: ", 0), 0u) << e.what();
  }
}

TEST_F(TrainerTest, VaeGanModeTrainsAndLogsItsTerms) {
  auto c = small_config(file_);
  test::add_pose_critic(c.model);
  c.train.epochs = 1;
  Trainer trainer(c, {dir_ + "/run", false, -1});
  auto r = trainer.run();
  EXPECT_TRUE(std::isfinite(r.best_val_mpjpe));
  std::ifstream log(dir_ + "/run/metrics.jsonl");
  nlohmann::json last;
  for (std::string line; std::getline(log, line);) last = nlohmann::json::parse(line);
  for (auto key : {"pose2d->pose3d/llike", "pose2d->pose3d/gan_g", "pose2d->pose3d/critic", "pose3d->pose3d/kl"})
    EXPECT_TRUE(last.contains(key)) << key << " in " << last.dump();
  // The critic's optimiser is part of the checkpoint.
  core::CheckpointReader ckpt(dir_ + "/run/checkpoints/last.pt");
  EXPECT_TRUE(ckpt.has("critic_optimizer"));
}

TEST_F(TrainerTest, BadConfigsAreInputErrors) {
  auto c = small_config(file_);
  c.train.pairs = {"pose2d=>pose3d"};
  EXPECT_THROW(Trainer(c, {dir_ + "/a", false, -1}), core::InputError);
  c = small_config(file_);
  c.model.encoders = {"pose2d"};  // pose3d->pose3d needs a pose3d encoder
  try {
    Trainer(c, {dir_ + "/d", false, -1});
    ADD_FAILURE() << "expected an error";
  } catch (const core::InputError& e) {
    EXPECT_STREQ(e.what(), "train.pairs: pose3d->pose3d needs pose3d in model.encoders");
  }
  c = small_config(file_);
  c.data.train_subjects = {5};
  EXPECT_THROW(Trainer(c, {dir_ + "/b", false, -1}), core::InputError);
  c = small_config(dir_ + "/missing.h5");
  EXPECT_THROW(Trainer(c, {dir_ + "/c", false, -1}), core::InputError);
  c = small_config(file_);
  c.train.batch_size = 81;  // 80 training views
  try {
    Trainer(c, {dir_ + "/e", false, -1});
    ADD_FAILURE() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train.batch_size: 81 is more than the 80 training samples"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::train
