// The collectives reach the backend on its own device, whatever device the
// caller's tensors are on (NCCL takes CUDA tensors only), and their results
// come back to the caller's tensors. A stub backend of one rank checks every
// tensor it is handed; HPE3D_TEST_DEVICE=cuda makes it an "nccl" backend on
// the GPU, where the data-parallel code's CPU flags must be moved to it.
#include "hpe3d/core/process_group_backend.h"

#include <gtest/gtest.h>

#include "hpe3d/core/device.h"
#include "hpe3d/train/data_parallel.h"

namespace hpe3d::train {
namespace {

using core::C10dBackend;
using core::collective_device;
using core::DistributedEnv;
using core::make_process_group;
using core::ProcessGroup;
using core::test_device;

class Done : public c10d::Work {
 public:
  Done() { finish(); }
};

// One rank: broadcast and all-reduce leave the tensors as they are, all-gather copies.
class DeviceCheckingBackend : public C10dBackend {
 public:
  explicit DeviceCheckingBackend(torch::Device device) : C10dBackend(0, 1), device_(device) {}
  const std::string getBackendName() const override { return "device-checking stub"; }

  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& tensors,
                                           const c10d::BroadcastOptions& = c10d::BroadcastOptions()) override {
    check(tensors, "broadcast");
    return c10::make_intrusive<Done>();
  }
  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& tensors,
                                           const c10d::AllreduceOptions& = c10d::AllreduceOptions()) override {
    check(tensors, "allreduce");
    return c10::make_intrusive<Done>();
  }
  c10::intrusive_ptr<c10d::Work> allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in,
                                           const c10d::AllgatherOptions& = c10d::AllgatherOptions()) override {
    check(in, "allgather input");
    check(out.at(0), "allgather output");
    out[0].at(0).copy_(in.at(0));
    return c10::make_intrusive<Done>();
  }
  c10::intrusive_ptr<c10d::Work> barrier(const c10d::BarrierOptions& = c10d::BarrierOptions()) override {
    ++calls;
    return c10::make_intrusive<Done>();
  }

  int calls = 0;
  std::vector<std::string> wrong;  // "allreduce: cpu", ...

 private:
  void check(const std::vector<at::Tensor>& tensors, const char* what) {
    ++calls;
    for (const auto& t : tensors)
      if (t.device() != device_) wrong.push_back(std::string(what) + ": " + t.device().str());
  }
  torch::Device device_;
};

struct Stub {
  c10::intrusive_ptr<DeviceCheckingBackend> backend;
  std::shared_ptr<ProcessGroup> group;
};

// The backend a run on `device` gets: nccl on a GPU, gloo on the CPU.
Stub stub_for(torch::Device device) {
  const std::string name = device.is_cuda() ? "nccl" : "gloo";
  auto backend = c10::make_intrusive<DeviceCheckingBackend>(collective_device(name, device));
  DistributedEnv env;
  env.world = 1;
  return {backend, make_process_group(backend, env, name, device, 10.0)};
}

TEST(ProcessGroupDevice, NcclTakesTheRanksGpuAndGlooTheCpu) {
  EXPECT_EQ(collective_device("nccl", torch::Device(torch::kCUDA, 1)), torch::Device(torch::kCUDA, 1));
  EXPECT_EQ(collective_device("gloo", torch::Device(torch::kCUDA, 1)), torch::Device(torch::kCPU));
  EXPECT_EQ(collective_device("gloo", torch::Device(torch::kCPU)), torch::Device(torch::kCPU));
}

TEST(ProcessGroupDevice, CollectivesOfCpuTensorsReachTheBackendOnItsDevice) {
  const auto device = test_device();
  auto s = stub_for(device);
  auto flag = torch::full({1}, 1.0f);  // CPU, as the stop flag
  s.group->all_reduce_max(flag);
  s.group->all_reduce_sum(flag);
  EXPECT_EQ(flag.device(), torch::Device(torch::kCPU));
  EXPECT_FLOAT_EQ(flag.item<float>(), 1.0f);
  std::vector<torch::Tensor> values{torch::arange(3.0), torch::ones({2}, torch::kInt64)};
  s.group->broadcast(values);
  EXPECT_TRUE(torch::equal(values[0], torch::arange(3.0)));
  auto gathered = s.group->all_gather(torch::tensor({7, 8}, torch::kInt64));
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_EQ(gathered[0].device(), torch::Device(torch::kCPU));  // where the caller's tensor was
  EXPECT_TRUE(torch::equal(gathered[0], torch::tensor({7, 8}, torch::kInt64)));
  s.group->barrier();
  EXPECT_EQ(s.backend->calls, 7);
  EXPECT_TRUE(s.backend->wrong.empty()) << s.backend->wrong.front();
}

// Every collective of the data-parallel trainer's seams: the step's stop
// flag, the validation metric, the gradient header and buckets, the replica
// check and the generator gather.
TEST(ProcessGroupDevice, DataParallelSeamsHandTheBackendItsDevice) {
  const auto device = test_device();
  auto s = stub_for(device);
  DataParallel dp(s.group, {25.0, device});
  torch::manual_seed(1);
  torch::nn::Linear net(4, 3);
  net->to(device);
  dp.broadcast_module(*net);
  EXPECT_FALSE(dp.any(false));
  EXPECT_TRUE(dp.any(true));
  EXPECT_DOUBLE_EQ(dp.from_rank0(41.5), 41.5);
  net->forward(torch::randn({5, 4}, device)).sum().backward();
  const auto before = net->weight.grad().clone();
  dp.average_gradients(net->parameters());
  EXPECT_TRUE(torch::equal(net->weight.grad(), before));  // one rank: the average is the gradient
  dp.check_replicas(*net, "in the test");
  core::CheckpointWriter w;
  dp.save_generators(&w);
  EXPECT_GT(s.backend->calls, 8);
  EXPECT_TRUE(s.backend->wrong.empty()) << s.backend->wrong.front();
}

}  // namespace
}  // namespace hpe3d::train
