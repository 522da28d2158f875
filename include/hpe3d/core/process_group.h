#pragma once
// A c10d process group (torch.distributed's engine) of a data-parallel job,
// set up as torch's own env:// rendezvous does: a TCPStore at
// MASTER_ADDR:MASTER_PORT (served by rank 0, or by torchrun's elastic agent,
// then under the /worker/attempt_<restart> prefix), the "default_pg" prefix,
// then ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA tensors, CUDA
// builds with NCCL only). The collectives below take tensors on any device:
// each goes to the backend's device (collective_device) and its result comes
// back to where the caller's tensor lives, so a CPU flag reaches NCCL as a
// CUDA tensor. They wait for their result and turn a dead or silent peer into
// one error line (after `timeout`; NCCL in blocking-wait mode).
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/experiment_config.h"

namespace hpe3d::core {

struct ProcessGroupOptions {
  DistributedEnv env;             // world > 1
  std::string backend = "auto";   // auto | gloo | nccl (runtime.distributed.backend)
  double timeout_s = 300.0;       // runtime.distributed.timeout
  torch::Device device{torch::kCPU};  // where the tensors live (auto: nccl for CUDA)
};

// Where `backend`'s collectives take their tensors: the rank's CUDA device
// for nccl, the CPU for gloo (whatever device the rank trains on).
torch::Device collective_device(const std::string& backend, torch::Device device);

class ProcessGroup {
 public:
  struct Impl;
  // Rendezvous: returns when all `env.world` processes have joined; throws
  // core::InputError naming runtime.distributed.backend for a backend this
  // LibTorch lacks, std::runtime_error when the store cannot be reached.
  explicit ProcessGroup(const ProcessGroupOptions& options);
  // A group over a backend made elsewhere (core/process_group_backend.h).
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  ~ProcessGroup();  // shuts an NCCL backend down
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int world() const;
  const std::string& backend() const;  // gloo | nccl
  torch::Device device() const;         // where the collectives run (collective_device)

  // In place; every rank passes tensors of the same shapes, in the same order.
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
  void all_reduce_sum(torch::Tensor& tensor);
  void all_reduce_max(torch::Tensor& tensor);
  // [world] tensors shaped like `tensor`, rank r's at index r.
  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor);
  void barrier();

 private:
  std::unique_ptr<Impl> impl_;
};

// The group of this process's launch (detect_distributed_env), created at the
// first call and kept for the process (a sweep's runs share it); nullptr when
// the launcher started one process. Tags the log lines with the rank (core/logging.h).
std::shared_ptr<ProcessGroup> launch_process_group(const DistributedConfig& config, torch::Device device);

// Drops the launch's group (its last owner frees it: NCCL's communicators are
// shut down while CUDA still runs). h36m-train calls it before it exits.
void close_launch_process_group();

}  // namespace hpe3d::core
