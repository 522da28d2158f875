#include "hpe3d/data/bvh_to_h36m.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

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

// Two-frame file with the CMU joint names, in cm; Hips at (0, 100, 0) then
// (20, 100, 40). `mirror` swaps the Left/Right names; `z_up` writes the same
// body with Z up ((x, y, z) -> (x, -z, y) on every offset and position).
std::string tiny_cmu_file(const std::string& dir, bool mirror = false, bool z_up = false, bool mirror_arms = false,
                          bool lying = false) {
  auto vec = [&](double x, double y, double z) {
    std::ostringstream s;
    if (z_up) s << x << " " << -z << " " << y;
    else s << x << " " << y << " " << z;
    return s.str();
  };
  auto leaf = [](const std::string& name, const std::string& offset) {
    return "JOINT " + name + "\n{\nOFFSET " + offset + "\nCHANNELS 0\n";
  };
  // Legs down (-y), spine up (+y), arms out (+-x); toes forward (+z).
  std::string text = std::string("HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS ") +
                     (lying ? "4 Xposition Yposition Zposition Xrotation\n" : "3 Xposition Yposition Zposition\n");
  for (const char* side : {"Left", "Right"}) {
    std::string s = side, name = mirror ? (s == "Left" ? "Right" : "Left") : s;
    const double x = s == "Left" ? 10 : -10;
    text += leaf(name + "UpLeg", vec(x, 0, 0)) + leaf(name + "Leg", vec(0, -40, 0)) + leaf(name + "Foot", vec(0, -40, 0)) +
            "End Site\n{\nOFFSET " + vec(0, -10, 10) + "\n}\n}\n}\n}\n";
  }
  text += leaf("Neck1", vec(0, 60, 0)) + leaf("Head", vec(0, 10, 0)) + "End Site\n{\nOFFSET " + vec(0, 10, 0) + "\n}\n}\n";
  for (const char* side : {"Left", "Right"}) {
    std::string s = side, name = (mirror || mirror_arms) ? (s == "Left" ? "Right" : "Left") : s;
    const double x = s == "Left" ? 20 : -20;
    text += leaf(name + "Arm", vec(x, 0, 0)) + leaf(name + "ForeArm", vec(x, 0, 0)) + leaf(name + "Hand", vec(x, 0, 0)) +
            "}\n}\n}\n";
  }
  // Lying: the root turned 90 degrees about X, so the body points along +Z in every frame.
  const std::string turn = lying ? " 90" : "";
  text += "}\n}\nMOTION\nFrames: 2\nFrame Time: 0.1\n" + vec(0, 100, 0) + turn + "\n" + vec(20, 100, 40) + turn + "\n";
  std::string path = dir + "/tiny_cmu.bvh";
  std::ofstream(path) << text;
  return path;
}

TEST(BvhToH36m, TinyCmuSkeletonByHand) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_tiny")));
  BvhToH36mOptions options;
  options.target_fps = 0.0;  // keep both frames
  BvhConversion c = convert_bvh(clip, options);
  EXPECT_EQ(c.skeleton, "cmu");
  EXPECT_EQ(c.unit.name, "cm") << "femur 40 units: only cm gives a human femur";
  EXPECT_TRUE(c.unit_measured);
  EXPECT_EQ(c.up, 'y');
  EXPECT_NE(c.sides.find("left on the left"), std::string::npos) << c.sides;
  const WorldSequence& seq = c.sequence;
  EXPECT_EQ(seq.action, "tiny_cmu");
  EXPECT_EQ(seq.frames, (std::vector<int>{0, 1}));
  ASSERT_EQ(seq.joints.sizes(), (std::vector<int64_t>{2, 17, 3}));
  // Lowest point: the toe End Sites at y = 100 - 90 = 10 -> floor. Hips 90 cm =
  // 900 mm above it. Mean root (x, z) = (10, 20) cm -> H36M (x, y) = (100, -200) mm is the centre.
  auto hip0 = seq.joints[0][0];
  EXPECT_TRUE(torch::allclose(hip0, torch::tensor({-100.0, 200.0, 900.0}, torch::kFloat64))) << hip0;
  auto hip1 = seq.joints[1][0];  // moved by (20, 0, 40) cm: H36M (+200, -400, 0) mm
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

