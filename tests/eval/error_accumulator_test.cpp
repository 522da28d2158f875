#include "hpe3d/eval/error_accumulator.h"

#include <cmath>

#include <gtest/gtest.h>

namespace hpe3d::eval {
namespace {

TEST(ErrorAccumulator, MeanOverActionsWeighsActionsEqually) {
  ErrorAccumulator acc;
  EXPECT_TRUE(std::isnan(acc.mean_over_frames()));
  // Action 0: three poses of 10 mm (subject 9); action 1: one pose of 30 mm (subject 11).
  acc.add(torch::tensor({10.0, 10.0}), torch::tensor({0, 0}), torch::tensor({9, 9}));
  acc.add(torch::tensor({10.0, 30.0}), torch::tensor({0, 1}), torch::tensor({9, 11}));
  EXPECT_EQ(acc.count(), 4);
  EXPECT_DOUBLE_EQ(acc.mean_over_frames(), 15.0);
  EXPECT_DOUBLE_EQ(acc.mean_over_actions(), 20.0);
  EXPECT_DOUBLE_EQ(acc.per_action().at(0), 10.0);
  EXPECT_DOUBLE_EQ(acc.per_action().at(1), 30.0);
  EXPECT_DOUBLE_EQ(acc.per_subject().at(9), 10.0);
  EXPECT_DOUBLE_EQ(acc.per_subject().at(11), 30.0);
  EXPECT_EQ(acc.frames_per_action().at(0), 3);
}

// Two shards merged give what one accumulator over both gives (per action,
// per subject, both means), as a reduction across ranks needs.
TEST(ErrorAccumulator, MergeOfShardsEqualsOneAccumulator) {
  auto errors = torch::tensor({10.0, 12.0, 30.0, 7.0, 9.0});
  auto actions = torch::tensor({0, 0, 1, 2, 1});
  auto subjects = torch::tensor({9, 11, 11, 9, 9});
  ErrorAccumulator whole, a, b;
  whole.add(errors, actions, subjects);
  a.add(errors.narrow(0, 0, 2), actions.narrow(0, 0, 2), subjects.narrow(0, 0, 2));
  b.add(errors.narrow(0, 2, 3), actions.narrow(0, 2, 3), subjects.narrow(0, 2, 3));
  a.merge(b);
  EXPECT_EQ(a.count(), whole.count());
  EXPECT_DOUBLE_EQ(a.mean_over_frames(), whole.mean_over_frames());
  EXPECT_DOUBLE_EQ(a.mean_over_actions(), whole.mean_over_actions());
  EXPECT_EQ(a.per_action(), whole.per_action());
  EXPECT_EQ(a.per_subject(), whole.per_subject());
  EXPECT_EQ(a.frames_per_action(), whole.frames_per_action());
  EXPECT_DOUBLE_EQ(a.per_action().at(1), 19.5);  // 30 and 9, from different shards
}

TEST(ErrorAccumulator, RejectsMismatchedLabels) {
  ErrorAccumulator acc;
  EXPECT_THROW(acc.add(torch::ones({3}), torch::zeros({2}), torch::zeros({3})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::eval
