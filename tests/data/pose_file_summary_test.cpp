#include "hpe3d/data/pose_file_summary.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

// A pose whose bone b (in bones() order) has length (10 + b) * scale mm,
// every bone along +x, the root at (0, 0, 4000).
torch::Tensor chain_pose(double scale) {
  auto pose = torch::zeros({geometry::kNumJoints, 3});
  pose[0][2] = 4000;
  const auto& bones = geometry::bones();
  for (size_t b = 0; b < bones.size(); ++b) {  // child order: a parent precedes its children
    auto [parent, child] = bones[b];
    pose[child] = pose[parent];
    pose[child][0] += (10.0 + static_cast<double>(b)) * scale;
  }
  return pose;
}

TEST(PoseFileSummary, CountsRangesAndBoneLengths) {
  PoseData data;
  data.source = "test";
  data.action_names = {"Walk", "Sit"};
  data.pose3d = torch::stack({chain_pose(1), chain_pose(2), chain_pose(3), chain_pose(2), chain_pose(2)});
  data.pose2d = torch::zeros({5, geometry::kNumJoints, 2});
  data.pose2d[2][4][1] = 640;
  data.pose2d[3][0][0] = -5;
  data.subject = torch::tensor({1, 1, 1, 9, 9}, torch::kInt32);
  data.action = torch::tensor({0, 0, 1, 1, 1}, torch::kInt32);
  data.subaction = torch::ones({5}, torch::kInt32);
  data.camera = torch::tensor({1, 2, 1, 1, 4}, torch::kInt32);
  data.frame = torch::arange(5, torch::kInt32);

  const std::string s = summarize(data);
  EXPECT_NE(s.find("samples: 5\n"), std::string::npos) << s;
  EXPECT_NE(s.find("subjects: S1=3 S9=2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("cameras: 1=3 2=1 4=1\n"), std::string::npos) << s;
  EXPECT_NE(s.find(fmt::format("  {:<14} {:>9}\n", "Walk", 2)), std::string::npos) << s;
  EXPECT_NE(s.find(fmt::format("  {:<14} {:>9}\n", "Sit", 3)), std::string::npos) << s;
  EXPECT_NE(s.find("pose2d (px): x [-5.0, 0.0] y [0.0, 640.0]"), std::string::npos) << s;
  // z is 4000 everywhere; x runs from 0 to the longest path from the root.
  EXPECT_NE(s.find("z [4000.0, 4000.0]"), std::string::npos) << s;

  // Bone b: lengths (10 + b) * {1, 2, 3, 2, 2}: median 2 (10 + b), sample
  // std sqrt(0.5) (10 + b), min (10 + b), max 3 (10 + b).
  const auto& names = geometry::joint_names();
  const auto& bones = geometry::bones();
  for (size_t b = 0; b < bones.size(); ++b) {
    const double len = 10.0 + static_cast<double>(b);
    auto line = fmt::format("  {:>9} -> {:<9} {:8.1f} {:7.2f} {:8.1f} {:8.1f}\n", names[bones[b].first],
                            names[bones[b].second], 2 * len, std::sqrt(0.5) * len, len, 3 * len);
    EXPECT_NE(s.find(line), std::string::npos) << "bone " << b << ": expected\n" << line << "in\n" << s;
  }
}

TEST(PoseFileSummary, EmptyFileReportsNoSamples) {
  PoseData data;
  data.source = "empty";
  EXPECT_EQ(summarize(data), "source: empty\nsamples: 0\n");
}

}  // namespace
}  // namespace hpe3d::data