// Position channels on a limb joint move it: the bone's length changes per
// frame and is kept as the file says (h36m-prepare info shows the spread).
TEST(BvhToH36m, BoneLengthsThatChangePerFrameAreKept) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_stretch")));
  const int knee = clip.joint_index("LeftLeg");
  auto& j = clip.joints[knee];
  j.channels = {BvhChannel::kXposition, BvhChannel::kYposition, BvhChannel::kZposition};
  j.first_channel = static_cast<int>(clip.num_channels());
  // The other joints' first channels follow the root's 3: only the knee's are new, at the end.
  clip.motion = torch::cat({clip.motion, torch::tensor({{0.0, -40.0, 0.0}, {0.0, -45.0, 0.0}}, torch::kFloat64)}, 1);
  BvhToH36mOptions options;
  options.target_fps = 0.0;
  auto bones = geometry::bone_lengths(convert_bvh(clip, options).sequence.joints);  // [2, 16] mm
  EXPECT_NEAR(bones[0][kLFemur].item<double>(), 400.0, 1e-9);
  EXPECT_NEAR(bones[1][kLFemur].item<double>(), 450.0, 1e-9);
  EXPECT_NEAR(bones[1][kRFemur].item<double>(), 400.0, 1e-9) << "the other leg keeps its OFFSET";
}

TEST(BvhToH36m, ZUpFileGivesTheSamePoses) {
  auto dir = hpe3d::test::temp_dir("bvh_h36m_zup");
  BvhToH36mOptions options;
  options.target_fps = 0.0;
  BvhConversion y = convert_bvh(parse_bvh(tiny_cmu_file(dir)), options);
  std::filesystem::create_directories(dir + "/z");
  BvhConversion z = convert_bvh(parse_bvh(tiny_cmu_file(dir + "/z", false, true)), options);
  EXPECT_EQ(y.up, 'y');
  EXPECT_EQ(z.up, 'z');
  EXPECT_TRUE(torch::allclose(y.sequence.joints, z.sequence.joints, 0, 1e-9));
  options.up = "y";  // forced wrong: converted as the user says (with a warning), the subject lying
  auto lying = convert_bvh(parse_bvh(dir + "/z/tiny_cmu.bvh"), options).sequence.joints[0];
  EXPECT_NEAR((lying[geometry::joint_index("Head")] - lying[0])[2].item<double>(), 0.0, 1e-6);
}

TEST(BvhToH36m, MirroredFileIsRefused) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_mirror"), true));
  try {
    convert_bvh(clip, {});
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the joints named left are on the subject's right"), std::string::npos)
        << e.what();
  }
}

TEST(BvhToH36m, ArmsNamedForTheOtherSideAreRefused) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_arms"), false, false, true));
  try {
    convert_bvh(clip, {});
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the hips and the shoulders named left are on opposite sides"),
              std::string::npos)
        << e.what();
  }
}

TEST(BvhToH36m, SubjectLyingDownIsNotTakenForTheOtherUpAxis) {
  // Y-up OFFSETs (rest pose upright along +Y), frames turned to lie along +Z:
  // the frames alone would call the file Z-up and write a standing subject.
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_lying"), false, false, false, true));
  try {
    convert_bvh(clip, {});
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot tell the up axis: the frames have the head above the ankles along +Z"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("the rest pose of the OFFSETs along +Y"), std::string::npos) << msg;
  }
  BvhToH36mOptions options;
  options.up = "y";  // the user says so: converted, lying
  auto seq = convert_bvh(clip, options).sequence;
  auto head = seq.joints[0][geometry::joint_index("Head")], hip = seq.joints[0][0];
  EXPECT_NEAR((head - hip)[2].item<double>(), 0.0, 1e-6) << "head level with the hip";
}

