#include "hpe3d/data/bvh_source.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/data/pose_file.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;
const std::string kBvhDir = "/usr/share/assimp/models/BVH";

// The embedded data set, checked by an independent numpy computation: 2D is
// the distorted projection of 3D with the file's calibrations, and every
// camera sees the same world pose of a frame.
TEST(BvhSource, CmuDefaultAgreesWithIndependentProjection) {
  if (!fs::exists(kBvhDir + "/01_01.bvh")) GTEST_SKIP() << "assimp-testmodels is not installed";
  auto dir = test::temp_dir("bvh_source");
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " bvh --cmu-default --out " + dir + "/cmu.h5", &out);
  ASSERT_EQ(rc, 0) << out;
  auto data = read_pose_file(dir + "/cmu.h5");
  EXPECT_EQ(data.action_names, (std::vector<std::string>{"01_01", "Boxing_Toes", "01_03"}));
  // 2,752 / 3,069 / 4,511 frames at 120 / 100 / 120 fps -> 25 fps, x 4 cameras.
  EXPECT_EQ((data.subject == 1).sum().item<int64_t>(), 574 * 4);
  EXPECT_EQ((data.subject == 5).sum().item<int64_t>(), 768 * 4);
  EXPECT_EQ((data.subject == 9).sum().item<int64_t>(), 940 * 4);
  rc = test::run_command(test::python() + " " + HPE3D_SOURCE_DIR + "/tests/data/check_projection.py " + dir +
                             "/cmu.h5",
                         &out);
  EXPECT_EQ(rc, 0) << "needs python3-h5py and python3-numpy: " << out;
}

// The 3D of `h36m-prepare bvh` against tests/data/check_bvh_fk.py: its own
// BVH parser and forward kinematics (numpy, 4x4 transforms), the documented
// joint table, mm scale, Y-up -> Z-up, floor, centre and nearest-frame
// resampling, seen through the file's calibrations: every joint of every
// frame and camera within 0.01 mm, and /frame the expected source frames.
TEST(BvhSource, PosesMatchAnIndependentForwardKinematics) {
  const std::string cmu = kBvhDir + "/01_01.bvh", boxing = kBvhDir + "/Boxing_Toes.bvh";
  if (!fs::exists(cmu) || !fs::exists(boxing)) GTEST_SKIP() << "assimp-testmodels is not installed";
  auto dir = test::temp_dir("bvh_fk");
  const std::string check = test::python() + " " + HPE3D_SOURCE_DIR + "/tests/data/check_bvh_fk.py ";
  // 25 fps (120 -> 25 and 100 -> 25: nearest frames), then every frame (--fps above the files' rates).
  for (const char* fps : {"25", "1000"}) {
    const std::string file = dir + "/bvh_" + fps + ".h5";
    std::string out;
    int rc = test::run_command(test::tool_path("h36m-prepare") + " bvh --input " + cmu + "," + boxing +
                                   " --subjects 1,5 --fps " + fps + " --out " + file,
                               &out);
    ASSERT_EQ(rc, 0) << out;
    rc = test::run_command(check + file + " --fps " + fps + " " + cmu + " " + boxing, &out);
    EXPECT_EQ(rc, 0) << "needs python3-h5py and python3-numpy: " << out;
    EXPECT_NE(out.find("01_01 (CMU, subject 1, 4 cameras, "), std::string::npos) << out;
    EXPECT_NE(out.find("Boxing_Toes (Boxing, subject 5, 4 cameras, "), std::string::npos) << out;
    if (std::string(fps) == "25") {
      EXPECT_NE(out.find("574 frames"), std::string::npos) << out;
      EXPECT_NE(out.find("768 frames"), std::string::npos) << out;
      // The check can fail: 0.02 mm on one joint, or another frame rate.
      EXPECT_EQ(test::run_command(check + file + " --offset-mm 0.02 " + cmu, &out), 1) << out;
      EXPECT_EQ(test::run_command(check + file + " --fps 24 " + boxing, &out), 1) << out;
    } else {
      EXPECT_NE(out.find("2752 frames"), std::string::npos) << out;
      EXPECT_NE(out.find("3069 frames"), std::string::npos) << out;
    }
  }
}

