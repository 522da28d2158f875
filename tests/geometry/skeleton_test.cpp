#include "hpe3d/geometry/skeleton.h"

#include <gtest/gtest.h>

namespace hpe3d::geometry {
namespace {

TEST(Skeleton, ParentsFormATreeRootedAtHip) {
  EXPECT_EQ(joint_parents()[kRootJoint], -1);
  for (int j = 1; j < kNumJoints; ++j) {
    EXPECT_GE(joint_parents()[j], 0);
    EXPECT_LT(joint_parents()[j], j) << "parents precede children: " << joint_names()[j];
  }
  EXPECT_EQ(bones().size(), 16u);
}

TEST(Skeleton, FlipPermutationPairsLeftWithRight) {
  const auto& perm = flip_permutation();
  for (int j = 0; j < kNumJoints; ++j) {
    EXPECT_EQ(perm[perm[j]], j);
    const std::string& name = joint_names()[j];
    const std::string& mirror = joint_names()[perm[j]];
    if (name[0] == 'L') EXPECT_EQ(mirror, "R" + name.substr(1));
    else if (name[0] == 'R') EXPECT_EQ(mirror, "L" + name.substr(1));
    else EXPECT_EQ(perm[j], j) << name;
  }
  EXPECT_EQ(joint_index("LWrist"), 13);
  EXPECT_EQ(joint_index("nope"), -1);
}

TEST(Skeleton, BoneLengthsAndFlip) {
  auto pose = torch::randn({4, kNumJoints, 3}, torch::kFloat64);
  auto lengths = bone_lengths(pose);
  ASSERT_EQ(lengths.sizes(), (std::vector<int64_t>{4, 16}));
  auto expected = (pose.select(1, 13) - pose.select(1, 12)).norm(2, -1);  // LElbow->LWrist
  EXPECT_TRUE(torch::allclose(lengths.select(1, 12), expected));

  auto flipped = flip_pose(pose);
  EXPECT_TRUE(torch::allclose(flip_pose(flipped), pose));
  EXPECT_DOUBLE_EQ(flipped[0][1][0].item<double>(), -pose[0][4][0].item<double>());
  EXPECT_DOUBLE_EQ(flipped[0][1][1].item<double>(), pose[0][4][1].item<double>());
  // Mirroring keeps every bone length but swaps the left and right limbs.
  auto fl = bone_lengths(flipped);
  EXPECT_TRUE(torch::allclose(fl.select(1, 0), lengths.select(1, 3)));  // RHip bone <- LHip bone
}

}  // namespace
}  // namespace hpe3d::geometry