TEST(BvhToH36m, UnitsForcedOrRefused) {
  BvhClip clip = parse_bvh(tiny_cmu_file(hpe3d::test::temp_dir("bvh_h36m_units")));
  BvhToH36mOptions options;
  options.units = "inch";  // femur 40 in = 1016 mm: not a human
  try {
    convert_bvh(clip, options);
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("femur of 1016.0 mm at frame 0 is outside the human range"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
  options.units = "furlong";
  EXPECT_THROW(convert_bvh(clip, options), core::InputError);
  options.units = "cm";
  EXPECT_FALSE(convert_bvh(clip, options).unit_measured);
}

TEST(BvhToH36m, UnknownSkeletonListsUnplacedJoints) {
  auto dir = hpe3d::test::temp_dir("bvh_h36m_unknown");
  std::string path = dir + "/robot.bvh";
  std::ofstream(path) << "HIERARCHY\nROOT Base\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition Zposition\n"
                         "End Site\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: 1\nFrame Time: 0.1\n0 0 0\n";
  try {
    load_bvh_sequence(path);
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("robot.bvh: fits no skeleton map of"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no preset places any of the 17 joints (the file's joints: Base, Base_End, ...)"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("--skeleton FILE.yaml"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
  // A forced map names what it cannot place.
  BvhToH36mOptions options;
  options.skeleton = "mixamo";
  try {
    convert_bvh(parse_bvh(tiny_cmu_file(dir)), options);
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("skeleton map 'mixamo' cannot place Spine (mixamorig:Neck); Thorax (mixamorig:Neck)"),
              std::string::npos)
        << e.what();
  }
  options.skeleton = "nonesuch";
  EXPECT_THROW(convert_bvh(parse_bvh(tiny_cmu_file(dir)), options), core::InputError);
}

// A standing figure (cm, Y up, facing +z) written with one convention's joint
// names: the root, a spine chain ending in neck -> head (crown End Site), and
// per side an optional collar, shoulder -> elbow -> wrist, hip -> knee ->
// ankle -> toe. {side} in a name is replaced by the side's spelling.
struct Convention {
  const char* preset;
  std::vector<std::string> spine;  // root first, then up to the neck and the head
  std::string collar, shoulder, elbow, wrist, hip, knee, ankle, toe;
  std::string left, right;         // spellings of the side
  bool crown = true;
};

std::string convention_file(const std::string& dir, const Convention& c) {
  auto named = [](std::string pattern, const std::string& side) {
    const auto at = pattern.find("{side}");
    if (at != std::string::npos) pattern.replace(at, 6, side);
    return pattern;
  };
  auto open = [](const std::string& kind, const std::string& name, double x, double y, double z, bool root = false) {
    std::ostringstream o;
    o << kind << " " << name << "\n{\nOFFSET " << x << " " << y << " " << z << "\nCHANNELS "
      << (root ? "6 Xposition Yposition Zposition Zrotation Xrotation Yrotation" : "3 Zrotation Xrotation Yrotation")
      << "\n";
    return o.str();
  };
  auto end_site = [](double x, double y, double z) {
    std::ostringstream o;
    o << "End Site\n{\nOFFSET " << x << " " << y << " " << z << "\n}\n";
    return o.str();
  };
  int channels = 6;
  std::string text = "HIERARCHY\n" + open("ROOT", c.spine[0], 0, 0, 0, true);
  for (const auto& [side, x] : {std::pair<std::string, double>{c.left, 1}, {c.right, -1}}) {
    text += open("JOINT", named(c.hip, side), 10 * x, -5, 0) + open("JOINT", named(c.knee, side), 0, -42, 0) +
            open("JOINT", named(c.ankle, side), 0, -42, 0) + open("JOINT", named(c.toe, side), 0, -7, 12) +
            end_site(0, 0, 5) + "}\n}\n}\n}\n";
    channels += 12;
  }
  const double rise = 50.0 / static_cast<double>(c.spine.size() - 2);  // root .. neck: 50 cm
  for (size_t i = 1; i < c.spine.size(); ++i) {
    const bool head = i + 1 == c.spine.size();
    text += open("JOINT", c.spine[i], 0, head ? 10.0 : rise, 0);
    channels += 3;
    if (i + 3 == c.spine.size()) {  // the joint below the neck carries the arms
      for (const auto& [side, x] : {std::pair<std::string, double>{c.left, 1}, {c.right, -1}}) {
        int opened = 0;
        if (!c.collar.empty()) text += open("JOINT", named(c.collar, side), 3 * x, 5, 0), ++opened;
        text += open("JOINT", named(c.shoulder, side), 15 * x, 0, 0) + open("JOINT", named(c.elbow, side), 28 * x, 0, 0) +
                open("JOINT", named(c.wrist, side), 25 * x, 0, 0) + end_site(8 * x, 0, 0) + "}\n}\n}\n";
        opened += 3;
        for (int k = 3; k < opened; ++k) text += "}\n";
        channels += 3 * opened;
      }
    }
  }
  text += c.crown ? end_site(0, 12, 0) : "";
  for (size_t i = 0; i < c.spine.size(); ++i) text += "}\n";
  text += "MOTION\nFrames: 2\nFrame Time: 0.0333333\n";
  for (int f = 0; f < 2; ++f) {
    text += "0 95 " + std::to_string(f * 3);
    for (int k = 3; k < channels; ++k) text += " 0";
    text += "\n";
  }
  const std::string path = dir + "/" + c.preset + ".bvh";
  std::ofstream(path) << text;
  return path;
}

class BvhConventions : public ::testing::TestWithParam<Convention> {};

// Conventions the shipped corpus has no file of: a figure with their names
// gets their preset (and no other), cm, left on the left.
TEST_P(BvhConventions, FigureWithTheConventionsNamesGetsItsPreset) {
  const Convention& c = GetParam();
  auto dir = hpe3d::test::temp_dir(std::string("bvh_convention_") + c.preset);
  BvhToH36mOptions options;
  options.target_fps = 0.0;
  BvhConversion conversion = convert_bvh(parse_bvh(convention_file(dir, c)), options);
  std::cout << "[ bvh ] " << conversion.report() << "\n";
  EXPECT_EQ(conversion.skeleton, c.preset) << conversion.report();
  EXPECT_EQ(conversion.unit.name, "cm") << conversion.report();
  EXPECT_NE(conversion.sides.find("left on the left"), std::string::npos) << conversion.report();
  auto z = conversion.sequence.joints[0].select(1, 2);
  auto at = [&](const char* j) { return z[geometry::joint_index(j)].item<double>(); };
  EXPECT_GT(at("Head"), at("Neck/Nose"));
  EXPECT_GT(at("Neck/Nose"), at("Thorax"));
  EXPECT_GT(at("Thorax"), at("Spine"));
  EXPECT_GT(at("Spine"), at("Hip"));
}

INSTANTIATE_TEST_SUITE_P(
    Presets, BvhConventions,
    ::testing::Values(
        Convention{"perfume", {"Hips", "Chest", "Chest2", "Chest3", "Chest4", "Neck", "Head"}, "{side}Collar",
                   "{side}Shoulder", "{side}Elbow", "{side}Wrist", "{side}Hip", "{side}Knee", "{side}Ankle",
                   "{side}Toe", "Left", "Right"},
        Convention{"biovision", {"Hips", "Chest", "Neck", "Head"}, "{side}Collar", "{side}UpArm", "{side}LowArm",
                   "{side}Hand", "{side}Hip", "{side}Knee", "{side}Ankle", "{side}Toe", "Left", "Right"},
        Convention{"max_biped",
                   {"Bip01", "Bip01 Pelvis", "Bip01 Spine", "Bip01 Spine1", "Bip01 Neck", "Bip01 Head"},
                   "Bip01 {side} Clavicle", "Bip01 {side} UpperArm", "Bip01 {side} Forearm", "Bip01 {side} Hand",
                   "Bip01 {side} Thigh", "Bip01 {side} Calf", "Bip01 {side} Foot", "Bip01 {side} Toe0", "L", "R"},
        Convention{"brekel", {"HipCenter", "Spine", "ShoulderCenter", "Head"}, "", "Shoulder{side}", "Elbow{side}",
                   "Wrist{side}", "Hip{side}", "Knee{side}", "Ankle{side}", "Foot{side}", "Left", "Right"},
        Convention{"lafan1", {"Hips", "Spine", "Spine1", "Spine2", "Neck", "Head"}, "{side}Shoulder", "{side}Arm",
                   "{side}ForeArm", "{side}Hand", "{side}UpLeg", "{side}Leg", "{side}Foot", "{side}Toe", "Left",
                   "Right", false}),
    [](const auto& info) { return std::string(info.param.preset); });

// A real clip: its file, the preset and unit it must get, and the BVH joints
// of its ankles and toes (to tell where the subject faces, independently of
// the converter's own check).
struct RealClip {
  const char* path;  // /usr/share/assimp/... or shared/fixtures/bvh_corpus/...
  const char* skeleton;
  const char* unit;
  const char* left_ankle, *right_ankle, *left_toe, *right_toe;
};

std::string clip_path(const RealClip& c) {
  const std::string p = c.path;
  return p.rfind("/usr/", 0) == 0 ? p : std::string(HPE3D_SHARED_DIR) + "/" + p;
}

class BvhToH36mReal : public ::testing::TestWithParam<RealClip> {};

TEST_P(BvhToH36mReal, HumanBonesZUpFloorAndCentre) {
  const std::string path = clip_path(GetParam());
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent (assimp-testmodels or the shared corpus)";
  BvhClip clip = parse_bvh(path);

  BvhToH36mOptions all_frames;
  all_frames.target_fps = 0.0;
  BvhConversion conversion = convert_bvh(clip, all_frames);
  std::cout << "[ bvh ] " << clip.name << ": " << conversion.report() << "\n";
  EXPECT_EQ(conversion.skeleton, GetParam().skeleton);
  EXPECT_EQ(conversion.unit.name, GetParam().unit);
  EXPECT_EQ(conversion.up, 'y');
  EXPECT_NE(conversion.sides.find("left on the left"), std::string::npos) << conversion.sides;
  const WorldSequence& full = conversion.sequence;
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
  EXPECT_GT(femur, 340.0);
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
  // Head above Neck/Nose above Thorax above Spine above Hip (medians over the clip).
  for (const auto& [upper, lower] : std::vector<std::pair<const char*, const char*>>{
           {"Head", "Neck/Nose"}, {"Neck/Nose", "Thorax"}, {"Thorax", "Spine"}, {"Spine", "Hip"}})
    EXPECT_GT(median_mm(z.select(1, geometry::joint_index(upper))), median_mm(z.select(1, geometry::joint_index(lower))))
        << upper << " above " << lower;
  // Left is left: with the feet pointing forward f, the subject's left is
  // up x f, and the LHip - RHip vector points there (no mirror image).
  auto bvh = y_up_to_z_up(forward_kinematics(clip));  // file units: only directions are used
  auto bvh_joint = [&](const std::string& name) { return bvh.select(1, clip.joint_index(name)); };
  auto ankle = [&](const char* name) { return bvh_joint(name); };
  auto forward = bvh_joint(GetParam().left_toe) - ankle(GetParam().left_ankle) + bvh_joint(GetParam().right_toe) -
                 ankle(GetParam().right_ankle);
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

INSTANTIATE_TEST_SUITE_P(
    BvhReal, BvhToH36mReal,
    ::testing::Values(
        RealClip{"/usr/share/assimp/models/BVH/01_01.bvh", "cmu", "cmu", "LeftFoot", "RightFoot", "LeftToeBase",
                 "RightToeBase"},
        RealClip{"/usr/share/assimp/models/BVH/01_03.bvh", "cmu", "cmu", "LeftFoot", "RightFoot", "LeftToeBase",
                 "RightToeBase"},
        RealClip{"/usr/share/assimp/models/BVH/Boxing_Toes.bvh", "boxing", "cm", "LeftAnkle", "RightAnkle",
                 "LeftToes", "RightToes"},
        RealClip{"fixtures/bvh_corpus/cmu_94_01.bvh", "cmu_asf", "cmu", "LeftAnkle", "RightAnkle", "LeftToe_End",
                 "RightToe_End"},
        RealClip{"fixtures/bvh_corpus/cmu_05_20_daz.bvh", "daz", "cm", "lFoot", "rFoot", "lFoot_End", "rFoot_End"},
        RealClip{"fixtures/bvh_corpus/bandai_dataset-1_walk_normal_001.bvh", "bandai", "cm", "Foot_L", "Foot_R",
                 "Toes_L", "Toes_R"},
        RealClip{"fixtures/bvh_corpus/mixamo_test_freebvh.bvh", "mixamo", "cm", "mixamorig:LeftFoot",
                 "mixamorig:RightFoot", "mixamorig:LeftToeBase", "mixamorig:RightToeBase"},
        RealClip{"fixtures/bvh_corpus/pymo_AV_8Walk_Meredith_HVHA_Rep1.bvh", "pymo", "inch", "LeftFoot", "RightFoot",
                 "LeftToeBase_End", "RightToeBase_End"}),
    [](const auto& info) {
      std::string n = info.param.path;
      n = n.substr(n.find_last_of('/') + 1);
      n = n.substr(0, n.find('.'));
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

}  // namespace
}  // namespace hpe3d::data
