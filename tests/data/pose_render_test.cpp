#include "hpe3d/data/pose_render.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/camera_set.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;
constexpr double kScale = 128 / 500.0;

// A person facing camera S1/1 at 4 m, arms out sideways (a T-pose): camera
// frame, x right, y down, z away from the camera. Facing the camera, the
// subject's left side is on the image's right (+x).
torch::Tensor t_pose(double z = 4000) {
  const float j[17][3] = {{0, 0, 0},        {-120, 0, 0},    {-120, 420, 0},  {-120, 840, 0},
                          {120, 0, 0},      {120, 420, 0},   {120, 840, 0},   {0, -220, 0},
                          {0, -450, 0},     {0, -550, -100}, {0, -680, 0},    {180, -450, 0},
                          {450, -450, 0},   {700, -450, 0},  {-180, -450, 0}, {-450, -450, 0},
                          {-700, -450, 0}};
  auto p = torch::from_blob(const_cast<float*>(&j[0][0]), {17, 3}, torch::kFloat32).clone();
  p.select(1, 2) += static_cast<float>(z);
  return p;
}

struct View {
  geometry::Camera cam;
  torch::Tensor pose3d, pose2d, background, image;  // image: [H, W, 3] uint8 RGB
};

View render_view(const torch::Tensor& pose3d, uint64_t seed = 3) {
  View v;
  v.cam = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path()).get(1, 1);
  v.pose3d = pose3d;
  v.pose2d = geometry::project(pose3d, v.cam);
  v.background = render_background(256, 257, seed);
  v.image = render_figure(v.background, v.pose3d, v.pose2d, (v.cam.f[0] + v.cam.f[1]) / 2, kScale);
  return v;
}

// RGB of the frame pixel nearest to camera pixel p.
std::array<int, 3> pixel(const torch::Tensor& image, const torch::Tensor& p) {
  const int x = static_cast<int>(std::lround(p[0].item<double>() * kScale));
  const int y = static_cast<int>(std::lround(p[1].item<double>() * kScale));
  auto px = image[y][x];
  return {px[0].item<int>(), px[1].item<int>(), px[2].item<int>()};
}

int dominant(const std::array<int, 3>& rgb) {
  return static_cast<int>(std::max_element(rgb.begin(), rgb.end()) - rgb.begin());
}

TEST(PoseRender, BackgroundIsSeeded) {
  auto a = render_background(64, 48, 7);
  ASSERT_EQ(a.sizes(), torch::IntArrayRef({48, 64, 3}));
  EXPECT_EQ(a.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(a, render_background(64, 48, 7)));
  EXPECT_FALSE(torch::equal(a, render_background(64, 48, 8)));
  EXPECT_NE(background_seed(0, 1, 0, 0, 1), background_seed(0, 1, 0, 0, 2));
  EXPECT_NE(background_seed(0, 1, 0, 0, 1), background_seed(1, 1, 0, 0, 1));
}

TEST(PoseRender, FigureCoversTheJointsAndNothingFarFromThem) {
  auto v = render_view(t_pose());
  ASSERT_EQ(v.image.sizes(), v.background.sizes());
  auto diff = (v.image.to(torch::kInt) - v.background.to(torch::kInt)).abs().sum(2);  // [H, W]
  for (int j = 0; j < 17; ++j) {
    const int x = static_cast<int>(std::lround(v.pose2d[j][0].item<double>() * kScale));
    const int y = static_cast<int>(std::lround(v.pose2d[j][1].item<double>() * kScale));
    EXPECT_GT(diff[y][x].item<int>(), 40) << "joint " << j;
  }
  // Nothing changes outside the joints' box with a 0.2 margin.
  auto box = bbox_from_joints(v.pose2d.unsqueeze(0))[0] * kScale;
  const int x0 = static_cast<int>(box[0].item<float>()), y0 = static_cast<int>(box[1].item<float>());
  const int x1 = x0 + static_cast<int>(box[2].item<float>()), y1 = y0 + static_cast<int>(box[3].item<float>());
  auto outside = torch::ones({257, 256}, torch::kBool);
  outside.slice(0, std::max(y0, 0), std::min(y1, 257)).slice(1, std::max(x0, 0), std::min(x1, 256)).fill_(false);
  EXPECT_EQ(diff.masked_select(outside).nonzero().size(0), 0);
  const double changed = (diff > 0).to(torch::kFloat).mean().item<double>();
  EXPECT_GT(changed, 0.01);
  EXPECT_LT(changed, 0.15);
}

