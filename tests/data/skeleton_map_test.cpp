#include "hpe3d/data/skeleton_map.h"

#include <gtest/gtest.h>

#include <fstream>

#include "hpe3d/core/error.h"
#include "hpe3d/data/bvh.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

// A chain Hips -> A -> B -> Top (straight up, lengths 1, 1, 2) with legs and arms.
BvhClip chain_clip(const std::string& dir) {
  std::string text =
      "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition Zposition\n"
      "JOINT A\n{\nOFFSET 0 1 0\nCHANNELS 0\nJOINT B\n{\nOFFSET 0 1 0\nCHANNELS 0\n"
      "JOINT Top\n{\nOFFSET 0 2 0\nCHANNELS 0\nEnd Site\n{\nOFFSET 0 0 0\n}\n}\n}\n}\n"
      "JOINT Arm_L\n{\nOFFSET 1 3 0\nCHANNELS 0\nEnd Site\n{\nOFFSET 1 0 0\n}\n}\n"
      "}\nMOTION\nFrames: 1\nFrame Time: 0.1\n0 0 0\n";
  std::ofstream(dir + "/chain.bvh") << text;
  return parse_bvh(dir + "/chain.bvh");
}

std::string write_map(const std::string& dir, const std::string& joints_yaml) {
  std::string text = "name: t\njoints:\n";
  for (const auto& n : geometry::joint_names())
    if (joints_yaml.find(n + ":") == std::string::npos) text += "  " + n + ": Hips\n";
  text += joints_yaml;
  std::ofstream(dir + "/t.yaml") << text;
  return dir + "/t.yaml";
}

TEST(SkeletonMap, RulesPlacePointsByHand) {
  auto dir = test::temp_dir("skeleton_map_rules");
  BvhClip clip = chain_clip(dir);
  auto map = load_skeleton_map(write_map(dir,
                                         "  Spine: {along: [Hips, Top], at: 0.75}\n"
                                         "  Thorax: {mix: {A: 0.25, B: 0.75}}\n"
                                         "  Head: [{end_site: Top}, {extend: [B, Top], by: 0.5}]\n"
                                         "  LWrist: {end_site: LeftArm}\n"));
  auto resolved = resolve_skeleton_map(map, clip);
  ASSERT_TRUE(resolved.complete()) << resolved.unplaced.front();
  EXPECT_EQ(resolved.joints[geometry::joint_index("Head")].rule, "Top + 0.5 (Top - B)")
      << "the zero-length End Site is skipped";
  auto p = apply_skeleton_map(resolved, forward_kinematics(clip))[0];
  auto y = [&](const char* j) { return p[geometry::joint_index(j)][1].item<double>(); };
  EXPECT_DOUBLE_EQ(y("Spine"), 3.0);   // 3/4 of the chain's length 4
  EXPECT_DOUBLE_EQ(y("Thorax"), 1.75);
  EXPECT_DOUBLE_EQ(y("Head"), 5.0);
  EXPECT_DOUBLE_EQ(p[geometry::joint_index("LWrist")][0].item<double>(), 2.0) << "Arm_L's End Site";
}

TEST(SkeletonMap, UnplacedJointsAreNamed) {
  auto dir = test::temp_dir("skeleton_map_unplaced");
  auto map = load_skeleton_map(write_map(dir, "  Spine: {along: [Top, Hips], at: 0.5}\n  RWrist: RightArm\n"));
  auto resolved = resolve_skeleton_map(map, chain_clip(dir));
  ASSERT_EQ(resolved.unplaced.size(), 2u);
  EXPECT_EQ(resolved.unplaced[0], "Spine (Hips (not below Top))");
  EXPECT_EQ(resolved.unplaced[1], "RWrist (RightArm)") << "Arm_L is left: never taken for the right arm";
}

TEST(SkeletonMap, BadMapFilesNameTheKey) {
  auto dir = test::temp_dir("skeleton_map_bad");
  struct Case {
    std::string text, message;
  };
  std::string all;
  for (const auto& n : geometry::joint_names()) all += "  " + n + ": Hips\n";
  const std::vector<Case> cases = {
      {"name: x\n", "joints: expected a mapping"},
      {"name: x\njoints:\n  Hip: Hips\n", "joints.RHip: missing"},
      {"name: x\nsize: 3\njoints:\n" + all, "size: unknown key"},
      {"name: x\njoints:\n" + all + "  Pelvis: Hips\n", "joints.Pelvis: not a Human3.6M joint name"},
      {"name: x\njoints:\n" + all.substr(all.find('\n') + 1) + "  Hip: {mix: {A: 0.5, B: 0.6}}\n",
       "joints.Hip.mix: weights must sum to 1"},
      {"name: x\njoints:\n" + all.substr(all.find('\n') + 1) + "  Hip: {along: [A, B]}\n", "joints.Hip.at: missing"},
      {"name: x\njoints:\n" + all.substr(all.find('\n') + 1) + "  Hip: {near: A}\n",
       "joints.Hip: expected one of end_site, mix, along, extend"},
      {"name: x\njoints:\n" + all.substr(all.find('\n') + 1) + "  Hip: {along: [A, B], at: 0.5, by: 2}\n",
       "joints.Hip.by: unexpected key next to 'along'"},
      {"name: x\njoints:\n" + all.substr(all.find('\n') + 1) + "  Hip: {end_site: A, mix: {A: 1}}\n",
       "joints.Hip.mix: unexpected key next to 'end_site'"},
  };
  for (const auto& c : cases) {
    std::ofstream(dir + "/bad.yaml") << c.text;
    try {
      load_skeleton_map(dir + "/bad.yaml");
      ADD_FAILURE() << "no InputError for " << c.text;
    } catch (const core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
    }
  }
}

TEST(SkeletonMap, ShippedPresetsLoad) {
  auto presets = skeleton_presets();
  std::vector<std::string> names;
  for (const auto& p : presets) names.push_back(p.name);
  for (const char* want : {"bandai", "biovision", "boxing", "brekel", "cmu", "cmu_asf", "daz", "lafan1", "max_biped",
                           "mixamo", "perfume", "pymo"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const auto& p : presets) EXPECT_EQ(p.path.substr(p.path.find_last_of('/') + 1), p.name + ".yaml");
}

}  // namespace
}  // namespace hpe3d::data
