#include "hpe3d/core/cuda_settings.h"

#include <cstdlib>

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include "hpe3d/core/device.h"
#include "hpe3d/core/error.h"

namespace hpe3d::core {

void apply_cuda_settings(const CudaConfig& config) {
  auto& ctx = at::globalContext();
  ctx.setAllowTF32CuBLAS(config.tf32);
  ctx.setAllowTF32CuDNN(config.tf32);
  ctx.setBenchmarkCuDNN(config.cudnn_benchmark && !config.deterministic);
  ctx.setDeterministicCuDNN(config.deterministic);
  ctx.setDeterministicAlgorithms(config.deterministic, /*warn_only=*/false);
  // cuBLAS is deterministic only with a fixed workspace, chosen before it starts.
  if (config.deterministic) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
}

void require_bfloat16(torch::Device device, const std::string& key) {
  if (!device.is_cuda()) return;
  make_current(device);  // the hooks ask about the current device
  if (!at::detail::getCUDAHooks().supportsBFloat16ConvolutionWithCuDNNv8())
    fail(key, "bfloat16 autocast needs an Ampere or newer GPU (compute capability 8.0) and cuDNN 8: " +
                  device.str() + " is older (or this LibTorch has no cuDNN); turn train.amp off");
}

}  // namespace hpe3d::core
