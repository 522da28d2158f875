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
  };
  for (const auto& c : cases) {
    std::string out;
    int rc = test::run_command(tool + c.args, &out);
    EXPECT_EQ(rc, 2) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir + "/o.h5"));
  }
}

}  // namespace
}  // namespace hpe3d::data
