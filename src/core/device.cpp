#include "hpe3d/core/device.h"

#include <cstdlib>

#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "hpe3d/core/error.h"

namespace hpe3d::core {

torch::Device select_device(const std::string& request, const std::string& what) {
  if (request == "cpu") return torch::kCPU;
  if (request == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  if (request == "cuda") {
    if (!torch::cuda::is_available())
      fail(what, "CUDA requested, but this LibTorch build has no CUDA or no GPU is visible");
    return torch::kCUDA;
  }
  fail(what, "expected one of auto|cpu|cuda, got \"" + request + "\"");
}

torch::Device rank_cuda_device(int local_rank, int visible) {
  if (visible < 1) fail("runtime.device", "cuda: no GPU is visible to this rank (CUDA_VISIBLE_DEVICES?)");
  if (visible == 1) return {torch::kCUDA, 0};
  if (local_rank >= visible)
    fail("runtime.device", "cuda: local rank " + std::to_string(local_rank) + " but this machine shows " +
                               std::to_string(visible) + " GPUs: start at most " + std::to_string(visible) +
                               " processes per machine, or give each rank one GPU");
  return {torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank)};
}

void make_current(torch::Device device) {
  if (!device.is_cuda() || !device.has_index()) return;
  // The device guard of the CUDA build (registered by libtorch_cuda): no CUDA headers needed here.
  c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->setDevice(device);
}

torch::Device test_device() {
  const char* v = std::getenv("HPE3D_TEST_DEVICE");
  if (v == nullptr || *v == '\0') return torch::kCPU;
  return select_device(v, "HPE3D_TEST_DEVICE");
}

}  // namespace hpe3d::core
