#include "hpe3d/core/process_group.h"
#include "hpe3d/core/process_group_backend.h"

#include <chrono>
#include <map>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::core {
namespace {

using Backend = C10dBackend;

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HPE3D_TCPSTORE_LIBUV 1  // TCPStoreOptions::useLibUV, true by default since 2.4
#endif

// The store's libuv server (2.4+ defaults to it) only when USE_LIBUV=1: a
// LibTorch built without libuv (Debian's) refuses the rendezvous with it, and
// this LibTorch does not export whether it has it. Clients speak the same
// protocol either way, so a torchrun agent's libuv store is still reachable.
bool store_uses_libuv() {
  const char* v = std::getenv("USE_LIBUV");
  return v != nullptr && std::string(v) == "1";
}

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

c10::intrusive_ptr<Backend> make_gloo(const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
                                      std::chrono::milliseconds timeout) {
  auto o = c10d::ProcessGroupGloo::Options::create(timeout);
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
    o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (loopback(env.master_addr))
    o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  o->threads = 2 * static_cast<int>(o->devices.size());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world, o);
}

c10::intrusive_ptr<Backend> make_nccl(const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
                                      std::chrono::milliseconds timeout) {
#ifdef USE_C10D_NCCL
  // Blocking wait: a collective's wait() throws when a peer is gone after
  // the timeout, instead of the watchdog aborting the process (2.x) or the
  // wait hanging (1.13). Read by ProcessGroupNCCL's constructor; a user's own
  // setting wins.
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
  setenv("NCCL_BLOCKING_WAIT", "1", 0);  // the name before 2.2
  auto o = c10d::ProcessGroupNCCL::Options::create();
  o->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world, o);
#else
  (void)store, (void)env, (void)timeout;
  fail("runtime.distributed.backend", "nccl: this LibTorch was built without NCCL (use gloo)");
#endif
}

}  // namespace

struct ProcessGroup::Impl {
  DistributedEnv env;
  std::string backend;
  torch::Device device{torch::kCPU};  // collective_device(backend, the rank's device)
  double timeout_s = 0.0;
  c10::intrusive_ptr<Backend> pg;

  ~Impl() {
#if defined(USE_C10D_NCCL) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
    // Frees the communicators before CUDA is torn down (2.4+ warns otherwise).
    if (auto* nccl = dynamic_cast<c10d::ProcessGroupNCCL*>(pg.get())) {
      try {
        nccl->shutdown();
      } catch (const std::exception& e) {
        logger("distributed")->warn("NCCL shutdown: {}", e.what());
      }
    }
#endif
  }

  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) const {
    try {
      work->wait();
    } catch (const std::exception& e) {
      const c10::Error* ce = dynamic_cast<const c10::Error*>(&e);
      throw std::runtime_error(fmt::format(
          "distributed {} failed on rank {} of {} (another rank exited, or did not answer within "
          "runtime.distributed.timeout = {:g} s): {}",
          what, env.rank, env.world, timeout_s, ce != nullptr ? ce->what_without_backtrace() : e.what()));
    }
  }

  // `t` on the backend's device (no copy when it is there already).
  torch::Tensor on_backend(const torch::Tensor& t) const { return t.device() == device ? t : t.to(device); }
};

torch::Device collective_device(const std::string& backend, torch::Device device) {
  return backend == "nccl" ? device : torch::Device(torch::kCPU);
}

ProcessGroup::ProcessGroup(const ProcessGroupOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.env = options.env;
  m.timeout_s = options.timeout_s;
  m.backend = options.backend == "auto" ? (options.device.is_cuda() ? "nccl" : "gloo") : options.backend;
  if (m.backend == "nccl" && !options.device.is_cuda())
    fail("runtime.distributed.backend", "nccl needs a CUDA device (runtime.device); use gloo on the CPU");
  m.device = collective_device(m.backend, options.device);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000.0));
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(m.env.master_port);
  so.numWorkers = static_cast<size_t>(m.env.world);
  so.timeout = timeout;
  so.multiTenant = true;
#ifdef HPE3D_TCPSTORE_LIBUV
  so.useLibUV = store_uses_libuv();
