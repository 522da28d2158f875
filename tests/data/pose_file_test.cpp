#include "hpe3d/data/pose_file.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/camera_set.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

PoseBatch make_batch(int64_t n, int subject, int action, int camera) {
  PoseBatch b;
  b.pose3d = torch::randn({n, 17, 3}) * 300 + 4000;
  b.pose2d = torch::rand({n, 17, 2}) * 1000;
  auto full = [n](int v) { return torch::full({n}, v, torch::kInt32); };
  b.subject = full(subject);
  b.action = full(action);
  b.subaction = full(1);
  b.camera = full(camera);
  b.frame = torch::arange(n, torch::kInt32);
  return b;
}

std::string expect_input_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected core::InputError";
  return "";
}

class PoseFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("pose_file");
    cameras_ = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  }
  std::string write_file(const std::string& name, const std::vector<PoseBatch>& batches) {
    std::string path = dir_ + "/" + name;
    PoseFileWriter w(path, "test", {"A", "B"}, cameras_);
    for (const auto& b : batches) w.append(b);
    w.finish();
    return path;
  }
  std::string dir_;
  geometry::CameraSet cameras_;
};

TEST_F(PoseFileTest, RoundTripsEveryDatasetAndCamera) {
  torch::manual_seed(0);
  auto a = make_batch(10, 1, 0, 1), b = make_batch(6, 9, 1, 2);
  auto path = write_file("round.h5", {a, b});
  auto data = read_pose_file(path);
  ASSERT_EQ(data.size(), 16);
  EXPECT_TRUE(torch::equal(data.pose3d, torch::cat({a.pose3d, b.pose3d})));
  EXPECT_TRUE(torch::equal(data.pose2d, torch::cat({a.pose2d, b.pose2d})));
  EXPECT_TRUE(torch::equal(data.subject, torch::cat({a.subject, b.subject})));
  EXPECT_TRUE(torch::equal(data.frame, torch::cat({a.frame, b.frame})));
  EXPECT_EQ(data.action_names, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(data.source, "test");
  ASSERT_EQ(data.cameras.all().size(), cameras_.all().size());
  const auto& c = data.cameras.get(9, 2);
  EXPECT_EQ(c.R, cameras_.get(9, 2).R);
  EXPECT_EQ(c.k, cameras_.get(9, 2).k);
  EXPECT_EQ(c.name, cameras_.get(9, 2).name);
  EXPECT_EQ(c.height, cameras_.get(9, 2).height);
}

TEST_F(PoseFileTest, SelectsSubjectsAndStridesWithinEachSequence) {
  auto path = write_file("select.h5", {make_batch(10, 1, 0, 1), make_batch(7, 9, 1, 2),
                                       make_batch(5, 9, 1, 3)});
  auto s9 = read_pose_file(path, {{9}, 1});
  EXPECT_EQ(s9.size(), 12);
  EXPECT_TRUE((s9.subject == 9).all().item<bool>());
  auto strided = read_pose_file(path, {{}, 3});
  // Runs of 10, 7, 5 rows -> 4 + 3 + 2 rows, each run starting at frame 0.
  EXPECT_EQ(strided.size(), 9);
  EXPECT_EQ(strided.frame[4].item<int>(), 0);
  EXPECT_EQ(strided.frame[5].item<int>(), 3);
}

TEST_F(PoseFileTest, ReadsADetectionSetAsThe2DInput) {
  torch::manual_seed(1);
  auto a = make_batch(6, 1, 0, 1), b = make_batch(4, 9, 1, 2);
  auto path = write_file("det.h5", {a, b});
  auto detected = torch::rand({10, 17, 2}) * 1000;
  {
    H5File f(path, H5File::Mode::kReadWrite);
    f.write("/pose2d_det/cpn", detected);
    f.write("/pose2d_det/short", detected.narrow(0, 0, 9).contiguous());
  }
  auto gt = read_pose_file(path, {{9}, 1});
  auto det = read_pose_file(path, {{9}, 1, "det/cpn"});
  EXPECT_TRUE(torch::equal(gt.pose2d, b.pose2d));
  EXPECT_TRUE(torch::equal(det.pose2d, detected.narrow(0, 6, 4)));
  EXPECT_TRUE(torch::equal(det.pose3d, gt.pose3d));

  auto msg = expect_input_error([&] { read_pose_file(path, {{}, 1, "det/sh"}); });
  EXPECT_NE(msg.find("det.h5: /pose2d_det/sh: no such dataset"), std::string::npos) << msg;
  msg = expect_input_error([&] { read_pose_file(path, {{}, 1, "det/short"}); });
  EXPECT_NE(msg.find("/pose2d_det/short: expected shape (10,17,2)"), std::string::npos) << msg;
  msg = expect_input_error([&] { read_pose_file(path, {{}, 1, "cpn"}); });
  EXPECT_NE(msg.find("data.input_2d: expected gt or det/<name>, got \"cpn\""), std::string::npos) << msg;
}

TEST_F(PoseFileTest, UnfinishedWriterLeavesNoFile) {
  std::string path = dir_ + "/partial.h5";
  {
    PoseFileWriter w(path, "test", {"A"}, cameras_);
    w.append(make_batch(4, 1, 0, 1));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(PoseFileTest, BadFilesGiveOneLineErrorsNamingFileAndDataset) {
  auto msg = expect_input_error([&] { read_pose_file(dir_ + "/absent.h5"); });
  EXPECT_NE(msg.find("absent.h5: no such file"), std::string::npos) << msg;

  // Truncated: a valid file cut in half.
  auto good = write_file("good.h5", {make_batch(50, 1, 0, 1)});
  auto size = fs::file_size(good);
  fs::copy_file(good, dir_ + "/cut.h5");
  fs::resize_file(dir_ + "/cut.h5", size / 2);
  msg = expect_input_error([&] { read_pose_file(dir_ + "/cut.h5"); });
  EXPECT_NE(msg.find("cut.h5"), std::string::npos) << msg;

  // Not a pose file at all.
  std::ofstream(dir_ + "/text.h5") << "hello";
  msg = expect_input_error([&] { read_pose_file(dir_ + "/text.h5"); });
  EXPECT_NE(msg.find("text.h5"), std::string::npos) << msg;

  // A pose file missing /pose2d, and one whose /pose3d has 16 joints.
  auto partial = [&](const std::string& name, const torch::Tensor& pose3d) {
    std::string path = dir_ + "/" + name;
    H5File dst(path, H5File::Mode::kCreate);
    dst.write_attribute("/", "format", "hpe3d-poses");
    dst.write_attribute("/", "version", int64_t{1});
    dst.write("/pose3d", pose3d);
    return path;
  };
  auto pose3d = H5File(good, H5File::Mode::kRead).read("/pose3d", torch::kFloat32);
  msg = expect_input_error([&] { read_pose_file(partial("missing.h5", pose3d)); });
  EXPECT_NE(msg.find("missing.h5: /pose2d: dataset is missing"), std::string::npos) << msg;
  msg = expect_input_error(
      [&] { read_pose_file(partial("shape.h5", pose3d.narrow(1, 0, 16).contiguous())); });
  EXPECT_NE(msg.find("shape.h5: /pose3d: expected shape (50,17,3), got (50,16,3)"), std::string::npos)
      << msg;

  auto bad = make_batch(5, 1, 0, 1);
  bad.pose3d[3][2][1] = std::numeric_limits<float>::quiet_NaN();
  auto nan_path = write_file("nan.h5", {make_batch(4, 1, 0, 1), bad});
  msg = expect_input_error([&] { read_pose_file(nan_path); });
  EXPECT_NE(msg.find("nan.h5: /pose3d: 1 samples hold NaN or Inf values (first at row 7)"), std::string::npos)
      << msg;

  auto labels = make_batch(3, 1, 5, 1);  // action 5 of 2 names
  msg = expect_input_error([&] { read_pose_file(write_file("labels.h5", {labels})); });
  EXPECT_NE(msg.find("labels.h5: /action"), std::string::npos) << msg;
}

TEST_F(PoseFileTest, OpensInH5py) {
  auto path = write_file("h5py.h5", {make_batch(8, 11, 1, 4)});
  std::string out;
  int rc = test::run_command(
      test::python() + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                       "print(f['pose3d'].shape, f['pose2d'].dtype, f['subject'][0], "
                       "f['action_names'].asstr()[1], f.attrs['format'], f['cameras/S11/4/R'].shape)\" " +
          path,
      &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("(8, 17, 3) float32 11 B hpe3d-poses (3, 3)"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::data
