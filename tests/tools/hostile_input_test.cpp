// The tools against hostile-but-realistic invocations: each ends quickly with
// exit 2 and one line naming the culprit, or (runtime.threads) runs bounded.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/core/runtime.h"
#include "test_util.h"

namespace hpe3d {
namespace {

namespace fs = std::filesystem;

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::temp_dir("hostile_input"));
    test::write_synthetic(*dir_ + "/s.h5", 200);
    std::ofstream(*dir_ + "/exp.yaml") << "name: hostile\ndata: {file: " << *dir_
                                        << "/s.h5, train_subjects: [1], test_subjects: [9]}\n"
                                           "model: {pose: {hidden: 32, blocks: 1}}\n"
                                           "train: {epochs: 1, batch_size: 32}\nruntime: {device: cpu}\n";
  }
  static void TearDownTestSuite() { delete dir_; }

  // Runs a tool (bounded by `timeout`: a hang fails the test instead of the suite).
  static int run(const std::string& tool, const std::string& args, std::string* out) {
    return test::run_command("timeout 120 " + test::tool_path(tool) + " " + args, out);
  }
  static void expect_one_line_error(const std::string& tool, const std::string& args, const std::string& message) {
    std::string out;
    const int rc = run(tool, args, &out);
    EXPECT_EQ(rc, 2) << args << "\n" << out;
    EXPECT_NE(out.find(message), std::string::npos) << args << "\n" << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line: " << out;
    EXPECT_EQ(out.rfind(tool + ": error: ", 0), 0u) << out;
  }
  static std::string* dir_;
};
std::string* HostileInput::dir_ = nullptr;

TEST_F(HostileInput, ConfigPathsThatAreNotAFileAreRefusedAtOnce) {
  const std::string fifo = *dir_ + "/fifo.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_one_line_error("h36m-train", "--config " + fifo, "fifo.yaml: config file must be a regular file, not a FIFO");
  expect_one_line_error("h36m-train", "--config " + *dir_, "config file must be a regular file, not a directory");
  std::ofstream(*dir_ + "/scalar.yaml") << "hello\n";
  expect_one_line_error("h36m-train", "--config " + *dir_ + "/scalar.yaml",
                        "scalar.yaml: expected a mapping of keys at the top level, got \"hello\"");
}

TEST_F(HostileInput, ConfigValuesThatWouldTrainOnGarbageAreRefused) {
  const std::string config = "--config " + *dir_ + "/exp.yaml --output " + *dir_ + "/out ";
  expect_one_line_error("h36m-train", config + "--set 'data.train_subjects=[]'", "data.train_subjects: is empty");
  expect_one_line_error("h36m-train", config + "--set 'data.test_subjects=[1]'",
                        "data.test_subjects: subject 1 is also a training subject");
  expect_one_line_error("h36m-train", config + "--set train.grad_clip=.nan",
                        "--set \"train.grad_clip=.nan\": train.grad_clip: expected a finite number");
  expect_one_line_error("h36m-train", config + "--set train.optimizer.lr=.nan",
                        "train.optimizer.lr: expected a finite number");
  expect_one_line_error("h36m-train", config + "--set train.beta.max=.inf", "train.beta.max: expected a finite number");
  expect_one_line_error("h36m-train", config + "--set model.pose.hidden=1000000",
                        "model.pose.hidden: a pose model of hidden width 1000000 needs ");
  expect_one_line_error("h36m-train", config + "--set name=a/../../b", "name: must be a plain directory name");
  EXPECT_FALSE(fs::exists(*dir_ + "/out")) << "a refused run left its directory";
}

TEST_F(HostileInput, ASweepLargerThanMaxRunsIsRefusedWithItsCount) {
  std::string values;
  for (int i = 0; i < 200; ++i) values += (i ? ", " : "") + std::to_string(i + 1);
  std::ifstream in(*dir_ + "/exp.yaml");
  std::string base((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(*dir_ + "/sweep.yaml") << base << "sweep: {model.latent_dim: [" << values << "], train.seed: [1, 2]}\n";
  expect_one_line_error("h36m-train", "--config " + *dir_ + "/sweep.yaml --output " + *dir_ + "/sweep",
                        "sweep.yaml: sweep: 400 runs (200 x 2) exceed sweep.max_runs (64)");
  EXPECT_FALSE(fs::exists(*dir_ + "/sweep/hostile_000"));
}

// 4096 threads are capped at the cores: the run starts, trains and ends.
TEST_F(HostileInput, ThousandsOfThreadsAreCappedAtTheCores) {
  std::string out;
  const int rc = run("h36m-train", "--config " + *dir_ + "/exp.yaml --output " + *dir_ +
                                       "/threads --set runtime.threads=4096 --max-steps 2",
                     &out);
  EXPECT_EQ(rc, 0) << out;
  const std::string expected = ", " + std::to_string(core::cpu_cores()) + " threads x torch 1";
  EXPECT_NE(out.find(expected), std::string::npos) << out;
}

TEST_F(HostileInput, AnEmptyPredictionsFileIsAnError) {
  const std::string script = *dir_ + "/empty_pred.py";
  std::ofstream(script) << "import h5py, numpy as np, sys\n"
                           "with h5py.File(sys.argv[1], 'w') as f:\n"
                           "    f['/pred3d'] = np.zeros((0, 17, 3), np.float32)\n"
                           "    f['/gt3d'] = np.zeros((0, 17, 3), np.float32)\n";
  std::string out;
  ASSERT_EQ(test::run_command(test::python() + " " + script + " " + *dir_ + "/pred0.h5", &out), 0) << out;
  expect_one_line_error("h36m-eval", "--predictions " + *dir_ + "/pred0.h5", "pred0.h5: /pred3d: holds no poses");
}

// One flipped bit in a checkpoint: every reader refuses it by name (it used to
// evaluate with shifted results, and export wrote NaN latents).
TEST_F(HostileInput, AFlippedBitInACheckpointIsRefusedByEveryTool) {
  std::string out;
  ASSERT_EQ(run("h36m-train", "--config " + *dir_ + "/exp.yaml --output " + *dir_ + "/good", &out), 0) << out;
  const std::string good = *dir_ + "/good/checkpoints/last.pt";
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  const std::string bad = *dir_ + "/flipped.pt";
  std::ofstream(bad, std::ios::binary) << bytes;
  const std::string message = "flipped.pt: corrupted checkpoint: the content does not match its CRC-32 checksum";
  expect_one_line_error("h36m-eval", "--checkpoint " + bad, message);
  expect_one_line_error("h36m-export-latent", "--checkpoint " + bad + " --out " + *dir_ + "/z.h5", message);
  EXPECT_FALSE(fs::exists(*dir_ + "/z.h5"));
  // --resume reads the same file (after the run's start-up log lines).
  fs::copy_file(bad, good, fs::copy_options::overwrite_existing);
  EXPECT_EQ(run("h36m-train", "--resume " + *dir_ + "/good", &out), 2) << out;
  EXPECT_NE(out.find("h36m-train: error: " + good + ": corrupted checkpoint: the content does not match its CRC-32"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace hpe3d
