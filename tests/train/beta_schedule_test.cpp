#include "hpe3d/train/beta_schedule.h"

#include <gtest/gtest.h>

namespace hpe3d::train {
namespace {

TEST(BetaSchedule, ConstantAndLinearWarmUp) {
  EXPECT_DOUBLE_EQ(BetaSchedule({"constant", 0.01}).at(0), 0.01);
  EXPECT_DOUBLE_EQ(BetaSchedule({"constant", 0.01}).at(57.5), 0.01);
  BetaScheduleOptions o{"linear", 0.2, 4};
  BetaSchedule linear(o);
  EXPECT_DOUBLE_EQ(linear.at(0), 0.0);
  EXPECT_DOUBLE_EQ(linear.at(1), 0.05);
  EXPECT_DOUBLE_EQ(linear.at(3), 0.15);
  EXPECT_DOUBLE_EQ(linear.at(4), 0.2);
  EXPECT_DOUBLE_EQ(linear.at(40), 0.2);
}

TEST(BetaSchedule, CyclicalFollowsFuEtAl) {
  // 100 epochs, 4 cycles of 25, rising over the first half (12.5 epochs).
  BetaScheduleOptions o;
  o.kind = "cyclical";
  o.max = 1.0;
  o.cycles = 4;
  o.ratio = 0.5;
  o.total_epochs = 100;
  BetaSchedule s(o);
  EXPECT_DOUBLE_EQ(s.at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.at(6.25), 0.5);
  EXPECT_DOUBLE_EQ(s.at(12.5), 1.0);
  EXPECT_DOUBLE_EQ(s.at(20), 1.0);
  EXPECT_DOUBLE_EQ(s.at(25), 0.0);  // a new cycle starts from zero
  EXPECT_DOUBLE_EQ(s.at(25 + 3.125), 0.25);
  EXPECT_DOUBLE_EQ(s.at(99.9), 1.0);
}

TEST(BetaSchedule, RejectsInvalidOptions) {
  EXPECT_THROW(BetaSchedule({"cyclic", 1.0}), c10::Error);
  BetaScheduleOptions o{"linear", 1.0, 0};
  EXPECT_THROW(BetaSchedule{o}, c10::Error);
}

}  // namespace
}  // namespace hpe3d::train
