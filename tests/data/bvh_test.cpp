#include "hpe3d/data/bvh.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

const char* kAssimpBvhDir = "/usr/share/assimp/models/BVH";

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Root with position + ZXY rotation channels, a child with its own Z rotation,
// and an End Site. Frame 1: identity; frame 2: root at (10, 20, 30) turned 90°
// about Z; frame 3: the child turned another 90° about Z.
const char* kChain = R"(HIERARCHY
ROOT Root
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Child
  {
    OFFSET 1 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 2 0
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
10 20 30 90 0 0 0 0 0
10 20 30 90 0 0 90 0 0
)";

// A root with three rotation channels in `order` and two channel-less children
// at (1, 0, 0) and (0, 1, 0); one frame with all three angles at 90°.
std::string rotation_order_file(const std::string& order) {
  return "HIERARCHY\nROOT R\n{\n OFFSET 0 0 0\n CHANNELS 3 " + order +
         "\n JOINT A\n {\n  OFFSET 1 0 0\n  CHANNELS 0\n  End Site\n  {\n   OFFSET 0 0 0\n  }\n }\n"
         " JOINT B\n {\n  OFFSET 0 1 0\n  CHANNELS 0\n  End Site\n  {\n   OFFSET 0 0 0\n  }\n }\n}\n"
         "MOTION\nFrames: 1\nFrame Time: 0.01\n90 90 90\n";
}

void expect_near(const torch::Tensor& actual, std::vector<double> expected) {
  auto e = torch::tensor(expected, torch::kFloat64).reshape(actual.sizes());
  EXPECT_TRUE(torch::allclose(actual, e, 1e-9, 1e-9)) << "got " << actual << " expected " << e;
}

// Runs parse_bvh on `text` and returns the InputError message ("" if none).
std::string parse_error(const std::string& name, const std::string& text) {
  const std::string path = write_file(hpe3d::test::temp_dir("bvh_errors"), name, text);
  try {
    parse_bvh(path);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Bvh, ParsesHierarchyAndMotion) {
  auto path = write_file(hpe3d::test::temp_dir("bvh_parse"), "chain.bvh", kChain);
  BvhClip clip = parse_bvh(path);
  EXPECT_EQ(clip.name, "chain");
  ASSERT_EQ(clip.joints.size(), 3u);
  EXPECT_EQ(clip.joints[0].name, "Root");
  EXPECT_EQ(clip.joints[1].name, "Child");
  EXPECT_EQ(clip.joints[2].name, "Child_End");
  EXPECT_TRUE(clip.joints[2].end_site);
  EXPECT_EQ(clip.joints[2].parent, 1);
  EXPECT_EQ(clip.joints[1].first_channel, 6);
  ASSERT_EQ(clip.joints[0].channels.size(), 6u);
  EXPECT_EQ(clip.joints[0].channels[3], BvhChannel::kZrotation);
  EXPECT_EQ(clip.joints[0].channels[5], BvhChannel::kYrotation);
  EXPECT_EQ(clip.num_frames(), 3);
  EXPECT_EQ(clip.num_channels(), 9);
  EXPECT_DOUBLE_EQ(clip.fps(), 2.0);
  EXPECT_DOUBLE_EQ(clip.motion[1][0].item<double>(), 10.0);
  EXPECT_DOUBLE_EQ(clip.motion[2][6].item<double>(), 90.0);
}

TEST(Bvh, ForwardKinematicsByHand) {
  auto path = write_file(hpe3d::test::temp_dir("bvh_fk"), "chain.bvh", kChain);
  auto xyz = forward_kinematics(parse_bvh(path));
  ASSERT_EQ(xyz.sizes(), (std::vector<int64_t>{3, 3, 3}));
  EXPECT_EQ(xyz.scalar_type(), torch::kFloat64);
  // Identity rotations: offsets add up from the root position.
  expect_near(xyz[0], {1, 2, 3, 2, 2, 3, 2, 4, 3});
  // 90° about Z maps (1,0,0) -> (0,1,0) and (0,2,0) -> (-2,0,0).
  expect_near(xyz[1], {10, 20, 30, 10, 21, 30, 8, 21, 30});
  // The child's own 90° composes with the root's: (0,2,0) turns 180°.
  expect_near(xyz[2], {10, 20, 30, 10, 21, 30, 10, 19, 30});
}

TEST(Bvh, RotationChannelOrderIsIntrinsicInListedOrder) {
  auto dir = hpe3d::test::temp_dir("bvh_order");
  // ZXY: R = Rz Rx Ry. Ry(1,0,0) = (0,0,-1), Rx -> (0,1,0), Rz -> (-1,0,0);
  //      (0,1,0) is fixed by Ry, Rx -> (0,0,1), Rz keeps it.
  auto zxy = forward_kinematics(parse_bvh(write_file(dir, "zxy.bvh", rotation_order_file("Zrotation Xrotation Yrotation"))));
  expect_near(zxy[0][1], {-1, 0, 0});
  expect_near(zxy[0][3], {0, 0, 1});
  // XYZ: R = Rx Ry Rz. Rz(1,0,0) = (0,1,0), Ry keeps it, Rx -> (0,0,1);
  //      Rz(0,1,0) = (-1,0,0), Ry -> (0,0,1), Rx -> (0,-1,0).
  auto xyz = forward_kinematics(parse_bvh(write_file(dir, "xyz.bvh", rotation_order_file("Xrotation Yrotation Zrotation"))));
  expect_near(xyz[0][1], {0, 0, 1});
  expect_near(xyz[0][3], {0, -1, 0});
}

TEST(Bvh, BlankLinesSkippedAndLinesBeyondDeclaredFramesIgnored) {
  // CRLF line ends, a blank line inside the motion block, and one frame line
  // more than declared (as in Boxing_Toes.bvh): the declared count wins.
  std::string text = replace(kChain, "1 2 3 0 0 0 0 0 0\n", "1 2 3 0 0 0 0 0 0\n\n");
  text += "5 5 5 0 0 0 0 0 0\n";
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto path = write_file(hpe3d::test::temp_dir("bvh_extra"), "extra.bvh", crlf);
  BvhClip clip = parse_bvh(path);
  ASSERT_EQ(clip.num_frames(), 3);
  EXPECT_DOUBLE_EQ(clip.motion[1][0].item<double>(), 10.0);
  EXPECT_DOUBLE_EQ(clip.motion[2][6].item<double>(), 90.0);
}

TEST(Bvh, MissingFileNamesTheFile) {
  try {
    parse_bvh(hpe3d::test::temp_dir("bvh_missing") + "/nope.bvh");
    FAIL() << "no InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.bvh"), std::string::npos) << e.what();
  }
}

