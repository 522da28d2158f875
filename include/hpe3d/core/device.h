#pragma once
// Device selection: "auto" (CUDA when this LibTorch has it and a GPU is
// present, else CPU), "cpu", or "cuda" (an InputError when unavailable).
#include <string>

#include <torch/torch.h>

namespace hpe3d::core {

torch::Device select_device(const std::string& request, const std::string& what = "--device");

}  // namespace hpe3d::core
