// Hostile pose files: every dataset's class, shape, row count, values and
// labels are checked before use. Each case is generated here (h5py edits of a
// good file) and must give a one-line InputError naming the file and dataset.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/geometry/camera_set.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

// Writes DIR/<case>.h5 for every case below from DIR/good.h5.
const char* kVariants = R"(
import h5py, numpy as np, shutil, sys
d = sys.argv[1]
def variant(name, fn):
    p = f"{d}/{name}.h5"
    shutil.copy(f"{d}/good.h5", p)
    with h5py.File(p, "r+") as f:
        fn(f)
def replace(f, name, data, **kw):
    del f[name]
    f.create_dataset(name, data=data, **kw)
def first_camera(f):
    s = sorted(f["/cameras"].keys())[0]
    return f"/cameras/{s}/" + sorted(f["/cameras/" + s].keys())[0]
variant("int_image", lambda f: f.create_dataset("/image", data=np.arange(f["/pose3d"].shape[0], dtype=np.int32)))
def big_pose(f):
    x = f["/pose3d"][...]; x[3, 2, 1] = 2.5e38; replace(f, "/pose3d", x)
variant("big_pose", big_pose)
variant("float_subject", lambda f: replace(f, "/subject", f["/subject"][...].astype(np.float32) + 0.5))
variant("float_action", lambda f: replace(f, "/action", f["/action"][...].astype(np.float64)))
def camera_ids(f):
    x = f["/camera"][...]; x[0] = 0; x[1] = 5; replace(f, "/camera", x)
variant("camera_ids", camera_ids)
def nan_focal(f):
    ds = f[first_camera(f) + "/f"]; v = ds[...]; v[0] = np.nan; ds[...] = v
variant("nan_focal", nan_focal)
def zero_focal(f):
    ds = f[first_camera(f) + "/f"]; ds[...] = np.zeros(2)
variant("zero_focal", zero_focal)
def no_cameras(f):
    del f["/cameras"]
variant("no_cameras", no_cameras)
def uncalibrated(f):
    del f["/cameras/S9"]
variant("uncalibrated", uncalibrated)
def bad_group(f):
    f.move("/cameras/S1", "/cameras/S1\nrm -rf")
variant("bad_group", bad_group)
variant("int_pose2d", lambda f: replace(f, "/pose2d", f["/pose2d"][...].astype(np.int32)))
def declared_rows(rows):
    def fn(f):
        for k in ["/pose3d", "/pose2d", "/subject", "/action", "/subaction", "/camera", "/frame"]:
            shape, dt = f[k].shape, f[k].dtype
            del f[k]
            f.create_dataset(k, shape=(rows,) + shape[1:], dtype=dt, chunks=(4096,) + shape[1:])
    return fn
variant("billion_rows", declared_rows(10**9))
variant("sparse_rows", declared_rows(10**6))
def corrupt_chunk(f):
    replace(f, "/pose3d", f["/pose3d"][...], chunks=(8, 17, 3), fletcher32=True)
variant("corrupt_chunk", corrupt_chunk)
with h5py.File(f"{d}/corrupt_chunk.h5", "r") as f:
    offset = f["/pose3d"].id.get_chunk_info(0).byte_offset
with open(f"{d}/corrupt_chunk.h5", "r+b") as raw:
    raw.seek(offset + 5); b = raw.read(1); raw.seek(offset + 5); raw.write(bytes([b[0] ^ 0x40]))
)";

class PoseFileValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::temp_dir("pose_file_validation"));
    auto cameras = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
    PoseFileWriter w(*dir_ + "/good.h5", "test", {"A", "B"}, cameras);
    for (int subject : {1, 9}) {
      PoseBatch b;
      const int64_t n = 16;
      b.pose3d = torch::randn({n, 17, 3}) * 300 + 4000;
      b.pose2d = torch::rand({n, 17, 2}) * 1000;
      b.subject = torch::full({n}, subject, torch::kInt32);
      b.action = torch::arange(n, torch::kInt32).remainder(2);
      b.subaction = torch::ones({n}, torch::kInt32);
      b.camera = torch::arange(n, torch::kInt32).remainder(4) + 1;
      b.frame = torch::arange(n, torch::kInt32);
      w.append(b);
    }
    w.finish();
    std::ofstream(*dir_ + "/variants.py") << kVariants;
    std::string out;
    ASSERT_EQ(test::run_command(test::python() + " " + *dir_ + "/variants.py " + *dir_, &out), 0) << out;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string error_of(const std::string& name) {
    try {
      read_pose_file(*dir_ + "/" + name + ".h5");
    } catch (const core::InputError& e) {
      return e.what();
    }
    return "no error";
  }
  static std::string* dir_;
};
std::string* PoseFileValidationTest::dir_ = nullptr;

TEST_F(PoseFileValidationTest, TheGoodFileReads) { EXPECT_EQ(read_pose_file(*dir_ + "/good.h5").size(), 32); }

TEST_F(PoseFileValidationTest, EveryHostileFileIsAOneLineErrorNamingFileAndDataset) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"int_image", "int_image.h5: /image: expected string values, got integer values"},
      {"big_pose", "big_pose.h5: /pose3d: 1 samples hold a coordinate beyond 1e5 (mm: not a human pose; first at row 3)"},
      {"float_subject", "float_subject.h5: /subject: expected integer values, got floating-point values"},
      {"float_action", "float_action.h5: /action: expected integer values, got floating-point values"},
      {"camera_ids", "camera_ids.h5: /camera: camera ids must be 1..4, found 0..5"},
      {"nan_focal", "nan_focal.h5: /cameras/S1/1/f: holds NaN or Inf"},
      {"zero_focal", "zero_focal.h5: /cameras/S1/1/f: focal lengths must be > 0"},
      {"no_cameras", "no_cameras.h5: /cameras: group is missing"},
      {"uncalibrated", "uncalibrated.h5: /cameras: no calibration for subject 9, camera 1 (row 16)"},
      {"bad_group", "bad_group.h5: /cameras: expected S<subject> groups, got \"S1\\nrm -rf\""},
      {"int_pose2d", "int_pose2d.h5: /pose2d: expected floating-point values, got integer values"},
      // More memory than a machine has (368 GB); on a larger one, the stored bytes give it away.
      {"billion_rows", "billion_rows.h5: 1000000000 samples needs 368.0 GB, more than this machine's|"
                       "billion_rows.h5: /subject: declares 1000000000 rows"},
      {"sparse_rows", "sparse_rows.h5: /subject: declares 1000000 rows (4000000 bytes) but the file stores 0 bytes"},
      {"corrupt_chunk", "corrupt_chunk.h5: /pose3d: read failed: stored chunks fail their checksum"},
  };
  for (const auto& [name, expected] : cases) {
    const std::string msg = error_of(name);
    const auto bar = expected.find('|');
    EXPECT_TRUE(msg.find(expected.substr(0, bar)) != std::string::npos ||
                (bar != std::string::npos && msg.find(expected.substr(bar + 1)) != std::string::npos))
        << name << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << name << ": " << msg;
    EXPECT_EQ(msg.find("truncated?"), std::string::npos) << name << ": " << msg;
  }
}

// The three tools that read pose files: exit 2 and one line, no segfault (an
// integer /image of N rows used to index past a one-element vector).
TEST_F(PoseFileValidationTest, ToolsExit2OnAnIntegerImageDataset) {
  const std::string file = *dir_ + "/int_image.h5";
  const std::string config = *dir_ + "/int_image.yaml";
  std::ofstream(config) << "data: {file: " << file << ", train_subjects: [1], test_subjects: [9]}\n"
                        << "model: {pose: {hidden: 32, blocks: 1}}\ntrain: {epochs: 1, batch_size: 8}\n";
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " info " + file, &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("/image: expected string values"), std::string::npos) << out;
  rc = test::run_command(test::tool_path("h36m-train") + " --config " + config + " --output " + *dir_ + "/run", &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("/image: expected string values"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/run")) << "a failed start left its run directory";
}

}  // namespace
}  // namespace hpe3d::data
