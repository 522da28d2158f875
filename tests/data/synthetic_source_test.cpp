#include "hpe3d/data/synthetic_source.h"

#include "hpe3d/data/pose_file.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hpe3d::data {
namespace {

TEST(SyntheticSource, PrepareWritesFourViewsPerPose) {
  auto dir = test::temp_dir("synthetic");
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " synthetic --n 700 --seed 2 --subjects 1,9 --out " +
                                 dir + "/s.h5",
                             &out);
  ASSERT_EQ(rc, 0) << out;
  auto data = read_pose_file(dir + "/s.h5");
  EXPECT_EQ(data.size(), 700 * 4);
  EXPECT_EQ((data.subject == 9).sum().item<int64_t>(), 350 * 4);
  // Everything is in front of the cameras.
  EXPECT_GT(data.pose3d.select(2, 2).min().item<float>(), 1000.0f);
  rc = test::run_command(test::tool_path("h36m-prepare") + " synthetic --n 10 --subjects 12 --out " + dir + "/x.h5",
                         &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("--subjects: no Human3.6M cameras for subject 12"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::data
