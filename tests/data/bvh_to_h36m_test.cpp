#include "hpe3d/data/bvh_to_h36m.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

const std::string kAssimpBvhDir = "/usr/share/assimp/models/BVH";

// Bone indices in geometry::bones() order (child - 1).
constexpr int kRFemur = 1, kRShin = 2, kLFemur = 4, kLShin = 5, kLUpperArm = 11, kLForearm = 12,
              kRUpperArm = 14, kRForearm = 15;

double median_mm(const torch::Tensor& t) { return t.median().item<double>(); }

TEST(BvhToH36m, YUpToZUpIsAProperRotation) {
  auto basis = y_up_to_z_up(torch::eye(3, torch::kFloat64));  // rows: images of e_x, e_y, e_z
  EXPECT_NEAR(torch::det(basis).item<double>(), 1.0, 1e-12);
  EXPECT_TRUE(torch::allclose(basis.matmul(basis.t()), torch::eye(3, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(basis[1], torch::tensor({0.0, 0.0, 1.0}, torch::kFloat64)))
      << "BVH up (+y) must become H36M up (+z)";
}

// Two-frame file with the CMU joint names; Hips at (0, 10, 0) then (2, 10, 4).
std::string tiny_cmu_file(const std::string& dir) {
  std::string joints;
  auto leaf = [](const std::string& name, const std::string& offset) {
    return "JOINT " + name + "\n{\nOFFSET " + offset + "\nCHANNELS 0\n";
  };
  // Legs down (-y), spine up (+y), arms out (+-x); all offsets 1 or 2 units.
  std::string text = "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition Zposition\n";
  for (const char* side : {"Left", "Right"}) {
    std::string s = side, x = s == "Left" ? "1" : "-1";
    text += leaf(s + "UpLeg", x + " 0 0") + leaf(s + "Leg", "0 -4 0") + leaf(s + "Foot", "0 -4 0") +
            "End Site\n{\nOFFSET 0 -1 1\n}\n}\n}\n}\n";
  }
  text += leaf("Neck1", "0 6 0") + leaf("Head", "0 1 0") + "End Site\n{\nOFFSET 0 1 0\n}\n}\n";
  for (const char* side : {"Left", "Right"}) {
    std::string s = side, x = s == "Left" ? "2" : "-2";
    text += leaf(s + "Arm", x + " 0 0") + leaf(s + "ForeArm", x + " 0 0") + leaf(s + "Hand", x + " 0 0") +
            "}\n}\n}\n";
  }
  text += "}\n}\nMOTION\nFrames: 2\nFrame Time: 0.1\n0 10 0\n2 10 4\n";
  std::string path = dir + "/tiny_cmu.bvh";
  std::ofstream(path) << text;
  return path;
}

TEST(BvhToH36m, TinyCmuSkeletonByHand) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_tiny")));
  EXPECT_EQ(detect_bvh_skeleton(clip).name, "CMU");
  BvhToH36mOptions options;
  options.mm_per_unit = 100.0;
  options.target_fps = 0.0;  // keep both frames
  WorldSequence seq = bvh_to_world_sequence(clip, options);
  EXPECT_EQ(seq.action, "tiny_cmu");
  EXPECT_EQ(seq.frames, (std::vector<int>{0, 1}));
  ASSERT_EQ(seq.joints.sizes(), (std::vector<int64_t>{2, 17, 3}));
  // Lowest point: the toe End Sites at y = 10 - 9 = 1 -> floor. Hips 9 units =
  // 900 mm above it. Mean root (x, z) = (1, 2) -> H36M (x, y) = (1, -2) is the centre.
  auto hip0 = seq.joints[0][0];
  EXPECT_TRUE(torch::allclose(hip0, torch::tensor({-100.0, 200.0, 900.0}, torch::kFloat64))) << hip0;
  auto hip1 = seq.joints[1][0];  // moved by (2, 0, 4) units: H36M (+200, -400, 0) mm
  EXPECT_TRUE(torch::allclose(hip1, torch::tensor({100.0, -200.0, 900.0}, torch::kFloat64))) << hip1;
  auto at = [&](const char* name) { return seq.joints[0][geometry::joint_index(name)]; };
  // Left is +x in both frames (proper rotation keeps handedness).
  EXPECT_TRUE(torch::allclose(at("LHip") - hip0, torch::tensor({100.0, 0.0, 0.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(at("RFoot") - hip0, torch::tensor({-100.0, 0.0, -800.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(at("Thorax") - hip0, torch::tensor({0.0, 0.0, 600.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(at("Spine") - hip0, torch::tensor({0.0, 0.0, 300.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(at("Head") - hip0, torch::tensor({0.0, 0.0, 800.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(at("RWrist") - hip0, torch::tensor({-600.0, 0.0, 600.0}, torch::kFloat64)));
}

TEST(BvhToH36m, UnknownSkeletonListsMissingJoints) {
  auto dir = hpe3d::test::temp_dir("bvh_h36m_unknown");
  std::string path = dir + "/robot.bvh";
  std::ofstream(path) << "HIERARCHY\nROOT Base\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition Zposition\n"
                         "End Site\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: 1\nFrame Time: 0.1\n0 0 0\n";
  try {
    load_bvh_sequence(path);
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("robot.bvh: unknown BVH skeleton"), std::string::npos) << msg;
    EXPECT_NE(msg.find("CMU lacks Hips RightUpLeg"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Boxing lacks Hips RightHip"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
}

struct RealClip {
  const char* file;
  const char* skeleton;
  const char* left_toe;  // BVH joints ahead of the ankles, to tell where the subject faces
  const char* right_toe;
};

class BvhToH36mReal : public ::testing::TestWithParam<RealClip> {};

TEST_P(BvhToH36mReal, HumanBonesZUpFloorAndCentre) {
  const std::string path = kAssimpBvhDir + "/" + GetParam().file;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent (assimp-testmodels)";
  BvhClip clip = parse_bvh(path);
  EXPECT_EQ(detect_bvh_skeleton(clip).name, GetParam().skeleton);

  BvhToH36mOptions all_frames;
  all_frames.target_fps = 0.0;
  WorldSequence full = bvh_to_world_sequence(clip, all_frames);
  ASSERT_EQ(full.joints.size(0), clip.num_frames());
  ASSERT_EQ(full.joints.sizes(), (std::vector<int64_t>{clip.num_frames(), 17, 3}));
  ASSERT_TRUE(torch::isfinite(full.joints).all().item<bool>());

  auto bones = geometry::bone_lengths(full.joints);  // [T, 16] mm
  const double femur = median_mm(bones.select(1, kRFemur)), shin = median_mm(bones.select(1, kRShin)),
               upper_arm = median_mm(bones.select(1, kRUpperArm));
  std::cout << "[ bvh ] " << clip.name << " median bone lengths (mm):";
  for (int b = 0; b < 16; ++b) {
    const auto [parent, child] = geometry::bones()[b];
    std::cout << " " << geometry::joint_names()[parent] << "-" << geometry::joint_names()[child] << " "
              << std::round(median_mm(bones.select(1, b)) * 10) / 10;
  }
  std::cout << "\n";
  EXPECT_GT(femur, 350.0);
  EXPECT_LT(femur, 500.0);
  EXPECT_GT(shin, 350.0);
  EXPECT_LT(shin, 500.0);
  EXPECT_GT(upper_arm, 230.0);
  EXPECT_LT(upper_arm, 350.0);
  // Limb bones are rigid segments of the BVH skeleton: constant over the clip,
  // and left and right within 10 %.
  for (int b : {kRFemur, kRShin, kLFemur, kLShin, kLUpperArm, kLForearm, kRUpperArm, kRForearm})
    EXPECT_LT(bones.select(1, b).std().item<double>(), 1.0) << "bone " << b;
  EXPECT_NEAR(median_mm(bones.select(1, kLFemur)) / femur, 1.0, 0.1);
  EXPECT_NEAR(median_mm(bones.select(1, kLUpperArm)) / upper_arm, 1.0, 0.1);

  // Z up: the head is above both feet in most frames, and the hip at a
  // standing person's height somewhere in the clip.
  auto z = full.joints.select(2, 2);
  const int head = geometry::joint_index("Head"), lfoot = geometry::joint_index("LFoot"),
            rfoot = geometry::joint_index("RFoot");
  auto head_up = (z.select(1, head) > torch::max(z.select(1, lfoot), z.select(1, rfoot)) + 500.0);
  EXPECT_GT(head_up.to(torch::kFloat64).mean().item<double>(), 0.9);
  const double root_z = median_mm(z.select(1, 0)), head_z = median_mm(z.select(1, head));
  const double ankle_z = median_mm(torch::min(z.select(1, lfoot), z.select(1, rfoot)));
  std::cout << "[ bvh ] " << clip.name << ": median height of root " << root_z << " mm, head " << head_z
            << " mm, lower ankle " << ankle_z << " mm\n";
  EXPECT_GT(root_z, 700.0);
  EXPECT_LT(root_z, 1200.0);
  // Left is left: with the feet pointing forward f, the subject's left is
  // up x f, and the LHip - RHip vector points there (no mirror image).
  const BvhSkeletonMapping& mapping = detect_bvh_skeleton(clip);
  auto bvh = y_up_to_z_up(forward_kinematics(clip));  // file units: only directions are used
  auto bvh_joint = [&](const std::string& name) { return bvh.select(1, clip.joint_index(name)); };
  auto ankle = [&](const char* h36m) { return bvh_joint(mapping.joints[geometry::joint_index(h36m)].a); };
  auto forward = bvh_joint(GetParam().left_toe) - ankle("LFoot") + bvh_joint(GetParam().right_toe) - ankle("RFoot");
  auto left_dir = torch::stack({-forward.select(1, 1), forward.select(1, 0)}, 1);                 // up x f, [T, 2]
  auto hips = (full.joints.select(1, geometry::joint_index("LHip")) - full.joints.select(1, geometry::joint_index("RHip")))
                  .slice(1, 0, 2);
  EXPECT_GT(((hips * left_dir).sum(1) > 0).to(torch::kFloat64).mean().item<double>(), 0.9);

  // Floor at z = 0: nothing below it, the ankles (H36M feet) just above it.
  EXPECT_GE(z.min().item<double>(), -1e-9);
  auto lowest_foot = torch::min(z.select(1, lfoot), z.select(1, rfoot)).min().item<double>();
  EXPECT_LT(lowest_foot, 150.0);
  // Clip centred on the capture area.
  auto root_xy_mean = full.joints.select(1, 0).slice(1, 0, 2).mean(0);
  EXPECT_LT(root_xy_mean.abs().max().item<double>(), 1e-6);

  // 25 fps: nearest source frames, and the same poses as the full-rate output.
  WorldSequence seq = bvh_to_world_sequence(clip);
  EXPECT_EQ(seq.action, clip.name);
  const double duration = (clip.num_frames() - 1) * clip.frame_time;
  EXPECT_NEAR(static_cast<double>(seq.frames.size()), duration * 25.0 + 1, 1.0);
  ASSERT_EQ(seq.joints.size(0), static_cast<int64_t>(seq.frames.size()));
  EXPECT_EQ(seq.frames.front(), 0);
  for (size_t k = 0; k < seq.frames.size(); ++k)
    EXPECT_NEAR(seq.frames[k] * clip.frame_time, k / 25.0, 0.5 * clip.frame_time + 1e-9) << k;
  auto idx = torch::tensor(std::vector<int64_t>(seq.frames.begin(), seq.frames.end()));
  EXPECT_TRUE(torch::equal(seq.joints, full.joints.index_select(0, idx)));
}

INSTANTIATE_TEST_SUITE_P(BvhAssimp, BvhToH36mReal,
                         ::testing::Values(RealClip{"01_01.bvh", "CMU", "LeftToeBase", "RightToeBase"},
                                           RealClip{"01_03.bvh", "CMU", "LeftToeBase", "RightToeBase"},
                                           RealClip{"Boxing_Toes.bvh", "Boxing", "LeftToes", "RightToes"}),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           return n.substr(0, n.find('.'));
                         });

}  // namespace
}  // namespace hpe3d::data