TEST(Bvh, WrongChannelCountNamesFileAndLine) {
  // Frame lines are lines 19, 20 and 21.
  auto msg = parse_error("short.bvh", replace(kChain, "10 20 30 90 0 0 0 0 0", "10 20 30 90 0 0 0 0"));
  EXPECT_NE(msg.find("short.bvh: line 20: expected 9 channel values, got 8"), std::string::npos) << msg;
  msg = parse_error("long.bvh", replace(kChain, "1 2 3 0 0 0 0 0 0", "1 2 3 0 0 0 0 0 0 7"));
  EXPECT_NE(msg.find("long.bvh: line 19: expected 9 channel values, got 10"), std::string::npos) << msg;
}

TEST(Bvh, TruncatedMotionBlock) {
  auto msg = parse_error("truncated.bvh", replace(kChain, "Frames: 3", "Frames: 5"));
  EXPECT_NE(msg.find("truncated.bvh"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated MOTION block: 'Frames: 5' declared, 3 frame lines found"), std::string::npos) << msg;
  msg = parse_error("no_motion.bvh", std::string(kChain).substr(0, std::string(kChain).find("MOTION")));
  EXPECT_NE(msg.find("no_motion.bvh"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no MOTION section"), std::string::npos) << msg;
  msg = parse_error("brace.bvh", replace(kChain, "  }\n}\nMOTION", "}\nMOTION"));
  EXPECT_NE(msg.find("brace.bvh: line 15: unexpected end of HIERARCHY"), std::string::npos) << msg;
}

TEST(Bvh, NonNumericValues) {
  auto msg = parse_error("text.bvh", replace(kChain, "10 20 30 90 0 0 90 0 0", "10 20 30 90 zero 0 90 0 0"));
  EXPECT_NE(msg.find("text.bvh: line 21: channel value 5 is not a number: \"zero\""), std::string::npos) << msg;
  msg = parse_error("glued.bvh", replace(kChain, "10 20 30 90 0 0 90 0 0", "10 20 30 90x 0 0 90 0 0"));
  EXPECT_NE(msg.find("glued.bvh: line 21: channel value 4 is not a number: \"90x\""), std::string::npos) << msg;
  msg = parse_error("nan.bvh", replace(kChain, "1 2 3 0 0 0 0 0 0", "1 2 nan 0 0 0 0 0 0"));
  EXPECT_NE(msg.find("nan.bvh: line 19: channel value 3 is not finite"), std::string::npos) << msg;
  msg = parse_error("offset.bvh", replace(kChain, "OFFSET 1 0 0", "OFFSET 1 O 0"));
  EXPECT_NE(msg.find("offset.bvh: line 8: expected a number, got \"O\""), std::string::npos) << msg;
}

// Hostile headers are refused before anything is allocated for them, and
// nothing of the file reaches the message unescaped.
TEST(Bvh, HostileHeadersAndValuesAreOneLineErrors) {
  auto msg = parse_error("tiny_time.bvh", replace(kChain, "Frame Time: 0.5", "Frame Time: 1e-300"));
  EXPECT_NE(msg.find("implausible frame time \"1e-300\" s (expected 1e-4 to 1 s per frame)"), std::string::npos) << msg;
  msg = parse_error("slow.bvh", replace(kChain, "Frame Time: 0.5", "Frame Time: 5"));
  EXPECT_NE(msg.find("implausible frame time"), std::string::npos) << msg;
  for (const char* frames : {"999999999", "2147483648", "9223372036854775807", "99999999999999999999999"}) {
    msg = parse_error("huge.bvh", replace(kChain, "Frames: 3", std::string("Frames: ") + frames));
    EXPECT_TRUE(msg.find("frame lines found") != std::string::npos || msg.find("bad frame count") != std::string::npos)
        << frames << ": " << msg;
  }
  msg = parse_error("offset.bvh", replace(kChain, "OFFSET 1 0 0", "OFFSET 1e300 0 0"));
  EXPECT_NE(msg.find("offset.bvh: line 8: absurd value \"1e300\""), std::string::npos) << msg;
  for (const char* v : {"1e20", "1e300", "-7e21"}) {
    msg = parse_error("values.bvh", replace(kChain, "1 2 3 0 0 0 0 0 0", std::string("1 2 ") + v + " 0 0 0 0 0 0"));
    EXPECT_NE(msg.find("values.bvh: line 19: channel value 3 is absurd"), std::string::npos) << v << ": " << msg;
  }
  // A raw newline-free but binary token: escaped, quoted and cut.
  msg = parse_error("binary.bvh", replace(kChain, "HIERARCHY", std::string("\x01\x7f") + std::string(200, 'A')));
  EXPECT_NE(msg.find("expected HIERARCHY, got \"\\x01\\x7fAAA"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AAA\"..."), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 300u) << msg;
  // 100000 nested joints: an error, not a stack overflow.
  std::string deep = "HIERARCHY\nROOT R\n{\nOFFSET 0 0 0\nCHANNELS 0\n";
  for (int i = 0; i < 100000; ++i) deep += "JOINT J\n{\nOFFSET 0 0 0\nCHANNELS 0\n";
  msg = parse_error("deep.bvh", deep + "}\nMOTION\nFrames: 1\nFrame Time: 0.1\n\n");
  EXPECT_NE(msg.find("joints nested deeper than"), std::string::npos) << msg.substr(0, 300);
}

TEST(Bvh, UnknownChannelName) {
  auto msg = parse_error("channel.bvh", replace(kChain, "CHANNELS 3 Zrotation Xrotation Yrotation",
                                                "CHANNELS 3 Zrotation Wrotation Yrotation"));
  EXPECT_NE(msg.find("channel.bvh: line 9: unknown channel \"Wrotation\" in joint \"Child\""), std::string::npos) << msg;
}

TEST(Bvh, RealClipsParseWithDocumentedFrameCounts) {
  if (!std::filesystem::exists(kAssimpBvhDir)) GTEST_SKIP() << kAssimpBvhDir << " absent (assimp-testmodels)";
  struct Expected {
    const char* file;
    int64_t frames;
    double fps;
    int64_t channels;
  };
  for (const Expected& e : {Expected{"01_01.bvh", 2752, 120.0, 96}, Expected{"01_03.bvh", 4511, 120.0, 96},
                            Expected{"Boxing_Toes.bvh", 3069, 100.0, 66}}) {
    BvhClip clip = parse_bvh(std::string(kAssimpBvhDir) + "/" + e.file);
    EXPECT_EQ(clip.num_frames(), e.frames) << e.file;
    EXPECT_NEAR(clip.fps(), e.fps, 0.01) << e.file;
    EXPECT_EQ(clip.num_channels(), e.channels) << e.file;
    EXPECT_EQ(clip.joints[0].name, "Hips") << e.file;
    EXPECT_TRUE(torch::isfinite(clip.motion).all().item<bool>()) << e.file;
  }
}

TEST(Bvh, ForwardKinematicsIsFastAndKeepsBoneLengths) {
  const std::string path = std::string(kAssimpBvhDir) + "/01_03.bvh";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent (assimp-testmodels)";
  BvhClip clip = parse_bvh(path);
  auto start = std::chrono::steady_clock::now();
  auto xyz = forward_kinematics(clip);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ bvh ] FK of " << clip.num_frames() << " frames x " << clip.joints.size() << " joints: "
            << seconds * 1e3 << " ms\n";
  EXPECT_LT(seconds, 1.0);
  ASSERT_EQ(xyz.sizes(), (std::vector<int64_t>{4511, static_cast<int64_t>(clip.joints.size()), 3}));
  // Every joint's distance to its parent is its OFFSET length in every frame.
  for (size_t j = 1; j < clip.joints.size(); ++j) {
    const auto& joint = clip.joints[j];
    auto o = joint.offset;
    double expected = std::sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
    auto len = (xyz.select(1, j) - xyz.select(1, joint.parent)).norm(2, -1);
    EXPECT_NEAR(len.min().item<double>(), expected, 1e-9) << joint.name;
    EXPECT_NEAR(len.max().item<double>(), expected, 1e-9) << joint.name;
  }
}

}  // namespace
}  // namespace hpe3d::data
