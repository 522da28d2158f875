// The trainer and evaluator on rendered frames: rgb->pose3d and rgb->rgb
// learn, a resumed run with image workers equals an uninterrupted one, and
// the crop cache gives the same evaluation as decoding the frames.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/core/error.h"
#include "hpe3d/eval/evaluator.h"
#include "hpe3d/eval/latent_export.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/train/trainer.h"
#include "test_util.h"

namespace hpe3d::train {
namespace {

namespace fs = std::filesystem;

class TrainerRgbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    c_ = test::small_rgb(dir_);  // 80 training views: 5 steps per epoch
    c_.data.flip = true;
    c_.model.decoders = {"pose3d", "rgb"};
    c_.train.pairs = {"rgb->pose3d", "rgb->rgb"};
    c_.train.log_every = 5;
  }
  std::vector<nlohmann::json> epochs(const std::string& run) {
    std::vector<nlohmann::json> out;
    std::ifstream f(run + "/metrics.jsonl");
    for (std::string line; std::getline(f, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["kind"] == "epoch") out.push_back(j);
    }
    return out;
  }
  std::string dir_;
  core::ExperimentConfig c_;
};

TEST_F(TrainerRgbTest, RgbPairsLearnAndLogTheirDataWait) {
  c_.train.epochs = 4;
  c_.train.optimizer.lr = 1e-3;
  auto result = Trainer(c_, {dir_ + "/run", false, -1}).run();
  auto e = epochs(dir_ + "/run");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_LT(e.back()["rgb->rgb/recon"].get<double>(), e.front()["rgb->rgb/recon"].get<double>());
  EXPECT_LT(e.back()["rgb->pose3d/recon"].get<double>(), e.front()["rgb->pose3d/recon"].get<double>());
  EXPECT_TRUE(e.back().contains("data_wait_s"));
  EXPECT_LT(result.best_val_mpjpe, 1e4);

  // Evaluation on the frames and on a crop cache agree exactly.
  eval::EvalRequest request;
  request.checkpoint = dir_ + "/run/checkpoints/best.pt";
  request.options.pair = "rgb->pose3d";
  request.options.protocols = {eval::Protocol::kP1};
  auto from_frames = eval::run_evaluation(request);
  EXPECT_NEAR(from_frames.deterministic.at(eval::Protocol::kP1).mean_over_actions(), result.best_val_mpjpe, 1e-3);
  data::CropCacheOptions cache{c_.data.file, data::image_options(c_), dir_ + "/crops.h5"};
  data::write_crop_cache(cache);
  request.image_cache = cache.out;
  auto from_cache = eval::run_evaluation(request);
  EXPECT_DOUBLE_EQ(from_cache.deterministic.at(eval::Protocol::kP1).mean_over_frames(),
                   from_frames.deterministic.at(eval::Protocol::kP1).mean_over_frames());
}

// data.images.missing: a frame that cannot be decoded stops training with
// `error` and is left out of training, validation, evaluation and export
// with `skip` (counted per epoch), never trained on as a black crop.
TEST_F(TrainerRgbTest, UnreadableFramesStopTheRunOrAreLeftOut) {
  auto train_split = data::load_split(c_.data.file, {c_.data.train_subjects, 1, false});
  auto test_split = data::load_split(c_.data.file, {c_.data.test_subjects, c_.data.test_stride, false});
  const std::string bad_train = c_.data.images.root + "/" + train_split.image[0];
  std::ofstream(bad_train) << "not a jpeg";
  std::ofstream(c_.data.images.root + "/" + test_split.image[0]) << "not a jpeg";
  c_.train.epochs = 2;
  try {
    Trainer(c_, {dir_ + "/strict", false, -1}).run();
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad_train + ": cannot read the image"), std::string::npos) << e.what();
  }

  c_.data.images.missing = "skip";
  auto result = Trainer(c_, {dir_ + "/lenient", false, -1}).run();
  auto e = epochs(dir_ + "/lenient");
  ASSERT_EQ(e.size(), 2u);
  for (const auto& epoch : e) EXPECT_EQ(epoch["images_skipped"].get<double>(), 1.0);  // each row once per epoch
  EXPECT_TRUE(std::isfinite(result.best_val_mpjpe));

  eval::EvalRequest request;
  request.checkpoint = dir_ + "/lenient/checkpoints/last.pt";
  request.options.pair = "rgb->pose3d";
  request.options.protocols = {eval::Protocol::kP1};
  auto report = eval::run_evaluation(request);
  EXPECT_EQ(report.frames(), test_split.size() - 1);
  eval::LatentExportOptions latents;
  latents.checkpoint = request.checkpoint;
  latents.modality = "rgb";
  latents.stride = c_.data.test_stride;
  latents.out = dir_ + "/latents.h5";
  EXPECT_EQ(eval::export_latents(latents), test_split.size() - 1);
  data::H5File f(latents.out, data::H5File::Mode::kRead);
  EXPECT_TRUE(torch::equal(f.read("/frame", torch::kInt32), test_split.frame.narrow(0, 1, test_split.size() - 1).to(torch::kInt32)));
}

TEST_F(TrainerRgbTest, ResumeWithImageWorkersContinuesBitForBit) {
  c_.train.epochs = 2;
  c_.data.images.workers = 2;
  Trainer(c_, {dir_ + "/whole", false, -1}).run();
  EXPECT_TRUE(Trainer(c_, {dir_ + "/parts", false, 3}).run().interrupted);  // inside epoch 1
  Trainer(c_, {dir_ + "/parts", true, -1}).run();
  torch::manual_seed(0);
  auto a = models::make_model(c_.model), b = models::make_model(c_.model);
  core::CheckpointReader(dir_ + "/whole/checkpoints/last.pt").load_module("model", *a);
  core::CheckpointReader(dir_ + "/parts/checkpoints/last.pt").load_module("model", *b);
  auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
}

}  // namespace
}  // namespace hpe3d::train
