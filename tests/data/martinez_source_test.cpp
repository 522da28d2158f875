#include "hpe3d/data/martinez_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/data/h36m_actions.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/geometry/camera.h"
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

// cameras.h5 as other mirrors write it (tests/data/camera_layouts.py writes
// the fixture's 44 real calibrations in each layout): row, column or flat
// vectors, Name as MATLAB (8, 1) uint8, uint16 or double codes, a fixed,
// space-padded, per-character or variable string, or absent. Every layout
// gives the fixture's cameras (id, frame size, R un-transposed), and they
// project the four real frames' joints onto their 2D annotations.
TEST_F(MartinezTree, CameraFileLayoutsFromTheWild) {
  std::string out;
  ASSERT_EQ(test::run_command(test::python() + " " + HPE3D_SOURCE_DIR + "/tests/data/camera_layouts.py " +
                                  test::h36m_sample_json() + " " + dir_,
                              &out),
            0)
      << out;
  std::ifstream f(test::h36m_sample_json());
  const auto sample = nlohmann::json::parse(f);
  const std::vector<int> subjects = {1, 5, 6, 7, 8, 9, 11};
  for (const char* layout :
       {"columns", "rows", "flat", "fixed", "vlen", "matlab16", "noname", "float", "spaced", "chars"}) {
    const auto cams = read_martinez_cameras(dir_ + "/cameras_" + layout + ".h5", subjects);
    ASSERT_EQ(cams.all().size(), 28u) << layout;
    for (const auto& want : sample["cameras"]) {
      const int subject = std::stoi(want["subject"].get<std::string>().substr(1));
      if (std::find(subjects.begin(), subjects.end(), subject) == subjects.end()) continue;
      const auto& got = cams.get(subject, want["camera_index"].get<int>());
      const std::string where = std::string(layout) + " S" + std::to_string(subject) + " " +
                                want["camera_id"].get<std::string>();
      EXPECT_EQ(got.name, want["camera_id"].get<std::string>()) << where;
      EXPECT_EQ(got.width, want["width"].get<int>()) << where;
      EXPECT_EQ(got.height, want["height"].get<int>()) << where;
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) EXPECT_EQ(got.R[r * 3 + k], want["R"][r][k].get<double>()) << where;
      for (int i = 0; i < 3; ++i) EXPECT_EQ(got.T[i], want["T_mm"][i].get<double>()) << where;
      for (int i = 0; i < 3; ++i) EXPECT_EQ(got.k[i], want["k"][i].get<double>()) << where;
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(got.f[i], want["f"][i].get<double>()) << where;
        EXPECT_EQ(got.c[i], want["c"][i].get<double>()) << where;
        EXPECT_EQ(got.p[i], want["p"][i].get<double>()) << where;
      }
    }
    for (const auto& s : sample["samples"]) {
      const int subject = std::stoi(s["subject"].get<std::string>().substr(1));
      int index = 0;
      for (int m = 1; m <= 4; ++m)
        if (cams.get(subject, m).name == s["camera_id"].get<std::string>()) index = m;
      ASSERT_GT(index, 0) << layout << " " << s["image"];
      std::vector<double> x3, x2;
      for (const auto& j : s["joints3d_camera_mm"])
        for (double v : j) x3.push_back(v);
      for (const auto& j : s["joints2d_px"])
        for (double v : j) x2.push_back(v);
      auto projected = geometry::project(torch::tensor(x3, torch::kFloat64).view({17, 3}), cams.get(subject, index));
      EXPECT_LT((projected - torch::tensor(x2, torch::kFloat64).view({17, 2})).abs().max().item<double>(), 0.01)
          << layout << " " << s["image"];
    }
  }
  // The tool takes the MATLAB layout end to end.
  const std::string tool = test::tool_path("h36m-prepare");
  EXPECT_EQ(test::run_command(tool + " martinez --root " + dir_ + "/h36m --cameras " + dir_ +
                                  "/cameras_rows.h5 --subjects 1,9 --out " + dir_ + "/rows.h5",
                              &out),
            0)
      << out;
  auto data = read_pose_file(dir_ + "/rows.h5");
  EXPECT_EQ(data.cameras.get(9, 4).name, "60457274");
  EXPECT_EQ(data.cameras.get(9, 4).height, 1002);
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
