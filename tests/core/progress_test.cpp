#include "hpe3d/core/progress.h"

#include <gtest/gtest.h>

namespace hpe3d::core {
namespace {

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(Progress::format_duration(12.4), "12s");
  EXPECT_EQ(Progress::format_duration(192), "03m12s");
  EXPECT_EQ(Progress::format_duration(3720), "1h02m");
  EXPECT_EQ(Progress::format_duration(NAN), "--");
}

TEST(Progress, PrintsAFinalLineWithRateAndSteps) {
  testing::internal::CaptureStderr();
  Progress p("[train] epoch 1/2", 4, 1000.0);
  for (int i = 1; i <= 4; ++i) p.update(i, 256, 0.5);
  p.finish();
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("[train] epoch 1/2 step 4/4"), std::string::npos) << out;
  EXPECT_NE(out.find("samples/s  loss 0.5  took"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::core