TEST(PoseRender, LeftAndRightLimbsHaveTheirColoursOnTheirSides) {
  auto v = render_view(t_pose());
  auto mid = [&](int a, int b) { return (v.pose2d[a] + v.pose2d[b]) / 2; };
  const double root_x = v.pose2d[0][0].item<double>();
  // Left colour is blue-dominant, right red-dominant, centre green-dominant.
  EXPECT_EQ(dominant(pixel(v.image, mid(12, 13))), 2);  // left forearm
  EXPECT_EQ(dominant(pixel(v.image, mid(11, 12))), 2);  // left upper arm
  EXPECT_EQ(dominant(pixel(v.image, mid(15, 16))), 0);  // right forearm
  EXPECT_EQ(dominant(pixel(v.image, mid(5, 6))), 2);    // left shin
  EXPECT_EQ(dominant(pixel(v.image, mid(2, 3))), 0);    // right shin
  EXPECT_EQ(dominant(pixel(v.image, mid(7, 8))), 1);    // torso
  EXPECT_GT(mid(12, 13)[0].item<double>(), root_x + 50);  // the subject's left is the image's right
  EXPECT_LT(mid(15, 16)[0].item<double>(), root_x - 50);
}

TEST(PoseRender, NearerPartsArePaintedOverFartherOnes) {
  // The left arm swung across the chest, in front of it (z - 300) or behind (z + 300).
  for (float dz : {-300.0f, 300.0f}) {
    auto p = t_pose();
    p[12] = torch::tensor({150.0f, -300.0f, 4000 + dz});
    p[13] = torch::tensor({-150.0f, -300.0f, 4000 + dz});
    auto v = render_view(p);
    const auto chest = pixel(v.image, (v.pose2d[12] + v.pose2d[13]) / 2);
    EXPECT_EQ(dominant(chest), dz < 0 ? 2 : 1) << "forearm at dz " << dz;
  }
}

TEST(PoseRender, RadiiShrinkWithDepth) {
  // Changed pixels in the image column through the left forearm's middle.
  auto thickness = [](double z) {
    auto v = render_view(t_pose(z));
    const int x = static_cast<int>(std::lround(((v.pose2d[12][0] + v.pose2d[13][0]) / 2).item<double>() * kScale));
    auto col = (v.image.select(1, x).to(torch::kInt) - v.background.select(1, x).to(torch::kInt)).abs().sum(1);
    return (col > 30).sum().item<double>();
  };
  const double near = thickness(3000), far = thickness(6000);
  EXPECT_GT(near, 3);
  EXPECT_NEAR(near / far, 2.0, 0.6) << near << " px at 3 m, " << far << " px at 6 m";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class RenderPoseImages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("pose_render");
    test::write_synthetic(dir_ + "/p.h5", 3, {1});
  }
  RenderOptions options(const std::string& out, uint64_t seed = 5) {
    std::error_code ec;
    fs::copy_file(dir_ + "/p.h5", dir_ + "/" + out + ".h5", fs::copy_options::overwrite_existing, ec);
    RenderOptions o;
    o.data = dir_ + "/" + out + ".h5";
    o.out_dir = dir_ + "/" + out;
    o.seed = seed;
    return o;
  }
  std::string dir_;
};

