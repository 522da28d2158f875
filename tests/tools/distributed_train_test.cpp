// Data-parallel h36m-train as a job of processes on 127.0.0.1 (c10d Gloo):
// 2 ranks x half the batch against one process, a rank killed mid-epoch,
// torchrun's elastic restart, sharded sweeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/train/sweep.h"
#include "test_util.h"

namespace hpe3d {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A port no one listens on now (the kernel's choice for port 0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

// Starts `argv` with `env` added, stdout and stderr to `log`.
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& log) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  if (!freopen(log.c_str(), "w", stderr) || dup2(fileno(stderr), STDOUT_FILENO) < 0) _exit(126);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Exit code (128 + signal if killed); -1 if still running after `timeout`.
int wait_for(pid_t pid, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// h36m-train with `args` as ranks 0..world-1 of one job; their exit codes.
// Logs in <out>.rank<r>.log.
std::vector<int> run_ranks(int world, const std::vector<std::string>& args, const std::string& out,
                           double timeout_s = 300) {
  const std::string port = std::to_string(free_port());
  std::vector<pid_t> pids;
  for (int r = 0; r < world; ++r) {
    std::vector<std::string> argv{test::tool_path("h36m-train")};
    argv.insert(argv.end(), args.begin(), args.end());
    pids.push_back(spawn(argv,
                         {{"RANK", std::to_string(r)}, {"WORLD_SIZE", std::to_string(world)},
                          {"LOCAL_RANK", std::to_string(r)}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", port}},
                         out + ".rank" + std::to_string(r) + ".log"));
  }
  std::vector<int> codes;
  for (pid_t p : pids) codes.push_back(wait_for(p, timeout_s));
  return codes;
}

double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    d = std::max(d, (a[i].to(torch::kFloat64) - b[i].to(torch::kFloat64)).abs().max().item<double>());
  return d;
}

class DistributedTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("distributed_train");
    file_ = dir_ + "/s.h5";
    test::write_synthetic(file_, 200);
  }
  // SGD, no dropout, the latent mean decoded, flips on: one process and two
  // ranks compute the same mean gradient of the same samples.
  core::ExperimentConfig sgd_config() const {
    auto c = test::small_lifting(file_, 2);
    c.train.optimizer.kind = "sgd";
    c.train.optimizer.lr = 0.05;
    c.train.optimizer.momentum = 0.9;
    c.train.sample_latent = false;
    c.model.pose.dropout = 0.0;
    c.data.flip = true;
    c.train.log_every = 3;
    c.train.keep_last = 1000;  // epoch_NNNN.pt stay for the tests to wait on
    c.runtime.distributed.sync_bn = true;  // the pose networks' BatchNorm sees the global batch
    return c;
  }
  std::string write(const core::ExperimentConfig& c, const std::string& name) const {
    const std::string path = dir_ + "/" + name + ".yaml";
    std::ofstream(path) << core::to_yaml(c);
    return path;
  }
  // One process with the global batch, then 2 ranks with half each: the saved
  // models agree to 1e-5 (both ranks finished: their replicas were checked
  // bit-identical at every checkpoint, core of DataParallel::check_replicas).
  void expect_two_ranks_match_one(const core::ExperimentConfig& c, const std::string& name) {
    const auto config = write(c, name);
    std::string out;
    ASSERT_EQ(test::run_command(test::tool_path("h36m-train") + " --config " + config + " --output " + dir_ + "/" +
                                    name + "_one",
                                &out),
              0)
        << out;
    const auto codes = run_ranks(2, {"--config", config, "--output", dir_ + "/" + name + "_two"}, dir_ + "/" + name);
    for (int r = 0; r < 2; ++r)
      ASSERT_EQ(codes[r], 0) << slurp(dir_ + "/" + name + ".rank" + std::to_string(r) + ".log");
    const auto rank1 = slurp(dir_ + "/" + name + ".rank1.log");
    EXPECT_NE(rank1.find("[rank 1]"), std::string::npos) << rank1;
    EXPECT_NE(rank1.find("2 ranks x batch 32 = global batch 64"), std::string::npos) << rank1;
    // Only rank 0 writes.
    EXPECT_TRUE(fs::exists(dir_ + "/" + name + "_two/checkpoints/best.pt"));
    const auto one = test::saved_parameters(dir_ + "/" + name + "_one/checkpoints/last.pt", c);
    const auto two = test::saved_parameters(dir_ + "/" + name + "_two/checkpoints/last.pt", c);
    const double d = max_difference(one, two);
    EXPECT_LE(d, 1e-5) << name;
    EXPECT_GT(max_difference(one, test::saved_parameters(dir_ + "/" + name + "_one/checkpoints/epoch_0001.pt", c)), 1e-3)
        << "the second epoch changed nothing: the comparison would be empty";
    core::CheckpointReader a(dir_ + "/" + name + "_one/checkpoints/last.pt");
    core::CheckpointReader b(dir_ + "/" + name + "_two/checkpoints/last.pt");
    EXPECT_EQ(a.get_int("step"), b.get_int("step"));  // steps_per_epoch from the global batch
  }

