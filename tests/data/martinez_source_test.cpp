#include "hpe3d/data/martinez_source.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/data/h36m_actions.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

// A Martinez-style tree and the expected output, both written by numpy
// (tests/data/make_martinez_tree.py) from the real S1/S9 calibrations.
class MartinezTree : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::h36m_sample_json().empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
    dir_ = test::temp_dir("martinez");
    std::string out;
    int rc = test::run_command(test::python() + " " + HPE3D_SOURCE_DIR +
                                   "/tests/data/make_martinez_tree.py " + test::h36m_sample_json() +
                                   " " + dir_,
                               &out);
    ASSERT_EQ(rc, 0) << "needs python3-h5py and python3-numpy (scripts/setup.sh): " << out;
  }
  std::string dir_;
};

TEST_F(MartinezTree, ToolOutputMatchesIndependentNumpyComputation) {
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " martinez --root " + dir_ +
                                 "/h36m --cameras " + dir_ + "/cameras.h5 --subjects 1,9 --out " +
                                 dir_ + "/out.h5",
                             &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("_ALL.h5 (not a Human3.6M action)"), std::string::npos) << out;
  auto data = read_pose_file(dir_ + "/out.h5");
  EXPECT_EQ(data.action_names, h36m_action_names());
  H5File expected(dir_ + "/expected.h5", H5File::Mode::kRead);
  int64_t checked_rows = 0;
  for (const auto& subject : expected.list("/")) {
    for (const auto& name : expected.list("/" + subject)) {
      auto seq = parse_h36m_sequence_name(name);
      ASSERT_TRUE(seq) << name;
      for (const auto& cam : expected.list("/" + subject + "/" + name)) {
        const std::string key = "/" + subject + "/" + name + "/" + cam;
        auto mask = (data.subject == std::stoi(subject.substr(1))) &
                    (data.action == h36m_action_index(seq->action)) &
                    (data.subaction == seq->subaction) & (data.camera == std::stoi(cam));
        auto rows = mask.nonzero().squeeze(1);
        auto want3d = expected.read(key + "/pose3d", torch::kFloat64);
        auto want2d = expected.read(key + "/pose2d", torch::kFloat64);
        ASSERT_EQ(rows.numel(), want3d.size(0)) << key;
        auto got3d = data.pose3d.index_select(0, rows).to(torch::kFloat64);
        auto got2d = data.pose2d.index_select(0, rows).to(torch::kFloat64);
        // float32 storage: ~5e-4 mm at 5 m, ~3e-5 px at 1000 px.
        EXPECT_LT((got3d - want3d).abs().max().item<double>(), 0.01) << key;
        EXPECT_LT((got2d - want2d).abs().max().item<double>(), 0.01) << key;
        EXPECT_EQ(data.frame.index_select(0, rows)[0].item<int>(), 0);
        checked_rows += rows.numel();
      }
    }
  }
  EXPECT_EQ(checked_rows, data.size());
  // Cameras come from cameras.h5, with R un-transposed.
  auto cams = data.cameras;
  ASSERT_TRUE(cams.has(9, 3));
  EXPECT_EQ(cams.get(9, 3).R, geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path()).get(9, 3).R);
}

// cameras.h5 as other mirrors write it (tests/data/camera_layouts.py): row or
// flat vectors, Name as MATLAB (8, 1) uint8 or uint16 codes, a fixed or
// variable string, or absent. Every layout gives the same cameras.
TEST_F(MartinezTree, CameraFileLayoutsFromTheWild) {
  std::string out;
  ASSERT_EQ(test::run_command(test::python() + " " + HPE3D_SOURCE_DIR + "/tests/data/camera_layouts.py " + dir_ +
                                  "/cameras.h5 " + dir_,
                              &out),
            0)
      << out;
  const auto reference = read_martinez_cameras(dir_ + "/cameras.h5", {1, 9});
  for (const char* layout : {"rows", "flat", "fixed", "vlen", "matlab16", "noname", "float", "spaced", "chars"}) {
    const std::string file = dir_ + "/cameras_" + layout + ".h5";
    const auto cams = read_martinez_cameras(file, {1, 9});
    ASSERT_EQ(cams.all().size(), 8u) << layout;
    for (const auto& want : reference.all()) {
      const auto& got = cams.get(want.subject, want.index);
      EXPECT_EQ(got.R, want.R) << layout;
      EXPECT_EQ(got.T, want.T) << layout;
      EXPECT_EQ(got.f, want.f) << layout;
      EXPECT_EQ(got.c, want.c) << layout;
      EXPECT_EQ(got.k, want.k) << layout;
      EXPECT_EQ(got.p, want.p) << layout;
      EXPECT_EQ(got.name, want.name) << layout;
      EXPECT_EQ(got.width, want.width) << layout;
      EXPECT_EQ(got.height, want.height) << layout << " camera " << want.name;
    }
  }
  EXPECT_EQ(reference.get(1, 1).name, "54138969");
  EXPECT_EQ(reference.get(1, 1).height, 1002);
  EXPECT_EQ(reference.get(1, 2).height, 1000);
  // The tool takes the MATLAB layout end to end.
  const std::string tool = test::tool_path("h36m-prepare");
  EXPECT_EQ(test::run_command(tool + " martinez --root " + dir_ + "/h36m --cameras " + dir_ +
                                  "/cameras_rows.h5 --subjects 1,9 --out " + dir_ + "/rows.h5",
                              &out),
            0)
      << out;
  auto data = read_pose_file(dir_ + "/rows.h5");
  EXPECT_EQ(data.cameras.get(9, 4).name, "60457274");
}