TEST_F(RenderPoseImages, WritesTheLayoutAtTheCameraSizeAndAttachesIt) {
  auto o = options("a");
  auto report = render_pose_images(o);
  EXPECT_EQ(report.rows, 12);
  EXPECT_EQ(report.rendered, 12);
  EXPECT_EQ(report.attach.missing, 0);
  EXPECT_GT(report.bytes, 12 * 1000);
  EXPECT_NE(describe(report, o).find("not photographs"), std::string::npos);

  auto data = read_pose_file(o.data);
  ASSERT_EQ(data.image, h36m_image_paths(data));
  EXPECT_TRUE(torch::equal(data.bbox, bbox_from_joints(data.pose2d)));
  for (int64_t i = 0; i < data.size(); ++i) {
    const auto& cam = data.cameras.get(data.subject[i].item<int>(), data.camera[i].item<int>());
    cv::Mat bgr = cv::imread(o.out_dir + "/" + data.image[static_cast<size_t>(i)], cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty()) << data.image[static_cast<size_t>(i)];
    EXPECT_EQ(bgr.cols, std::lround(cam.width * kScale));
    EXPECT_EQ(bgr.rows, std::lround(cam.height * kScale));

    // The decoded JPEG against its sequence's background: the figure differs
    // around every joint; far from the person the image is background up to
    // JPEG error.
    auto bg = render_background(bgr.cols, bgr.rows,
                                background_seed(o.seed, data.subject[i].item<int>(), data.action[i].item<int>(),
                                                data.subaction[i].item<int>(), data.camera[i].item<int>()));
    auto img = torch::from_blob(bgr.data, {bgr.rows, bgr.cols, 3}, torch::kUInt8).flip(2).to(torch::kInt);
    auto diff = (img - bg.to(torch::kInt)).abs().sum(2).to(torch::kFloat);  // [H, W]
    auto blurred = torch::avg_pool2d(diff.unsqueeze(0), 3, 1, 1).squeeze(0);
    for (int j = 0; j < 17; ++j) {
      const int x = static_cast<int>(std::lround(data.pose2d[i][j][0].item<double>() * kScale));
      const int y = static_cast<int>(std::lround(data.pose2d[i][j][1].item<double>() * kScale));
      if (x < 1 || y < 1 || x >= bgr.cols - 1 || y >= bgr.rows - 1) continue;
      EXPECT_GT(blurred[y][x].item<float>(), 40) << "row " << i << " joint " << j;
    }
    auto box = data.bbox[i] * kScale;
    const int x0 = std::max(0, static_cast<int>(box[0].item<float>()) - 8);
    const int y0 = std::max(0, static_cast<int>(box[1].item<float>()) - 8);
    const int x1 = std::min(bgr.cols, static_cast<int>((box[0] + box[2]).item<float>()) + 8);
    const int y1 = std::min(bgr.rows, static_cast<int>((box[1] + box[3]).item<float>()) + 8);
    auto outside = torch::ones({bgr.rows, bgr.cols}, torch::kBool);
    outside.slice(0, y0, y1).slice(1, x0, x1).fill_(false);
    ASSERT_GT(outside.sum().item<int64_t>(), 1000);
    EXPECT_LT(diff.masked_select(outside).mean().item<double>(), 12) << "row " << i;  // 3 channels
  }
}

TEST_F(RenderPoseImages, SameSeedSameBytesOtherSeedOtherBackground) {
  auto a = options("a", 5), b = options("b", 5), c = options("c", 6);
  render_pose_images(a);
  render_pose_images(b);
  render_pose_images(c);
  auto paths = read_pose_file(a.data).image;
  ASSERT_EQ(paths.size(), 12u);
  for (const auto& p : paths) {
    EXPECT_EQ(slurp(a.out_dir + "/" + p), slurp(b.out_dir + "/" + p)) << p;
    EXPECT_NE(slurp(a.out_dir + "/" + p), slurp(c.out_dir + "/" + p)) << p;
  }
}

TEST_F(RenderPoseImages, StrideLeavesTheOtherRowsMissing) {
  auto o = options("s");
  o.stride = 2;
  auto report = render_pose_images(o);
  EXPECT_EQ(report.rendered, 8);  // 3 frames per camera: 0 and 2
  EXPECT_EQ(report.attach.missing, 4);
}

TEST_F(RenderPoseImages, ToolRendersAndRejectsBadArguments) {
  auto o = options("t");
  const std::string tool = test::tool_path("h36m-prepare") + " render --data " + o.data + " --out " + o.out_dir;
  std::string out;
  ASSERT_EQ(test::run_command(tool + " --size 64 --seed 1", &out), 0) << out;
  EXPECT_NE(out.find("rendered 12 of 12 rows"), std::string::npos) << out;
  EXPECT_NE(out.find("not photographs"), std::string::npos) << out;
  EXPECT_EQ(read_pose_file(o.data).image.size(), 12u);
  EXPECT_EQ(test::run_command(tool + " --size 4", &out), 2);
  EXPECT_NE(out.find("--size: must be >= 8"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(test::tool_path("h36m-prepare") + " render --data " + dir_ + "/absent.h5 --out " +
                                  dir_ + "/x",
                              &out),
            2);
  EXPECT_NE(out.find("absent.h5"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::data
