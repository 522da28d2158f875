#include "hpe3d/data/pose_split.h"

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/camera.h"
#include "hpe3d/geometry/camera_set.h"
#include "hpe3d/geometry/skeleton.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

std::string write_file(const std::string& dir) {
  auto cams = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  PoseFileWriter w(dir + "/split.h5", "test", {"A"}, cams);
  for (int subject : {1, 9}) {
    PoseBatch b;
    const auto& cam = cams.get(subject, 1);
    auto world = torch::randn({6, 17, 3}, torch::kFloat64) * 200 + torch::tensor({0.0, 0.0, 900.0}, torch::kFloat64);
    auto c3 = geometry::world_to_camera(world, cam);
    b.pose3d = c3.to(torch::kFloat32);
    b.pose2d = geometry::project_pinhole(c3, cam).to(torch::kFloat32);
    auto full = [](int v) { return torch::full({6}, v, torch::kInt32); };
    b.subject = full(subject);
    b.action = full(0);
    b.subaction = full(1);
    b.camera = full(1);
    b.frame = torch::arange(6, torch::kInt32);
    w.append(b);
  }
  w.finish();
  return dir + "/split.h5";
}

TEST(PoseSplit, ShapesRootRelativeTargetsAndSelectsSubjects) {
  auto path = write_file(test::temp_dir("split"));
  auto all = read_pose_file(path);
  auto split = load_split(path, {{9}, 1, false});
  ASSERT_EQ(split.size(), 6);
  EXPECT_EQ(split.pose3d.sizes(), (std::vector<int64_t>{6, 16, 3}));
  auto expected = all.pose3d.narrow(0, 6, 6);
  expected = (expected - expected.narrow(1, 0, 1)).narrow(1, 1, 16);
  EXPECT_TRUE(torch::allclose(split.pose3d, expected));
  EXPECT_TRUE((split.subject == 9).all().item<bool>());
  auto centred = load_split(path, {{9}, 1, true});
  EXPECT_EQ(centred.pose2d.select(1, 0).abs().max().item<float>(), 0.0f);
  EXPECT_THROW(load_split(path, {{5}, 1, false}), core::InputError);
}

// Flipping the 3D pose and projecting gives the flipped 2D pose (pinhole).
TEST(PoseSplit, FlipIsConsistentBetween2DAnd3D) {
  auto path = write_file(test::temp_dir("flip"));
  auto split = load_split(path, {{1}, 1, false});
  auto cam = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path()).get(1, 1);
  auto all = read_pose_file(path, {{1}, 1});
  auto root = all.pose3d.narrow(1, 0, 1).to(torch::kFloat64);
  auto p2 = split.pose2d.clone(), p3 = split.pose3d.clone();
  flip_batch(p2, p3, split.centre_x, false);
  // Mirror the absolute camera-frame pose about the camera's y-z plane.
  auto full3d = torch::cat({torch::zeros({6, 1, 3}, torch::kFloat64), p3.to(torch::kFloat64)}, 1) +
                root * torch::tensor({-1.0, 1.0, 1.0}, torch::kFloat64);
  auto f = cam.f, c = cam.c;
  auto u = full3d.select(2, 0) / full3d.select(2, 2) * f[0] + c[0];
  auto v = full3d.select(2, 1) / full3d.select(2, 2) * f[1] + c[1];
  EXPECT_LT((u - p2.select(2, 0).to(torch::kFloat64)).abs().max().item<double>(), 0.05);
  EXPECT_LT((v - p2.select(2, 1).to(torch::kFloat64)).abs().max().item<double>(), 0.05);
}

// The pipeline feeds 17 2D joints (or 16 without Neck/Nose) and predicts 16
// root-relative 3D joints; any other model shape is refused here, naming the
// key and the source.
TEST(PoseSplit, OtherJointCountsAreRefusedInOnePlace) {
  core::ModelConfig m;
  EXPECT_NO_THROW(check_split_shapes(m));
  m.joints_3d = 17;
  try {
    check_split_shapes(m, "run/config.yaml");
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("run/config.yaml: model: ", 0), 0u) << what;
    EXPECT_NE(what.find("model.joints_3d: 16"), std::string::npos) << what;
  }
  m.joints_3d = 16;
  m.joints_2d = 16;
  EXPECT_NO_THROW(check_split_shapes(m));
  m.joints_2d = 15;
  EXPECT_THROW(check_split_shapes(m), core::InputError);
}

// joints_2d 16 drops exactly Neck/Nose (joint 9: features 18, 19) of the
// normalised 17-joint input; 17 keeps it as it is.
TEST(PoseSplit, SelectJoints2dDropsNeckNose) {
  auto x = torch::arange(3 * 34, torch::kFloat32).view({3, 34});
  EXPECT_TRUE(torch::equal(select_joints_2d(x, 17), x));
  auto y = select_joints_2d(x, 16);
  ASSERT_EQ(y.sizes(), torch::IntArrayRef({3, 32}));
  EXPECT_EQ(geometry::joint_index("Neck/Nose"), 9);
  EXPECT_TRUE(torch::equal(y.narrow(1, 0, 18), x.narrow(1, 0, 18)));
  EXPECT_TRUE(torch::equal(y.narrow(1, 18, 14), x.narrow(1, 20, 14)));
  EXPECT_THROW(select_joints_2d(x, 15), c10::Error);
  EXPECT_THROW(select_joints_2d(x.narrow(1, 0, 32), 16), c10::Error);
}

}  // namespace
}  // namespace hpe3d::data