TEST_F(MartinezTree, StrideKeepsEveryNthFrame) {
  MartinezOptions options;
  options.root = dir_ + "/h36m";
  options.cameras = dir_ + "/cameras.h5";
  options.subjects = {1};
  auto full = prepare_martinez(options, dir_ + "/full.h5");
  options.stride = 2;
  auto half = prepare_martinez(options, dir_ + "/half.h5");
  EXPECT_EQ(full.sequences, 4);
  EXPECT_LT(half.rows, full.rows);
  auto data = read_pose_file(dir_ + "/half.h5");
  EXPECT_TRUE((data.frame % 2 == 0).all().item<bool>());
}

TEST_F(MartinezTree, BadInputIsAOneLineErrorAndExitCode2WithNoOutputFile) {
  const std::string tool = test::tool_path("h36m-prepare");
  struct Case {
    std::string args, message;
  };
  std::vector<Case> cases = {
      {"--root " + dir_ + "/nope --cameras " + dir_ + "/cameras.h5", "nope: no such folder"},
      {"--root " + dir_ + "/h36m --cameras " + dir_ + "/none.h5", "none.h5: no such file"},
      {"--root " + dir_ + "/h36m --cameras " + dir_ + "/cameras.h5 --subjects 1,7",
       "cameras.h5: /subject7: unknown subject 7"},
      {"--root " + dir_ + "/h36m --cameras '" + dir_ + "/h36m/S1/MyPoses/3D_positions/Sitting 1.h5'",
       "/subject1: unknown subject 1"},
      {"--root " + dir_ + "/h36m --cameras " + dir_ + "/cameras.h5 --stride 0", "--stride"},
  };
  for (const auto& c : cases) {
    std::string out;
    int rc = test::run_command(tool + " martinez " + c.args + " --out " + dir_ + "/bad.h5", &out);
    EXPECT_EQ(rc, 2) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir_ + "/bad.h5"));
    EXPECT_FALSE(fs::exists(dir_ + "/bad.h5.tmp"));
  }
  // A sequence file of the wrong shape, and one with NaN.
  auto seq_dir = dir_ + "/h36m/S9/MyPoses/3D_positions/";
  {
    H5File f(seq_dir + "Eating 1.h5", H5File::Mode::kCreate);
    f.write("/3D_positions", torch::zeros({95, 4}, torch::kFloat64));
  }
  std::string out;
  int rc = test::run_command(tool + " martinez --root " + dir_ + "/h36m --cameras " + dir_ +
                                 "/cameras.h5 --subjects 9 --out " + dir_ + "/bad.h5",
                             &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("Eating 1.h5: /3D_positions: expected shape (96, T)"), std::string::npos) << out;
  {
    auto nan = torch::zeros({96, 4}, torch::kFloat64);
    nan[5][2] = std::nan("");
    H5File f(seq_dir + "Eating 1.h5", H5File::Mode::kCreate);
    f.write("/3D_positions", nan);
  }
  rc = test::run_command(tool + " martinez --root " + dir_ + "/h36m --cameras " + dir_ +
                             "/cameras.h5 --subjects 9 --out " + dir_ + "/bad.h5",
                         &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("Eating 1.h5: /3D_positions: holds NaN"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ + "/bad.h5"));
}

}  // namespace
}  // namespace hpe3d::data
