#include "hpe3d/eval/evaluate_split.h"

#include <gtest/gtest.h>

#include "hpe3d/data/normalizer.h"
#include "test_util.h"

namespace hpe3d::eval {
namespace {

using models::Modality;

TEST(EvaluateSplit, RgbBatchesAreCappedPoseBatchesAreNot) {
  EXPECT_EQ(inference_batch_size(Modality::kRgb, 4096), kImageBatchCap);
  EXPECT_EQ(inference_batch_size(Modality::kRgb, 32), 32);
  EXPECT_EQ(inference_batch_size(Modality::kPose2d, 65536), 65536);
  EXPECT_THROW(inference_batch_size(Modality::kPose2d, 0), c10::Error);
}

// Every row once, in split order, in batches of the size asked for, each
// with the posterior the model gives that batch alone; eval mode inside, the
// caller's mode restored.
TEST(EvaluateSplit, VisitsEveryRowInOrderWithItsPosterior) {
  const auto dir = test::temp_dir("evaluate_split");
  test::write_synthetic(dir + "/s.h5", 30, {9});
  auto split = data::load_split(dir + "/s.h5", {{9}, 1, false, "gt"});
  ASSERT_GT(split.size(), 100);
  TrainedModel t;
  t.config = test::small_lifting(dir + "/s.h5");
  torch::manual_seed(0);
  t.model = models::make_model(t.config.model);
  t.model->train();
  t.norm2d = data::Normalizer::fit(split.pose2d);
  t.norm3d = data::Normalizer::fit(split.pose3d);
  std::vector<torch::Tensor> rows, mus;
  std::vector<int64_t> sizes;
  const int64_t left_out = evaluate_split(t, split, nullptr, {Modality::kPose2d, 50}, [&](const SplitBatch& b) {
    EXPECT_FALSE(t.model->is_training());
    EXPECT_FALSE(b.images.defined());
    rows.push_back(b.rows);
    mus.push_back(b.posterior.mu);
    sizes.push_back(b.rows.numel());
  });
  EXPECT_EQ(left_out, 0);
  EXPECT_TRUE(t.model->is_training());
  EXPECT_TRUE(torch::equal(torch::cat(rows), torch::arange(split.size(), torch::kLong)));
  for (size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 50);
  t.model->eval();
  torch::NoGradGuard no_grad;
  auto first = t.model->encode(Modality::kPose2d, t.norm2d.normalize(split.pose2d.narrow(0, 0, 50))).mu;
  EXPECT_TRUE(torch::equal(mus[0], first));
}

}  // namespace
}  // namespace hpe3d::eval
