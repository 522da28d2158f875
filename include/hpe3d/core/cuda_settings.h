#pragma once
// Process-wide settings of CUDA's libraries for a run (runtime.cuda), and
// what a GPU must offer for mixed precision. Compiled in every build: the
// switches are LibTorch context flags, ignored without a GPU.
#include <string>

#include <torch/torch.h>

#include "hpe3d/core/experiment_config.h"

namespace hpe3d::core {

// TF32 for cuBLAS and cuDNN, cuDNN's algorithm search, deterministic
// algorithms (with cuBLAS's fixed workspace, CUBLAS_WORKSPACE_CONFIG, unless
// the user set one). Call before the first CUDA kernel.
void apply_cuda_settings(const CudaConfig& config);

// train.amp autocasts to bfloat16, which needs compute capability 8.0
// (Ampere) and newer for its tensor cores: an InputError naming `key` on an
// older GPU (LibTorch answers through its cuDNN v8 hooks; a CUDA build without
// cuDNN is refused too). Nothing on the CPU.
void require_bfloat16(torch::Device device, const std::string& key);

}  // namespace hpe3d::core