// The shared corpus of real third-party BVH files (five skeleton conventions)
// and Debian's CMU clips through one manifest: one pose file, each clip filed
// as the manifest says, and every clip seen inside the frame in most rows.
TEST(BvhSource, ManifestOfRealClipsFromManyConventions) {
  const std::string corpus = std::string(HPE3D_SHARED_DIR) + "/fixtures/bvh_corpus";
  if (!fs::exists(corpus) || !fs::exists(kBvhDir + "/01_01.bvh")) GTEST_SKIP() << "corpus or assimp-testmodels absent";
  auto dir = test::temp_dir("bvh_manifest");
  std::ofstream(dir + "/clips.yaml") << "clips:\n"
                                     << "  - {file: " << corpus << "/cmu_94_01.bvh, subject: 1, action: Walking}\n"
                                     << "  - {file: " << corpus << "/bandai_dataset-1_walk_normal_001.bvh, subject: 1, "
                                        "action: Walking}\n"
                                     << "  - {folder: " << corpus << ", pattern: \"*daz.bvh\", subject: 5}\n"
                                     << "  - {folder: " << corpus << ", pattern: \"m*.bvh\", subject: 6}\n"
                                     << "  - {folder: " << corpus << ", pattern: \"p*.bvh\", subject: 7}\n"
                                     << "  - {folder: " << kBvhDir << ", pattern: \"01_0?.bvh\", subject: 9}\n";
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " bvh --manifest " + dir + "/clips.yaml --out " + dir +
                                 "/all.h5",
                             &out);
  ASSERT_EQ(rc, 0) << out;
  for (const char* progress : {"[1/7]", "[7/7]", "skeleton cmu_asf", "skeleton bandai", "skeleton daz",
                               "skeleton mixamo", "skeleton pymo", "skeleton cmu ", "units inch"})
    EXPECT_NE(out.find(progress), std::string::npos) << progress << " in\n" << out;
  auto data = read_pose_file(dir + "/all.h5");
  EXPECT_EQ(data.action_names, (std::vector<std::string>{"Walking", "cmu_05_20_daz", "mixamo_test_freebvh",
                                                         "pymo_AV_8Walk_Meredith_HVHA_Rep1", "01_01", "01_03"}));
  // Two clips of S1 Walking: subactions 0 and 1, at 25 fps x 4 cameras.
  auto walking = (data.subject == 1).logical_and(data.action == 0);
  EXPECT_EQ((walking.logical_and(data.subaction == 0)).sum().item<int64_t>(), 751 * 4);  // 3602 frames at 120 fps
  EXPECT_EQ((walking.logical_and(data.subaction == 1)).sum().item<int64_t>(), 163 * 4);  // 195 frames at 30 fps
  // Every clip is seen inside the frame in most rows: the subject is in the
  // capture area the Human3.6M cameras look at (the PyMO walk crosses it and
  // leaves the frames at both ends: 86 % of its rows are inside).
  for (int64_t a = 0; a < static_cast<int64_t>(data.action_names.size()); ++a) {
    auto rows = (data.action == a);
    auto p = data.pose2d.index({rows});  // [n, 17, 2]
    auto inside = (p.select(2, 0) >= 0).logical_and(p.select(2, 0) < 1000).logical_and(p.select(2, 1) >= 0)
                      .logical_and(p.select(2, 1) < 1000).all(1);
    EXPECT_GT(inside.to(torch::kFloat64).mean().item<double>(), 0.8) << data.action_names[a];
  }
  EXPECT_EQ(test::run_command(test::tool_path("h36m-prepare") + " info " + dir + "/all.h5", &out), 0) << out;
}

