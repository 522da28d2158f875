#include "hpe3d/geometry/camera.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/camera_set.h"
#include "test_util.h"

namespace hpe3d::geometry {
namespace {

Camera camera_from_json(const nlohmann::json& j) {
  Camera c;
  c.subject = std::stoi(j["subject"].get<std::string>().substr(1));
  c.index = j["camera_index"];
  c.name = j["camera_id"];
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) c.R[r * 3 + k] = j["R"][r][k];
  for (int i = 0; i < 3; ++i) c.T[i] = j["T_mm"][i];
  for (int i = 0; i < 2; ++i) c.f[i] = j["f"][i], c.c[i] = j["c"][i], c.p[i] = j["p"][i];
  for (int i = 0; i < 3; ++i) c.k[i] = j["k"][i];
  c.width = j["width"];
  c.height = j["height"];
  return c;
}

torch::Tensor matrix(const nlohmann::json& rows) {
  std::vector<double> flat;
  for (const auto& row : rows)
    for (double v : row) flat.push_back(v);
  int64_t n = static_cast<int64_t>(rows.size());
  return torch::tensor(flat, torch::kFloat64).view({n, -1});
}

class RealFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test::h36m_sample_json();
    if (path_.empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
    std::ifstream f(path_);
    sample_ = nlohmann::json::parse(f);
  }
  Camera camera_of(const nlohmann::json& s) const {
    for (const auto& c : sample_["cameras"])
      if (c["subject"] == s["subject"] && c["camera_id"] == s["camera_id"]) return camera_from_json(c);
    ADD_FAILURE() << "no camera for sample";
    return {};
  }
  std::string path_;
  nlohmann::json sample_;
};

// The Human3.6M 2D annotations are the distorted projections of the
// camera-frame joints: our model must reproduce them on the real frames.
TEST_F(RealFrames, ProjectionReproducesAnnotationsBelowOneHundredthPixel) {
  ASSERT_EQ(sample_["samples"].size(), 4u);
  for (const auto& s : sample_["samples"]) {
    Camera cam = camera_of(s);
    auto x3 = matrix(s["joints3d_camera_mm"]);
    auto x2 = matrix(s["joints2d_px"]);
    double err64 = (project(x3, cam) - x2).abs().max().item<double>();
    EXPECT_LT(err64, 0.01) << s["image"];
    // float32 keeps the same agreement at these magnitudes (pixels ~ 1e3).
    double err32 = (project(x3.to(torch::kFloat32), cam).to(torch::kFloat64) - x2).abs().max().item<double>();
    EXPECT_LT(err32, 0.01) << s["image"];
    // Distortion matters at this precision: the pinhole model is off by pixels.
    double pinhole = (project_pinhole(x3, cam) - x2).abs().max().item<double>();
    EXPECT_GT(pinhole, 0.5) << s["image"];
  }
}

TEST_F(RealFrames, ShippedCalibrationsEqualTheFixture) {
  auto set = CameraSet::load_yaml(default_h36m_cameras_path());
  ASSERT_EQ(set.all().size(), 44u);
  for (const auto& j : sample_["cameras"]) {
    Camera ref = camera_from_json(j);
    const Camera& c = set.get(ref.subject, ref.index);
    EXPECT_EQ(c.name, ref.name);
    for (int i = 0; i < 9; ++i) EXPECT_DOUBLE_EQ(c.R[i], ref.R[i]);
    for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(c.T[i], ref.T[i]);
    for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(c.k[i], ref.k[i]);
    EXPECT_DOUBLE_EQ(c.f[0], ref.f[0]);
    EXPECT_DOUBLE_EQ(c.p[1], ref.p[1]);
  }
}

TEST_F(RealFrames, WorldCameraRoundTripAndRotationIsOrthonormal) {
  for (const auto& j : sample_["cameras"]) {
    Camera cam = camera_from_json(j);
    auto r = torch::tensor(std::vector<double>(cam.R.begin(), cam.R.end()), torch::kFloat64).view({3, 3});
    EXPECT_TRUE(torch::allclose(r.matmul(r.t()), torch::eye(3, torch::kFloat64), 0, 1e-8));
    EXPECT_NEAR(torch::linalg_det(r).item<double>(), 1.0, 1e-8);
    auto world = torch::randn({5, 17, 3}, torch::kFloat64) * 1000;
    auto back = camera_to_world(world_to_camera(world, cam), cam);
    // R is published to 10 decimals, so R^T inverts it to ~1e-10 relative.
    EXPECT_LT((back - world).abs().max().item<double>(), 1e-5);
    // The camera centre maps to the camera-frame origin.
    auto centre = torch::tensor(std::vector<double>(cam.T.begin(), cam.T.end()), torch::kFloat64);
    EXPECT_LT(world_to_camera(centre, cam).abs().max().item<double>(), 1e-9);
  }
}

