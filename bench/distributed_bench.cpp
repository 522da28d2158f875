// Data-parallel step cost on loopback Gloo: per-step compute (forward +
// backward) and gradient all-reduce (train::DataParallel, the trainer's hook)
// for the pose VAE and the ResNet-18 RGB pair, at 1 rank and at 2 ranks of half
// the global batch; the all-reduce bandwidth; the bucket size's effect.
//   build/bench/distributed_bench [STEPS]
// It starts its 2 ranks itself (RANK/WORLD_SIZE/MASTER_* on 127.0.0.1) and
// gives each rank 1 thread (the machine's cores / 2 when it has more).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/process_group.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/train/data_parallel.h"

namespace {

using namespace hpe3d;
using Clock = std::chrono::steady_clock;
using models::Modality;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Case {
  const char* name;
  core::ModelConfig model;
  Modality from;
  int global_batch;
};

std::vector<Case> cases() {
  core::ModelConfig pose;  // Martinez size: hidden 1024, 2 blocks (the defaults)
  pose.encoders = {"pose2d"};
  pose.decoders = {"pose3d"};
  core::ModelConfig rgb;
  rgb.encoders = {"rgb"};
  rgb.decoders = {"pose3d"};
  rgb.image_size = 64;
  rgb.rgb_encoder.pretrained = "";
  return {{"pose VAE pose2d->pose3d", pose, Modality::kPose2d, 256},
          {"ResNet-18 rgb->pose3d 64 px", rgb, Modality::kRgb, 16}};
}

torch::Tensor input(const Case& c, int64_t batch) {
  if (c.from == Modality::kRgb) return torch::randn({batch, 3, c.model.image_size, c.model.image_size});
  return torch::randn({batch, 34});
}

// Median-free but warm: mean over `steps` after 2 warm-up steps.
struct Timing {
  double compute_ms = 0, reduce_ms = 0;
  double bytes = 0;  // gradient bytes per step
};

Timing run(const Case& c, int steps, train::DataParallel* dp) {
  torch::manual_seed(0);
  auto model = models::make_model(c.model, false);
  if (dp) dp->broadcast_module(*model);
  model->train();
  auto params = model->vae_parameters();
  torch::optim::SGD opt(params, torch::optim::SGDOptions(1e-3));
  const int world = dp ? dp->world() : 1;
  auto x = input(c, c.global_batch / world);
  auto target = torch::randn({c.global_batch / world, 48});
  Timing t;
  for (auto p : params) t.bytes += static_cast<double>(p.numel() * p.element_size());
  for (int s = -2; s < steps; ++s) {
    opt.zero_grad();
    auto t0 = Clock::now();
    auto loss = torch::mse_loss(model->decode(Modality::kPose3d, model->encode(c.from, x).mu), target);
    loss.backward();
    const double compute = ms_since(t0);
    t0 = Clock::now();
    if (dp) dp->average_gradients(params);
    const double reduce = ms_since(t0);
    opt.step();
    if (s >= 0) t.compute_ms += compute / steps, t.reduce_ms += reduce / steps;
  }
  return t;
}

// The all-reduce alone, with buckets of `mb`.
double reduce_ms(const Case& c, std::shared_ptr<core::ProcessGroup> group, double mb, int steps) {
  train::DataParallel dp(group, {mb, torch::kCPU});
  torch::manual_seed(0);
  auto model = models::make_model(c.model, false);
  auto params = model->vae_parameters();
  double total = 0;
  for (int s = -2; s < steps; ++s) {
    for (auto p : params) p.mutable_grad() = torch::ones_like(p);
    const auto t0 = Clock::now();
    dp.average_gradients(params);
    if (s >= 0) total += ms_since(t0);
  }
  return total / steps;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int threads_per_rank() { return std::max(1, core::cpu_cores() / 2); }

}  // namespace

int main(int argc, char** argv) {
  core::init_process();
  const int steps = argc > 1 ? std::atoi(argv[1]) : 10;
  const auto env = core::detect_distributed_env();
  if (!env.distributed()) {
    core::set_threads(threads_per_rank(), 1);
    std::printf("distributed_bench: %d steps per figure, %d thread(s) per rank, loopback Gloo\n\n", steps,
                threads_per_rank());
    std::printf("| model | ranks x batch | compute ms/step | all-reduce ms/step | gradient MB | all-reduce GB/s (bus) |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const auto& c : cases()) {
      auto t = run(c, steps, nullptr);
      std::printf("| %s | 1 x %d | %.1f | – | %.1f | – |\n", c.name, c.global_batch, t.compute_ms, t.bytes / 1e6);
    }
    std::fflush(stdout);
    const std::string port = std::to_string(free_port());
    pid_t pids[2];
    for (int r = 0; r < 2; ++r) {
      pids[r] = fork();
      if (pids[r] == 0) {
        setenv("RANK", std::to_string(r).c_str(), 1);
        setenv("WORLD_SIZE", "2", 1);
        setenv("MASTER_ADDR", "127.0.0.1", 1);
        setenv("MASTER_PORT", port.c_str(), 1);
        execv("/proc/self/exe", argv);
        _exit(127);
      }
    }
    int rc = 0;
    for (pid_t p : pids) {
      int status = 0;
      waitpid(p, &status, 0);
      rc |= !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return rc;
  }
  core::set_threads(threads_per_rank(), 1);
  auto group = std::make_shared<core::ProcessGroup>(core::ProcessGroupOptions{env, "gloo", 300.0, torch::kCPU});
  train::DataParallel dp(group, {25.0, torch::kCPU});
  std::vector<std::string> lines;
  for (const auto& c : cases()) {
    auto t = run(c, steps, &dp);
    // Ring all-reduce moves 2 (N-1)/N of the bytes through each rank's link.
    const double bus = 2.0 * (env.world - 1) / env.world * t.bytes / (t.reduce_ms * 1e-3) / 1e9;
    char line[512];
    std::snprintf(line, sizeof(line), "| %s | %d x %d | %.1f | %.1f | %.1f | %.2f |", c.name, env.world,
                  c.global_batch / env.world, t.compute_ms, t.reduce_ms, t.bytes / 1e6, bus);
    lines.push_back(line);
  }
  std::vector<std::string> buckets;
  const auto pose = cases()[0];
  for (double mb : {1.0, 5.0, 25.0, 100.0}) {
    char line[256];
    std::snprintf(line, sizeof(line), "| %g MB | %.1f |", mb, reduce_ms(pose, group, mb, steps));
    buckets.push_back(line);
  }
  if (env.rank == 0) {
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    std::printf("\nbucket size, all-reduce of the pose VAE's gradients, 2 ranks:\n\n| bucket | ms |\n|---|---|\n");
    for (const auto& l : buckets) std::printf("%s\n", l.c_str());
  }
  return 0;
}
