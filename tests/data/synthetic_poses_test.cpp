#include "hpe3d/data/synthetic_poses.h"

#include <gtest/gtest.h>

#include "hpe3d/geometry/skeleton.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

TEST(SyntheticPoses, DeterministicAndChunkable) {
  auto a = sample_synthetic_poses(10000, 3);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{10000, 17, 3}));
  EXPECT_TRUE(torch::equal(a, sample_synthetic_poses(10000, 3)));
  EXPECT_FALSE(torch::equal(a, sample_synthetic_poses(10000, 4)));
  // Chunks across block boundaries give the same stream.
  auto parts = torch::cat({sample_synthetic_poses(3000, 3, 0), sample_synthetic_poses(5000, 3, 3000),
                           sample_synthetic_poses(2000, 3, 8000)});
  EXPECT_TRUE(torch::equal(a, parts));
  EXPECT_TRUE(torch::isfinite(a).all().item<bool>());
}

TEST(SyntheticPoses, HumanProportionsAndUpright) {
  auto p = sample_synthetic_poses(5000, 1);
  auto bones = geometry::bone_lengths(p);  // [N, 16], bone b ends at joint b + 1
  auto median = [&](int child) { return std::get<0>(bones.select(1, child - 1).median(0)).item<double>(); };
  EXPECT_NEAR(median(2), 450, 25);   // right femur
  EXPECT_NEAR(median(5), 450, 25);   // left femur
  EXPECT_NEAR(median(3), 445, 25);   // shin
  EXPECT_NEAR(median(12), 280, 20);  // upper arm
  // Left and right limbs have the same length in every pose.
  EXPECT_LT((bones.select(1, 1) - bones.select(1, 4)).abs().max().item<double>(), 1e-9);
  EXPECT_LT((bones.select(1, 12) - bones.select(1, 15)).abs().max().item<double>(), 1e-9);
  // Head above hip above feet (Z up) for almost every pose, feet on the floor.
  auto z = p.select(2, 2);
  auto head_above = (z.select(1, 10) > z.select(1, 0)).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(head_above, 0.98);
  auto feet_low = torch::minimum(z.select(1, 3), z.select(1, 6));
  EXPECT_LT((feet_low - 90).abs().max().item<double>(), 1e-6);
  EXPECT_LT(p.select(2, 0).abs().max().item<double>(), 2000);
}

TEST(SyntheticPoses, PrepareWritesFourViewsPerPose) {
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
