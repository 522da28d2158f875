#include "hpe3d/data/image_layout.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

TEST(ImageLayout, PathHasSubactionOnlyWhenNonZeroAndOneBasedFrames) {
  EXPECT_EQ(h36m_image_path(1, "Directions", 1, "54138969", 0),
            "S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg");
  EXPECT_EQ(h36m_image_path(5, "SittingDown", 0, "54138969", 2060),
            "S5/S5_SittingDown.54138969/S5_SittingDown.54138969_002061.jpg");
  EXPECT_EQ(h36m_image_path(11, "Eating", 2, "60457274", 41, /*frame_offset=*/0),
            "S11/S11_Eating_2.60457274/S11_Eating_2.60457274_000041.jpg");
  EXPECT_THROW(h36m_image_path(1, "Eating", 0, "1", 0, -2), core::InputError);
}

class ImageLayoutFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto path = test::h36m_sample_json();
    if (path.empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
    dir_ = fs::path(path).parent_path();
    std::ifstream f(path);
    sample_ = nlohmann::json::parse(f);
  }
  fs::path dir_;
  nlohmann::json sample_;
};

// The fixture's four real frames, their labels as a pose file from the
// Martinez tree holds them (0-based /frame), and their file names.
TEST_F(ImageLayoutFixture, FileNamesOfTheRealFramesFollowTheLayout) {
  struct Row { int subject; const char* action; int subaction; const char* camera; int frame; };
  const Row rows[] = {{1, "Directions", 1, "54138969", 0},
                      {5, "SittingDown", 0, "54138969", 2060},
                      {7, "Greeting", 0, "55011271", 395},
                      {8, "WalkDog", 1, "55011271", 25}};
  ASSERT_EQ(sample_["samples"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& r = rows[i];
    auto rel = fs::path(h36m_image_path(r.subject, r.action, r.subaction, r.camera, r.frame));
    const std::string name = sample_["samples"][i]["image"];
    EXPECT_EQ(rel.filename().string(), name);
    EXPECT_EQ(rel.parent_path().filename().string() + name.substr(name.size() - 11), name)
        << "the folder is the file name without _<frame>.jpg";
    EXPECT_EQ(*rel.begin(), "S" + std::to_string(r.subject));
    EXPECT_TRUE(fs::exists(dir_ / name)) << name;
  }
}

// The fixture's bbox_center_px is the centre of the joints' box; its
// bbox_scale_200px is the side with a 0.1 margin / 200. Measured: both agree
// to 1e-4 px (float32 rounding); the test allows 0.01 px.
TEST_F(ImageLayoutFixture, BoxCentreAndSideMatchTheFixture) {
  for (const auto& s : sample_["samples"]) {
    std::vector<float> xy;
    for (const auto& j : s["joints2d_px"]) xy.insert(xy.end(), {j[0].get<float>(), j[1].get<float>()});
    auto pose2d = torch::tensor(xy).view({1, 17, 2});
    for (double margin : {0.1, 0.2}) {
      auto b = bbox_from_joints(pose2d, margin)[0];
      const double cx = b[0].item<double>() + b[2].item<double>() / 2, cy = b[1].item<double>() + b[3].item<double>() / 2;
      EXPECT_NEAR(cx, s["bbox_center_px"][0].get<double>(), 0.01) << s["image"];
      EXPECT_NEAR(cy, s["bbox_center_px"][1].get<double>(), 0.01) << s["image"];
      EXPECT_EQ(b[2].item<float>(), b[3].item<float>());
      if (margin == 0.1) EXPECT_NEAR(b[2].item<double>(), 200 * s["bbox_scale_200px"].get<double>(), 0.01);
    }
  }
}

TEST(ImageLayout, BoxIsTheEnlargedSquareAboutTheJointsCentre) {
  auto pose = torch::zeros({2, 17, 2});
  // Row 0: x in [100, 200], y in [50, 350] -> centre (150, 200), larger side 300.
  pose[0].select(1, 0).fill_(150);
  pose[0].select(1, 1).fill_(200);
  pose[0][3] = torch::tensor({100.0f, 50.0f});
  pose[0][7] = torch::tensor({200.0f, 350.0f});
  // Row 1: a wide box x in [0, 400], y in [10, 30].
  pose[1].select(1, 0).fill_(200);
  pose[1].select(1, 1).fill_(20);
  pose[1][0] = torch::tensor({0.0f, 10.0f});
  pose[1][16] = torch::tensor({400.0f, 30.0f});
  auto b = bbox_from_joints(pose, 0.2);
  ASSERT_EQ(b.sizes(), torch::IntArrayRef({2, 4}));
  EXPECT_TRUE(torch::allclose(b[0], torch::tensor({150 - 210.0f, 200 - 210.0f, 420.0f, 420.0f})));
  EXPECT_TRUE(torch::allclose(b[1], torch::tensor({200 - 280.0f, 20 - 280.0f, 560.0f, 560.0f})));
  EXPECT_TRUE(torch::allclose(bbox_from_joints(pose, 0)[0], torch::tensor({0.0f, 50.0f, 300.0f, 300.0f})));
  EXPECT_THROW(bbox_from_joints(torch::zeros({2, 16, 2})), c10::Error);
}

class AttachImages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("image_layout");
    test::write_synthetic(dir_ + "/p.h5", 6);
    fs::create_directories(dir_ + "/img");
  }
  void touch(const std::string& rel) {
    fs::create_directories(fs::path(dir_ + "/img/" + rel).parent_path());
    std::ofstream(dir_ + "/img/" + rel) << "x";
  }
  std::string dir_;
};

