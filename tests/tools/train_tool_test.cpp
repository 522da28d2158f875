// End-to-end tests of h36m-train as a process: Ctrl-C and exit codes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/checkpoint.h"
#include "test_util.h"

namespace hpe3d {
namespace {

namespace fs = std::filesystem;

std::string prepare_run(const std::string& dir, int epochs) {
  std::string out;
  int rc = test::run_command(test::tool_path("h36m-prepare") + " synthetic --n 3000 --subjects 1,9 --out " + dir +
                                 "/s.h5",
                             &out);
  EXPECT_EQ(rc, 0) << out;
  std::ofstream(dir + "/exp.yaml") << "name: e2e\ndata: {file: " << dir
                                   << "/s.h5, train_subjects: [1], test_subjects: [9]}\n"
                                      "model: {pose: {hidden: 256, blocks: 2}}\n"
                                      "train: {epochs: "
                                   << epochs << ", batch_size: 32}\n";
  return dir + "/exp.yaml";
}

TEST(TrainTool, SigintFinishesTheStepSavesLastAndExits130) {
  auto dir = test::temp_dir("train_sigint");
  auto config = prepare_run(dir, 1000);
  const std::string tool = test::tool_path("h36m-train");
  const std::string output = dir + "/run";
  const std::string log = dir + "/log.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!freopen(log.c_str(), "w", stderr)) _exit(126);
    execl(tool.c_str(), tool.c_str(), "--config", config.c_str(), "--output", output.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until training has produced its first epoch checkpoint.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(output + "/checkpoints/last.pt") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  core::CheckpointReader r(output + "/checkpoints/last.pt");
  EXPECT_GT(r.get_int("step"), 0);
  EXPECT_FALSE(fs::exists(output + "/checkpoints/last.pt.tmp"));
  // The saved run continues.
  std::string out;
  int rc = test::run_command(tool + " --resume " + output + " --max-steps " + std::to_string(r.get_int("step") + 3),
                             &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("resumed"), std::string::npos) << out;
}

TEST(TrainTool, BadInvocationsExit2WithOneLine) {
  auto dir = test::temp_dir("train_bad");
  auto config = prepare_run(dir, 1);
  struct Case {
    std::string args, message;
  };
  std::ofstream(dir + "/typo.yaml") << "train: {beta: {schedule: cyclic}}\n";
  // Checks beyond single keys name the file too, and run before any data is read.
  std::ofstream(dir + "/sweep.yaml") << "data: {file: " << dir << "/s.h5, train_subjects: [1], test_subjects: [9]}\n"
                                     << "sweep: {model.image_size: [64, 100]}\n";
  std::vector<Case> cases = {
      {"--config " + config + " --set model.image_size=100", "exp.yaml + --set \"model.image_size=100\": model.image_size: must be 64, 128 or 256"},
      {"--config " + config + " --set 'train.pairs=[pose2d->depth]'", "exp.yaml + --set \"train.pairs=[pose2d->depth]\": train.pairs: unknown modality"},
      {"--config " + config + " --set 'train.pairs=[pose3d->pose3d]'",
       "exp.yaml + --set \"train.pairs=[pose3d->pose3d]\": train.pairs: pose3d->pose3d needs pose3d in model.encoders"},
      {"--config " + dir + "/sweep.yaml", "sweep.yaml (sweep: model.image_size=100): model.image_size: must be 64"},
      {"--config " + dir + "/typo.yaml",
       "typo.yaml: train.beta.schedule: expected one of constant|linear|cyclical, got \"cyclic\""},
      {"--config " + config + " --set train.epoch=3", "train.epoch: unknown key"},
      {"--resume " + dir + "/nothing", "not a run directory"},
      {"--config " + config + " --bogus", "The following argument was not expected: --bogus (see --help)"},
      {"--config " + config + " --benchmark x", "--benchmark"},
  };
  if (!torch::cuda::is_available()) cases.push_back({"--config " + config + " --device cuda", "CUDA requested"});
  for (const auto& c : cases) {
    std::string out;
    int rc = test::run_command(test::tool_path("h36m-train") + " " + c.args + " --output " + dir + "/out", &out);
    EXPECT_EQ(rc, 2) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
    EXPECT_EQ(out.find("training samples"), std::string::npos) << "data read before the check: " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line: " << out;
    EXPECT_EQ(out.rfind("h36m-train: error: ", 0), 0u) << out;
  }
  EXPECT_FALSE(fs::exists(dir + "/out/experiment_000")) << "a sweep run trained before its grid was checked";
}

// runtime.blas_core names a core: the tool executes itself once with
// OPENBLAS_CORETYPE, checks a GEMM and trains on those kernels. Prescott (SSE3)
// runs on every x86-64 CPU, so the test can ask for it anywhere.
TEST(TrainTool, ExecutesItselfOnceForTheRequestedBlasCoreAndKeepDisablesIt) {
  const auto loaded = core::loaded_blas_core();
  if (loaded.empty()) GTEST_SKIP() << "the BLAS is not OpenBLAS";
  if (core::blas_core_class(loaded) == 0) GTEST_SKIP() << "OpenBLAS already runs " << loaded;
  const auto env = core::read_blas_environment();
  if (env.coretype || env.l2_size) GTEST_SKIP() << "OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE set here";
  auto dir = test::temp_dir("train_blas_core");
  auto config = prepare_run(dir, 1);
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  const std::string run = test::tool_path("h36m-train") + " --config " + config + " --max-steps 2 --output " + dir;
  std::string out;
  ASSERT_EQ(test::run_command("env -u HPE3D_BLAS_CORE " + run + "/a --set runtime.blas_core=Prescott", &out), 0)
      << out;
  EXPECT_EQ(count(out, "executing again with OPENBLAS_CORETYPE=Prescott"), 1u) << out;
  EXPECT_EQ(count(out, "switched to OpenBLAS Prescott kernels"), 1u) << out;
  EXPECT_EQ(count(out, "[core] BLAS: OpenBLAS Prescott kernels"), 1u) << out;
  ASSERT_EQ(test::run_command("env -u HPE3D_BLAS_CORE " + run + "/b --set runtime.blas_core=keep", &out), 0) << out;
  EXPECT_EQ(count(out, "executing again"), 0u) << out;
  EXPECT_EQ(count(out, "[core] BLAS: OpenBLAS " + loaded + " kernels"), 1u) << out;
  // The environment variable overrides the key.
  ASSERT_EQ(test::run_command("HPE3D_BLAS_CORE=keep " + run + "/c --set runtime.blas_core=Prescott", &out), 0) << out;
  EXPECT_EQ(count(out, "executing again"), 0u) << out;
}

}  // namespace
}  // namespace hpe3d
