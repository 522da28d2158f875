#include "hpe3d/core/device.h"

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

}  // namespace hpe3d::core