  std::string dir_, file_;
};

TEST_F(DistributedTrain, PoseVaeTwoRanksOfHalfTheBatchEqualOneProcess) {
  expect_two_ranks_match_one(sgd_config(), "vae");
}

TEST_F(DistributedTrain, RegressionTwoRanksOfHalfTheBatchEqualOneProcess) {
  auto c = sgd_config();
  c.train.objective = "regression";
  expect_two_ranks_match_one(c, "regression");
}

// VAE-GAN: critic (Adam) and generator (SGD) updates both go through the
// gradient hook and the ranks stay bit-identical. Not compared with one
// process: the generator's prior samples z ~ N(0, I) come from each rank's own
// stream (train/vae_gan.cpp), so the two runs see different samples.
TEST_F(DistributedTrain, VaeGanStepsKeepTheRanksIdentical) {
  auto c = sgd_config();
  test::add_pose_critic(c.model, 1);
  c.train.epochs = 1;
  const auto codes =
      run_ranks(2, {"--config", write(c, "gan"), "--max-steps", "3", "--output", dir_ + "/gan_two"}, dir_ + "/gan");
  for (int r = 0; r < 2; ++r) ASSERT_EQ(codes[r], 0) << slurp(dir_ + "/gan.rank" + std::to_string(r) + ".log");
  const auto log = slurp(dir_ + "/gan.rank1.log");
  EXPECT_NE(log.find("parameters and buffers identical on all 2 ranks after step 3"), std::string::npos) << log;
  core::CheckpointReader r(dir_ + "/gan_two/checkpoints/last.pt");
  EXPECT_EQ(r.get_int("step"), 3);
  EXPECT_TRUE(r.has("critic_optimizer"));
}

TEST_F(DistributedTrain, GlobalBatchThatDoesNotSplitIsOneLineError) {
  auto c = sgd_config();
  c.train.batch_size = 63;
  const auto codes = run_ranks(2, {"--config", write(c, "odd"), "--output", dir_ + "/odd"}, dir_ + "/odd", 120);
  EXPECT_EQ(codes[0], 2);
  EXPECT_NE(slurp(dir_ + "/odd.rank0.log").find("train.batch_size: 63 is the global batch"), std::string::npos)
      << slurp(dir_ + "/odd.rank0.log");
}

TEST_F(DistributedTrain, KilledRankMakesTheOtherExitWithinTheTimeoutLastPtIntact) {
  auto c = sgd_config();
  c.train.epochs = 100000;
  c.runtime.distributed.timeout = 30;
  const auto config = write(c, "kill");
  const std::string port = std::to_string(free_port()), out = dir_ + "/kill_run";
  std::vector<pid_t> pids;
  for (int r = 0; r < 2; ++r)
    pids.push_back(spawn({test::tool_path("h36m-train"), "--config", config, "--output", out},
                         {{"RANK", std::to_string(r)}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                          {"MASTER_PORT", port}},
                         dir_ + "/kill.rank" + std::to_string(r) + ".log"));
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!fs::exists(out + "/checkpoints/epoch_0002.pt") && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(out + "/checkpoints/epoch_0002.pt")) << slurp(dir_ + "/kill.rank0.log");
  kill(pids[1], SIGKILL);
  const auto killed = Clock::now();
  const int code = wait_for(pids[0], 60);
  const double seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  wait_for(pids[1], 5);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "rank 0 still ran 60 s after rank 1 died";
  EXPECT_LT(seconds, 30.0 + 5.0);
  const auto log = slurp(dir_ + "/kill.rank0.log");
  EXPECT_NE(log.find("distributed"), std::string::npos) << log;
  core::CheckpointReader r(out + "/checkpoints/last.pt");  // loads: intact
  EXPECT_GE(r.get_int("epoch"), 2);
  EXPECT_FALSE(fs::exists(out + "/checkpoints/last.pt.tmp"));
}