#endif
  // Under torchrun the elastic agent serves the store already.
  so.isServer = m.env.rank == 0 && !m.env.agent_store;
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(m.env.master_addr, so);
  // A restarted group must not read the addresses its previous attempt left there.
  if (m.env.agent_store)
    store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(m.env.restart_count), store);
  store = c10::make_intrusive<c10d::PrefixStore>("default_pg", store);
  m.pg = m.backend == "nccl" ? make_nccl(store, m.env, timeout) : make_gloo(store, m.env, timeout);
  logger("distributed")
      ->info("rank {} of {} (local rank {}, {}): {} process group via {}:{}{}", m.env.rank, m.env.world,
             m.env.local_rank, m.env.launcher, m.backend, m.env.master_addr, m.env.master_port,
             m.env.restart_count > 0 ? fmt::format(", restart {}", m.env.restart_count) : "");
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<ProcessGroup> make_process_group(c10::intrusive_ptr<C10dBackend> backend, const DistributedEnv& env,
                                                 const std::string& name, torch::Device device, double timeout_s) {
  auto impl = std::make_unique<ProcessGroup::Impl>();
  impl->env = env;
  impl->backend = name;
  impl->device = collective_device(name, device);
  impl->timeout_s = timeout_s;
  impl->pg = std::move(backend);
  return std::make_shared<ProcessGroup>(std::move(impl));
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const { return impl_->env.rank; }
int ProcessGroup::world() const { return impl_->env.world; }
const std::string& ProcessGroup::backend() const { return impl_->backend; }
torch::Device ProcessGroup::device() const { return impl_->device; }

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  // A c10d collective takes one tensor per device: the list goes as one flat
  // buffer per dtype, copied back in place.
  c10d::BroadcastOptions o;
  o.rootRank = root;
  std::map<c10::ScalarType, std::vector<size_t>> by_type;
  for (size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
  torch::NoGradGuard no_grad;
  for (const auto& [type, indices] : by_type) {
    std::vector<torch::Tensor> flat;
    for (size_t i : indices) flat.push_back(tensors[i].reshape({-1}));
    std::vector<torch::Tensor> buffer{impl_->on_backend(torch::cat(flat))};
    impl_->wait(impl_->pg->broadcast(buffer, o), "broadcast");
    int64_t offset = 0;
    for (size_t i : indices) {
      tensors[i].copy_(buffer[0].narrow(0, offset, tensors[i].numel()).view_as(tensors[i]));
      offset += tensors[i].numel();
    }
  }
}

namespace {

void all_reduce(ProcessGroup::Impl& m, torch::Tensor& tensor, c10d::ReduceOp op) {
  std::vector<torch::Tensor> t{m.on_backend(tensor)};
  m.wait(m.pg->allreduce(t, {op}), "all-reduce");
  if (!t[0].is_same(tensor)) tensor.copy_(t[0]);
}

}  // namespace

void ProcessGroup::all_reduce_sum(torch::Tensor& tensor) { all_reduce(*impl_, tensor, c10d::ReduceOp::SUM); }

void ProcessGroup::all_reduce_max(torch::Tensor& tensor) { all_reduce(*impl_, tensor, c10d::ReduceOp::MAX); }

std::vector<torch::Tensor> ProcessGroup::all_gather(const torch::Tensor& tensor) {
  std::vector<torch::Tensor> in{impl_->on_backend(tensor.contiguous())};
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < world(); ++r) out[0].push_back(torch::empty_like(in[0]));
  impl_->wait(impl_->pg->allgather(out, in), "all-gather");
  for (auto& t : out[0]) t = t.to(tensor.device());
  return out[0];
}

void ProcessGroup::barrier() { impl_->wait(impl_->pg->barrier(), "barrier"); }

namespace {

struct LaunchGroup {
  std::mutex mutex;
  std::shared_ptr<ProcessGroup> group;
  bool detected = false;
};

LaunchGroup& launch_group() {
  static LaunchGroup g;
  return g;
}

}  // namespace

void close_launch_process_group() {
  auto& g = launch_group();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.group.reset();
}

std::shared_ptr<ProcessGroup> launch_process_group(const DistributedConfig& config, torch::Device device) {
  auto& g = launch_group();
  std::lock_guard<std::mutex> lock(g.mutex);
  auto& group = g.group;
  auto& detected = g.detected;
  if (!detected) {
    const auto env = detect_distributed_env();
    if (env.distributed()) set_log_rank(env.rank, env.world);
    if (env.distributed()) group = std::make_shared<ProcessGroup>(ProcessGroupOptions{env, config.backend, config.timeout, device});
    detected = true;
  }
  return group;
}

}  // namespace hpe3d::core
