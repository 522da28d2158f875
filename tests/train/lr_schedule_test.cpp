#include "hpe3d/train/lr_schedule.h"

#include <cmath>

#include <gtest/gtest.h>

namespace hpe3d::train {
namespace {

TEST(LrSchedule, DocumentedValues) {
  LrScheduleOptions o;
  o.kind = "exponential";
  LrSchedule exp_s(o, 1e-3);
  EXPECT_DOUBLE_EQ(exp_s.lr(0, 0), 1e-3);
  EXPECT_NEAR(exp_s.lr(100000, 7), 0.96e-3, 1e-15);
  EXPECT_NEAR(exp_s.lr(200000, 9), 0.96 * 0.96e-3, 1e-15);

  o.kind = "step";
  o.gamma = 0.5;
  o.step_epochs = 10;
  LrSchedule step_s(o, 1.0);
  EXPECT_DOUBLE_EQ(step_s.lr(0, 9.9), 1.0);
  EXPECT_DOUBLE_EQ(step_s.lr(0, 10), 0.5);
  EXPECT_DOUBLE_EQ(step_s.lr(0, 25), 0.25);

  o.kind = "cosine";
  o.total_epochs = 10;
  o.min_lr = 0.1;
  LrSchedule cos_s(o, 1.1);
  EXPECT_DOUBLE_EQ(cos_s.lr(0, 0), 1.1);
  EXPECT_NEAR(cos_s.lr(0, 5), 0.6, 1e-12);
  EXPECT_NEAR(cos_s.lr(0, 10), 0.1, 1e-12);
}

TEST(LrSchedule, PlateauReducesAfterPatienceAndRoundTripsItsState) {
  LrScheduleOptions o;
  o.kind = "plateau";
  o.patience = 2;
  o.factor = 0.1;
  LrSchedule s(o, 1.0);
  s.end_epoch(10);
  s.end_epoch(11);
  EXPECT_DOUBLE_EQ(s.lr(0, 2), 1.0);
  s.end_epoch(12);  // second epoch without improvement
  EXPECT_DOUBLE_EQ(s.lr(0, 3), 0.1);
  LrSchedule copy(o, 1.0);
  copy.load_state(s.state());
  EXPECT_DOUBLE_EQ(copy.lr(0, 3), 0.1);
  s.end_epoch(9);
  EXPECT_DOUBLE_EQ(s.lr(0, 4), 0.1);
}

TEST(LrSchedule, AppliesToEveryParameterGroup) {
  auto w = torch::zeros({2}, torch::requires_grad());
  torch::optim::Adam opt({w}, torch::optim::AdamOptions(1.0));
  LrSchedule::apply(opt, 0.25);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.25);
  EXPECT_THROW(LrSchedule({"sometimes"}, 1.0), c10::Error);
}

}  // namespace
}  // namespace hpe3d::train