// torchrun --max_restarts=1 with one worker killed once: the group restarts,
// resumes from last.pt and ends where an uninterrupted 2-rank run ends.
TEST_F(DistributedTrain, TorchrunRestartResumesAndEqualsAnUninterruptedRun) {
  const std::string torchrun = "/usr/bin/torchrun";
  if (!fs::exists(torchrun)) GTEST_SKIP() << "torchrun is not installed (python3-torch): restart test skipped";
  auto c = sgd_config();
  c.train.optimizer.kind = "adam";
  c.train.optimizer.lr = 1e-3;
  c.train.sample_latent = true;  // per-rank generators, restored from last.pt
  c.model.pose.dropout = 0.2;
  c.train.epochs = 4;
  const auto config = write(c, "elastic");
  const auto codes = run_ranks(2, {"--config", config, "--output", dir_ + "/elastic_plain"}, dir_ + "/elastic");
  for (int r = 0; r < 2; ++r) ASSERT_EQ(codes[r], 0) << slurp(dir_ + "/elastic.rank" + std::to_string(r) + ".log");

  const std::string out = dir_ + "/elastic_run";
  // torchrun's own main(), with its store made without libuv (Debian's LibTorch 2.x has none, and torchrun's
  // static rendezvous ignores USE_LIBUV): tests/tools/torchrun_without_libuv.py.
  const pid_t agent = spawn({test::python(), std::string(HPE3D_SOURCE_DIR) + "/tests/tools/torchrun_without_libuv.py",
                             "--no_python", "-r", "1", "-t", "1", "--nproc_per_node=2", "--max_restarts=1",
                             "--master_addr=127.0.0.1", "--master_port=" + std::to_string(free_port()),
                             test::tool_path("h36m-train"), "--config", config, "--output", out},
                            {{"OMP_NUM_THREADS", "1"}, {"USE_LIBUV", "0"}}, dir_ + "/torchrun.log");
  // Kill one worker (a child of the agent running h36m-train) after epoch 2.
  const auto deadline = Clock::now() + std::chrono::seconds(180);
  while (!fs::exists(out + "/checkpoints/epoch_0002.pt") && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(out + "/checkpoints/epoch_0002.pt")) << slurp(dir_ + "/torchrun.log");
  pid_t victim = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(e.path().string() + "/cmdline"), stat = slurp(e.path().string() + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent == agent && cmdline.find("h36m-train") != std::string::npos) victim = std::stoi(name);
  }
  ASSERT_GT(victim, 0) << "no worker of torchrun found";
  kill(victim, SIGKILL);
  const int code = wait_for(agent, 300);
  const auto log = slurp(dir_ + "/torchrun.log");
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("restart 1"), std::string::npos) << log;
  EXPECT_NE(log.find("resumed"), std::string::npos) << log;
  EXPECT_EQ(max_difference(test::saved_parameters(out + "/checkpoints/last.pt", c),
                           test::saved_parameters(dir_ + "/elastic_plain/checkpoints/last.pt", c)),
            0.0);
}

// A 2x2 sweep in two shards (as a Slurm array runs it): every grid point once;
// the merged summary has the 4 rows in grid order.
TEST_F(DistributedTrain, SweepShardsCoverTheGridOnceAndMerge) {
  auto c = test::small_lifting(file_, 1);
  const std::string config = dir_ + "/sweep.yaml", root = dir_ + "/sweep";
  std::ofstream(config) << core::to_yaml(c)
                        << "sweep:\n  train.beta.max: [0.0001, 0.01]\n  model.latent_dim: [4, 8]\n";
  EXPECT_EQ(train::run_sweep({config, {}, root, 0, 2}).runs, 2);
  EXPECT_THROW(train::merge_sweep_summaries(root), core::InputError);  // shard 1 missing
  setenv("SLURM_ARRAY_TASK_ID", "1", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
  const auto [shard, shards] = train::sweep_shard("");
  unsetenv("SLURM_ARRAY_TASK_ID");
  unsetenv("SLURM_ARRAY_TASK_COUNT");
  EXPECT_EQ(shard, 1);
  EXPECT_EQ(shards, 2);
  EXPECT_EQ(train::run_sweep({config, {}, root, shard, shards}).runs, 2);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(fs::exists(root + "/experiment_00" + std::to_string(i) + "/checkpoints/last.pt"));
  std::string out;
  ASSERT_EQ(test::run_command(test::tool_path("h36m-train") + " --sweep-summary " + root, &out), 0) << out;
  const auto lines = test::read_lines(root + "/sweep_summary.csv");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "run,train.beta.max,model.latent_dim,best_val_mpjpe_mm,best_epoch,seconds");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(lines[i + 1].rfind("experiment_00" + std::to_string(i) + ",", 0), 0u) << lines[i + 1];
  EXPECT_EQ(lines[2].rfind("experiment_001,0.0001,8,", 0), 0u) << lines[2];
  EXPECT_THROW(train::sweep_shard("2/2"), core::InputError);
  EXPECT_THROW(train::sweep_shard("1"), core::InputError);
}

}  // namespace
}  // namespace hpe3d