// A manifest's map file is relative to the manifest, as its clips are
// (the tool runs from another folder).
TEST(BvhSource, ManifestPathsAreRelativeToTheManifest) {
  if (!fs::exists(kBvhDir + "/01_01.bvh")) GTEST_SKIP() << "assimp-testmodels is not installed";
  auto dir = test::temp_dir("bvh_manifest_paths");
  fs::create_directories(dir + "/set/maps");
  fs::copy_file(std::string(HPE3D_SOURCE_DIR) + "/configs/skeletons/cmu.yaml", dir + "/set/maps/my_rig.yaml");
  fs::copy_file(kBvhDir + "/01_01.bvh", dir + "/set/Walk.BVH");
  std::ofstream(dir + "/set/clips.yaml") << "skeleton: maps/my_rig.yaml\nclips:\n  - {folder: ., subject: 1}\n";
  std::string out;
  ASSERT_EQ(test::run_command(test::tool_path("h36m-prepare") + " bvh --manifest " + dir + "/set/clips.yaml --out " +
                                  dir + "/o.h5",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("skeleton cmu (forced)"), std::string::npos) << out;
  EXPECT_EQ(read_pose_file(dir + "/o.h5").action_names, std::vector<std::string>{"Walk"}) << "*.bvh matches .BVH";
}

TEST(BvhSource, BadInputIsExit2WithNoOutput) {
  auto dir = test::temp_dir("bvh_bad");
  std::ofstream(dir + "/bad.bvh") << "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition\n";
  const std::string tool = test::tool_path("h36m-prepare") + " bvh --out " + dir + "/o.h5 ";
  struct Case {
    std::string args, message;
  };
  std::vector<Case> cases = {
      {"--input " + dir + "/none.bvh --subjects 1", "none.bvh"},
      {"--input " + dir + "/bad.bvh --subjects 1", "bad.bvh: line"},
      {"--input " + dir + "/bad.bvh,"  + dir + "/bad.bvh --subjects 1", "--subjects: expected one subject per input file"},
      {"--input " + dir + "/bad.bvh --subjects 12", "no camera for subject 12"},
      {"--input " + dir + "/nan.bvh --subjects 1", "nan.bvh: line 15: channel value 2 is not finite"},
      {"--input " + dir + "/absurd.bvh --subjects 1", "absurd.bvh: line 15: channel value 1 is absurd"},
      {"--input " + dir + "/short.bvh --subjects 1", "short.bvh: line 15: truncated MOTION block"},
      {"--input " + dir + "/robot.bvh --subjects 1", "robot.bvh: fits no skeleton map"},
      {"--input " + kBvhDir + "/01_01.bvh --subjects 1 --units m", "mm at frame 0 is outside the human range"},
      {"--input " + kBvhDir + "/01_01.bvh --subjects 1 --units furlong", "--units: unknown unit 'furlong'"},
      {"--input " + kBvhDir + "/01_01.bvh --subjects 1 --skeleton bandai", "skeleton map 'bandai' cannot place"},
      {"--input " + kBvhDir + "/01_01.bvh --subjects 1 --skeleton " + dir + "/none.yaml", "none.yaml: cannot open"},
      {"--input " + kBvhDir + "/01_01.bvh --subjects 1 --up x", "--up: expected y or z"},
      {"--manifest " + dir + "/none.yaml", "none.yaml: cannot open manifest"},
      {"--manifest " + dir + "/m1.yaml", "m1.yaml: clips[0].subject: missing"},
      {"--manifest " + dir + "/m2.yaml", "m2.yaml: clips[0].speed: unknown key"},
      {"--manifest " + dir + "/m2.yaml --input " + dir + "/bad.bvh", "--manifest: give either"},
      {"--manifest " + dir + "/m3.yaml", "m3.yaml: clips[0]: no file matches"},
      {"--manifest " + dir + "/m4.yaml", "m4.yaml: clips[0].units: unknown unit 'furlong'"},
      {"--manifest " + dir + "/m5.yaml", "m5.yaml: " + dir + "/bad.bvh is listed twice (clip 1 and 2)"},
      {"--input " + dir + "/fast.bvh --subjects 1", "fast.bvh: line 13: implausible frame time \"1e-30\""},
  };
  // Two joints and frames: a valid file but for one value.
  auto two_frames = [&](const std::string& name, const std::string& second_row, int frames = 2) {
    std::ofstream(dir + "/" + name) << "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition "
                                       "Zposition\nEnd Site\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: "
                                    << frames << "\nFrame Time: 0.1\n0 0 0\n" << second_row << "\n";
  };
  two_frames("nan.bvh", "0 nan 0");
  two_frames("absurd.bvh", "2e7 0 0");
  two_frames("short.bvh", "0 0 0", 3);
  two_frames("robot.bvh", "0 0 0");
  std::ofstream(dir + "/m1.yaml") << "clips:\n  - {file: a.bvh}\n";
  std::ofstream(dir + "/m2.yaml") << "clips:\n  - {file: a.bvh, subject: 1, speed: 2}\n";
  std::ofstream(dir + "/m3.yaml") << "clips:\n  - {folder: ., pattern: \"*.xyz\", subject: 1}\n";
  std::ofstream(dir + "/m4.yaml") << "clips:\n  - {file: a.bvh, subject: 1, units: furlong}\n";
  std::ofstream(dir + "/m5.yaml") << "clips:\n  - {file: ./bad.bvh, subject: 1}\n  - {file: bad.bvh, subject: 5}\n";
  std::ofstream(dir + "/fast.bvh") << "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition "
                                      "Zposition\nEnd Site\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: 1\n"
                                      "Frame Time: 1e-30\n0 0 0\n";
  for (const auto& c : cases) {
    if (c.args.find(kBvhDir) != std::string::npos && !fs::exists(kBvhDir + "/01_01.bvh")) continue;
    std::string out;
    int rc = test::run_command(tool + c.args, &out);
    EXPECT_EQ(rc, 2) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir + "/o.h5"));
  }
}

}  // namespace
}  // namespace hpe3d::data
