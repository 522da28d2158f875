#include "hpe3d/data/body_lengths.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

// The four real Human3.6M frames of the shared fixture: [4, 17, 3] mm.
torch::Tensor real_poses() {
  std::ifstream f(test::h36m_sample_json());
  const auto sample = nlohmann::json::parse(f);
  std::vector<double> flat;
  for (const auto& s : sample["samples"])
    for (const auto& j : s["joints3d_camera_mm"])
      for (double v : j) flat.push_back(v);
  return torch::tensor(flat, torch::kFloat64).view({-1, 17, 3});
}

// The unit rule and the human check against real people (S1, S5, S7, S8): in
// mm they pass; the same poses written in cm, m, inches or CMU units are
// given the right unit back; in any wrong unit they are refused.
TEST(BodyLengths, RealHuman36mFramesInEveryUnit) {
  if (test::h36m_sample_json().empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
  const auto poses = real_poses();
  ASSERT_EQ(poses.size(0), 4);
  const BodyLengths mm = measure_body(poses);
  std::cout << "[ body ] H36M S1/S5/S7/S8: " << mm.text(1.0, "mm") << "\n";
  EXPECT_GT(mm.femur, 400.0);
  EXPECT_LT(mm.femur, 480.0);
  EXPECT_GT(mm.stature, 1400.0);
  EXPECT_LT(mm.stature, 1900.0);
  EXPECT_NO_THROW(check_human_lengths(poses, "h36m_sample.json"));
  for (const auto& unit : length_units()) {
    EXPECT_EQ(choose_length_unit(measure_body(poses / unit.mm), "x").name, unit.name);
    for (const auto& wrong : length_units())
      if (wrong.name != unit.name)
        EXPECT_THROW(check_human_lengths(poses / unit.mm * wrong.mm, "x"), core::InputError)
            << unit.name << " read as " << wrong.name;
  }
}

TEST(BodyLengths, OneStretchedBoneInOneFrameIsRefusedByName) {
  if (test::h36m_sample_json().empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
  auto poses = real_poses();
  poses[2][13] = poses[2][12] + (poses[2][13] - poses[2][12]) * 3;  // left forearm x3 in frame 2
  try {
    check_human_lengths(poses, "clip.bvh");
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("clip.bvh: left forearm of "), std::string::npos) << msg;
    EXPECT_NE(msg.find("mm at frame 2 is outside the human range 150.0-400.0 mm (1 of 4 frames)"), std::string::npos)
        << msg;
  }
}

TEST(BodyLengths, NoUnitForADollsHouseFigure) {
  // femur 3 units: 3 mm, 30 mm, 76 mm, 169 mm, 3 m: no unit gives a human.
  BodyLengths l;
  l.femur = 3.0;
  l.shin = 3.0;
  l.stature = 12.0;
  try {
    choose_length_unit(l, "doll.bvh");
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("doll.bvh: no length unit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("femur 3.0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::data
