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

TEST(ErrorAccumulator, RejectsMismatchedLabels) {
  ErrorAccumulator acc;
  EXPECT_THROW(acc.add(torch::ones({3}), torch::zeros({2}), torch::zeros({3})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::eval
