// SIGKILL soak: a short run killed at random points (>= 5 times, each kill
// followed by --resume, or a fresh start while no last.pt exists yet) ends
// with parameters bit-equal to those of the same run uninterrupted.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/checkpoint_schema.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "test_util.h"

namespace hpe3d {
namespace {

namespace fs = std::filesystem;

pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(log.c_str(), "a", stderr) || !freopen(log.c_str(), "a", stdout)) _exit(126);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Exit code, or -signal.
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::vector<torch::Tensor> parameters(const std::string& run_dir) {
  auto config = core::load_config<core::ExperimentConfig>(run_dir + "/config.yaml");
  auto model = models::make_model(config.model, false);
  core::CheckpointReader(run_dir + "/checkpoints/last.pt").load_module(core::checkpoint_schema::kModel, *model);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  return out;
}

TEST(KillSoak, RandomKillsResumeToBitEqualParameters) {
  const auto dir = test::temp_dir("kill_soak");
  test::write_synthetic(dir + "/s.h5", 1500);
  std::ofstream(dir + "/exp.yaml") << "name: soak\ndata: {file: " << dir
                                   << "/s.h5, train_subjects: [1], test_subjects: [9]}\n"
                                      "model: {pose: {hidden: 128, blocks: 2}}\n"
                                      "train: {epochs: 8, batch_size: 64, keep_last: 1}\n"
                                      "runtime: {device: cpu, threads: 1}\n";
  const std::string tool = test::tool_path("h36m-train");
  const std::string log = dir + "/log.txt";

  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn({tool, "--config", dir + "/exp.yaml", "--output", dir + "/reference"}, log)), 0)
      << log;
  const double run_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  // Kills at uniform random times within one uninterrupted run's length.
  std::mt19937 rng(20261203);
  std::uniform_real_distribution<double> when(0.05 * run_ms, 0.9 * run_ms);
  const std::string run = dir + "/killed";
  int kills = 0, finished = 0;
  for (int attempt = 0; attempt < 40 && (kills < 6 || finished == 0); ++attempt) {
    const bool resume = fs::exists(run + "/checkpoints/last.pt");
    auto args = resume ? std::vector<std::string>{tool, "--resume", run}
                       : std::vector<std::string>{tool, "--config", dir + "/exp.yaml", "--output", run};
    const pid_t pid = spawn(args, log);
    if (kills < 6) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(when(rng) * 1000)));
      kill(pid, SIGKILL);
    }
    const int rc = wait_for(pid);
    if (rc == -SIGKILL) {
      ++kills;
      continue;
    }
    ASSERT_EQ(rc, 0) << "attempt " << attempt << ", see " << log;
    finished = 1;
  }
  EXPECT_GE(kills, 5);
  ASSERT_EQ(finished, 1);
  auto a = parameters(dir + "/reference"), b = parameters(run);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
  core::CheckpointReader ra(dir + "/reference/checkpoints/last.pt"), rb(run + "/checkpoints/last.pt");
  EXPECT_EQ(ra.get_int("step"), rb.get_int("step"));
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints"))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

}  // namespace
}  // namespace hpe3d
