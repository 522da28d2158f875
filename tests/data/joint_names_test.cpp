#include "hpe3d/data/joint_names.h"

#include <gtest/gtest.h>

namespace hpe3d::data {
namespace {

TEST(JointNames, CanonicalFormsOfRealConventions) {
  // Side as a word, prefix, suffix, camel case or a single letter; namespaces cut.
  EXPECT_EQ(canonical_joint_name("LeftUpLeg"), "left upleg");
  EXPECT_EQ(canonical_joint_name("mixamorig:LeftUpLeg"), "left upleg");
  EXPECT_EQ(canonical_joint_name("UpperLeg_L"), "left upperleg");
  EXPECT_EQ(canonical_joint_name("upperleg.l"), "left upperleg");
  EXPECT_EQ(canonical_joint_name("l_upperleg"), "left upperleg");
  EXPECT_EQ(canonical_joint_name("lThigh"), "left thigh");
  EXPECT_EQ(canonical_joint_name("rShldr"), "right shldr");
  EXPECT_EQ(canonical_joint_name("LHipJoint"), "left hipjoint");
  EXPECT_EQ(canonical_joint_name("KneeLeft"), "left knee");
  EXPECT_EQ(canonical_joint_name("Bip01 R Calf"), "right bip01calf");
  EXPECT_EQ(canonical_joint_name("HeadTop_End"), "headtopend");
  // Lower-case words keep their letters: no side read into them.
  EXPECT_EQ(canonical_joint_name("lowerback"), "lowerback");
  EXPECT_EQ(canonical_joint_name("lhand"), "lhand");
  EXPECT_EQ(canonical_joint_name("RIGHT"), "right");
}

TEST(JointNames, FindPrefersExactAndNeverSwapsSides) {
  const std::vector<std::string> names = {"mixamorig:Hips", "mixamorig:LeftUpLeg", "mixamorig:RightUpLeg", "Neck",
                                          "neck"};
  EXPECT_EQ(find_joint_name(names, "Hips"), 0);
  EXPECT_EQ(find_joint_name(names, "LeftUpLeg"), 1);
  EXPECT_EQ(find_joint_name(names, "UpLeg_L"), 1);
  EXPECT_EQ(find_joint_name(names, "RightUpLeg"), 2);
  EXPECT_EQ(find_joint_name(names, "UpLeg"), -1) << "a side-less name does not pick a side";
  EXPECT_EQ(find_joint_name(names, "Neck"), 3) << "exact beats canonical";
  EXPECT_EQ(find_joint_name(names, "NECK"), -2) << "two canonical matches and no exact one: ambiguous";
  EXPECT_EQ(find_joint_name(names, "Head"), -1);
}

}  // namespace
}  // namespace hpe3d::data
