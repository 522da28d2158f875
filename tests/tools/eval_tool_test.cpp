// End-to-end tests of h36m-eval as a process: a checkpoint evaluated on data
// that does not fit it, and rgb checkpoints whose frames are missing or
// unreadable, exit 2 with one line naming the cause.
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/train/trainer.h"
#include "test_util.h"

namespace hpe3d {
namespace {

namespace fs = std::filesystem;

// Non-empty lines of a tool's output.
std::vector<std::string> lines_of(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Runs h36m-eval with `args`; expects exit 2 and exactly one line, an error
// holding every one of `parts`.
void expect_one_line_error(const std::string& args, const std::vector<std::string>& parts) {
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-eval") + " " + args, &out);
  EXPECT_EQ(rc, 2) << args << "\n" << out;
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 1u) << args << "\n" << out;
  EXPECT_EQ(lines[0].rfind("h36m-eval: error: ", 0), 0u) << lines[0];
  for (const auto& p : parts) EXPECT_NE(lines[0].find(p), std::string::npos) << "want \"" << p << "\" in: " << lines[0];
}

// Replaces a dataset of an existing file (H5File has no remove()).
void replace_dataset(const std::string& path, const std::string& name, const torch::Tensor& values) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0) << path;
  ASSERT_GE(H5Ldelete(f, name.c_str(), H5P_DEFAULT), 0) << name;
  H5Fclose(f);
  data::H5File(path, data::H5File::Mode::kReadWrite).write(name, values);
}

TEST(EvalTool, DataThatDoesNotFitTheCheckpointIsAOneLineError) {
  auto dir = test::temp_dir("eval_tool_mismatch");
  test::write_synthetic(dir + "/s.h5", 200);
  {
    data::H5File f(dir + "/s.h5", data::H5File::Mode::kReadWrite);
    f.write("/pose2d_det/cpn", f.read("/pose2d", torch::kFloat32));
  }
  // A checkpoint trained on detected 2D input.
  auto c = test::small_lifting(dir + "/s.h5");
  c.data.input_2d = "det/cpn";
  train::Trainer(c, {dir + "/run", false, -1}).run();
  const std::string checkpoint = " --checkpoint " + dir + "/run/checkpoints/best.pt";
  {  // The checkpoint evaluates on its own data.
    std::string out;
    ASSERT_EQ(test::run_command(test::tool_path("h36m-eval") + checkpoint + " --protocols 1", &out), 0) << out;
  }

  // The same poses written with Human3.6M's raw 32-joint skeleton.
  test::write_synthetic(dir + "/raw32.h5", 200);
  {
    auto pose3d = data::H5File(dir + "/raw32.h5", data::H5File::Mode::kRead).read("/pose3d", torch::kFloat32);
    replace_dataset(dir + "/raw32.h5", "/pose3d", torch::cat({pose3d, pose3d.narrow(1, 0, 15)}, 1));
  }
  expect_one_line_error(checkpoint + " --data " + dir + "/raw32.h5",
                        {"raw32.h5: /pose3d: expected shape (800,17,3), got (800,32,3)"});
  // 2D joints of another joint set (16, root left out).
  test::write_synthetic(dir + "/two16.h5", 200);
  {
    data::H5File f(dir + "/two16.h5", data::H5File::Mode::kReadWrite);
    f.write("/pose2d_det/cpn", f.read("/pose2d", torch::kFloat32).narrow(1, 1, 16).contiguous());
  }
  expect_one_line_error(checkpoint + " --data " + dir + "/two16.h5",
                        {"two16.h5: /pose2d_det/cpn: expected shape (800,17,2), got (800,16,2)"});
  // A file without the checkpoint's 2D detections.
  test::write_synthetic(dir + "/plain.h5", 200);
  expect_one_line_error(checkpoint + " --data " + dir + "/plain.h5",
                        {"plain.h5: /pose2d_det/cpn: no such dataset (data.input_2d: det/cpn)"});
  // Subjects the file does not hold.
  expect_one_line_error(checkpoint + " --subjects 11", {"s.h5: no samples for subjects 11"});
  // A pair the checkpoint's model cannot encode.
  expect_one_line_error(checkpoint + " --pair 'rgb->pose3d'", {"--pair", "no rgb encoder"});
}

TEST(EvalTool, RgbCheckpointWithAMissingOrUnreadableFrameIsAOneLineError) {
  auto dir = test::temp_dir("eval_tool_rgb");
  auto c = test::small_rgb(dir);
  c.data.images.missing = "error";
  train::Trainer(c, {dir + "/run", false, -1}).run();
  const std::string args = "--checkpoint " + dir + "/run/checkpoints/best.pt --pair 'rgb->pose3d' --protocols 1";
  {
    std::string out;
    ASSERT_EQ(test::run_command(test::tool_path("h36m-eval") + " " + args, &out), 0) << out;
  }
  // A test frame (subject 9, kept by the stride) goes missing.
  auto test_split = data::load_split(c.data.file, {c.data.test_subjects, c.data.test_stride, false});
  ASSERT_GT(test_split.size(), 2);
  const std::string image = test_split.image[2];
  const std::string path = c.data.images.root + "/" + image;
  ASSERT_TRUE(fs::exists(path));
  fs::rename(path, path + ".away");
  expect_one_line_error(args, {path, "no such image"});
  // Present but not a JPEG: the image workers' error reaches the tool.
  std::ofstream(path) << "not a jpeg";
  expect_one_line_error(args, {path, "cannot read the image"});
  // The default --image-root is the checkpoint's; another root is looked in.
  fs::rename(path + ".away", path);
  fs::rename(c.data.images.root, dir + "/moved");
  expect_one_line_error(args, {c.data.images.root + "/" + test_split.image[0], "no such image"});
  std::string out;
  EXPECT_EQ(test::run_command(test::tool_path("h36m-eval") + " " + args + " --image-root " + dir + "/moved", &out), 0)
      << out;
}

}  // namespace
}  // namespace hpe3d