TEST_F(AttachImages, WritesLayoutPathsAndBoxesAndCountsMissingImages) {
  auto before = read_pose_file(dir_ + "/p.h5");
  auto paths = h36m_image_paths(before);
  ASSERT_EQ(paths.size(), 24u);
  for (size_t i = 0; i < paths.size(); i += 2) touch(paths[i]);  // every other image exists

  AttachOptions o;
  o.data = dir_ + "/p.h5";
  o.image_root = dir_ + "/img";
  o.list_missing = 3;
  auto report = attach_images(o);
  EXPECT_EQ(report.rows, 24);
  EXPECT_EQ(report.missing, 12);
  EXPECT_EQ(report.first_missing, (std::vector<std::string>{paths[1], paths[3], paths[5]}));
  EXPECT_NE(describe(report, o).find("12 missing"), std::string::npos);

  auto after = read_pose_file(o.data);
  EXPECT_EQ(after.image, paths);
  EXPECT_TRUE(torch::equal(after.bbox, bbox_from_joints(before.pose2d)));
  EXPECT_TRUE(torch::equal(after.pose3d, before.pose3d));
  EXPECT_FALSE(fs::exists(o.data + ".tmp"));

  // A second attach replaces both datasets (other margin, other offset, no images).
  fs::remove_all(o.image_root);
  fs::create_directories(o.image_root);
  o.margin = 0.0;
  o.frame_offset = 0;
  report = attach_images(o);
  EXPECT_EQ(report.missing, 24);
  after = read_pose_file(o.data);
  EXPECT_EQ(after.image, h36m_image_paths(before, 0));
  EXPECT_TRUE(torch::equal(after.bbox, bbox_from_joints(before.pose2d, 0.0)));
}

TEST_F(AttachImages, BadOptionsFailAndLeaveTheFileAlone) {
  AttachOptions o;
  o.data = dir_ + "/p.h5";
  o.image_root = dir_ + "/img";
  o.layout = "coco";
  EXPECT_THROW(attach_images(o), core::InputError);
  o.layout = "h36m";
  o.image_root = dir_ + "/nowhere";
  EXPECT_THROW(attach_images(o), core::InputError);
  o.image_root = dir_ + "/img";
  o.data = dir_ + "/absent.h5";
  EXPECT_THROW(attach_images(o), core::InputError);
  EXPECT_TRUE(read_pose_file(dir_ + "/p.h5").image.empty());
}

TEST_F(AttachImages, ToolReportsMissingImagesAndFailsWithExitTwo) {
  const std::string tool = test::tool_path("h36m-prepare") + " attach-images --data " + dir_ + "/p.h5";
  std::string out;
  ASSERT_EQ(test::run_command(tool + " --image-root " + dir_ + "/img --margin 0.1", &out), 0) << out;
  EXPECT_NE(out.find("24 missing"), std::string::npos) << out;
  EXPECT_NE(out.find("missing: S1/"), std::string::npos) << out;
  auto data = read_pose_file(dir_ + "/p.h5");
  EXPECT_TRUE(torch::equal(data.bbox, bbox_from_joints(data.pose2d, 0.1)));
  EXPECT_EQ(test::run_command(tool + " --image-root " + dir_ + "/nowhere", &out), 2);
  EXPECT_NE(out.find(dir_ + "/nowhere: image root is not a folder"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::data