TEST(Camera, ProjectionHandCheckedWithoutDistortion) {
  Camera cam;
  cam.R = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  cam.f = {1000, 500};
  cam.c = {500, 250};
  auto x = torch::tensor({100.0, -200.0, 2000.0}, torch::kFloat64);
  auto px = project(x, cam);
  EXPECT_DOUBLE_EQ(px[0].item<double>(), 550.0);
  EXPECT_DOUBLE_EQ(px[1].item<double>(), 200.0);
  // Pure radial distortion: x_d = x (1 + k1 r2).
  cam.k = {0.1, 0, 0};
  px = project(x, cam);
  double r2 = 0.05 * 0.05 + 0.1 * 0.1;
  EXPECT_NEAR(px[0].item<double>(), 500 + 1000 * 0.05 * (1 + 0.1 * r2), 1e-12);
  // Pure tangential: x_d = x (1 + p1 y + p2 x) + (p2, p1) r2.
  cam.k = {0, 0, 0};
  cam.p = {0.01, 0.02};
  px = project(x, cam);
  double tan = 0.01 * -0.1 + 0.02 * 0.05;
  EXPECT_NEAR(px[0].item<double>(), 500 + 1000 * (0.05 * (1 + tan) + 0.02 * r2), 1e-12);
  EXPECT_NEAR(px[1].item<double>(), 250 + 500 * (-0.1 * (1 + tan) + 0.01 * r2), 1e-12);
}

// Autograd through the projection agrees with central finite differences.
TEST(Camera, ProjectionGradientMatchesFiniteDifferences) {
  Camera cam;
  cam.R = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  cam.f = {1145, 1143};
  cam.c = {512, 515};
  cam.k = {-0.2, 0.24, -0.003};
  cam.p = {-0.0014, -0.001};
  auto x = torch::tensor({{-176.7, -321.0, 5203.9}, {300.0, 500.0, 4000.0}}, torch::kFloat64)
               .requires_grad_();
  auto px = project(x, cam);
  for (int out = 0; out < 4; ++out) {
    auto grad = torch::autograd::grad({px.view(-1)[out]}, {x}, {}, /*retain_graph=*/true)[0];
    for (int in = 0; in < 6; ++in) {
      const double h = 1e-3;
      auto xp = x.detach().clone();
      auto xm = x.detach().clone();
      xp.view(-1)[in] += h;
      xm.view(-1)[in] -= h;
      double fd = (project(xp, cam).view(-1)[out] - project(xm, cam).view(-1)[out]).item<double>() /
                  (2 * h);
      EXPECT_NEAR(grad.view(-1)[in].item<double>(), fd, 1e-6 * (1 + std::abs(fd)));
    }
  }
}

TEST(CameraSet, BadFilesNameTheFileAndKey) {
  std::string dir = test::temp_dir("camera_set");
  EXPECT_THROW(CameraSet::load_yaml(dir + "/missing.yaml"), core::InputError);
  std::ofstream(dir + "/bad.yaml") << "cameras:\n  - subject: 1\n    index: 1\n    R: [1, 2]\n";
  try {
    CameraSet::load_yaml(dir + "/bad.yaml");
    FAIL() << "expected an error";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml: cameras[0].R"), std::string::npos) << e.what();
  }
  auto set = CameraSet::load_yaml(default_h36m_cameras_path());
  EXPECT_THROW(set.get(12, 1), core::InputError);
  set.save_yaml(dir + "/copy.yaml");
  auto copy = CameraSet::load_yaml(dir + "/copy.yaml");
  ASSERT_EQ(copy.all().size(), set.all().size());
  EXPECT_EQ(copy.get(11, 4).k, set.get(11, 4).k);
}

}  // namespace
}  // namespace hpe3d::geometry
