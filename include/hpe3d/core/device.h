#pragma once
// Device selection: "auto" (CUDA when this LibTorch has it and a GPU is
// present, else CPU), "cpu", or "cuda" (an InputError when unavailable); the
// GPU of a data-parallel rank; the test suite's device.
#include <string>

#include <torch/torch.h>

namespace hpe3d::core {

torch::Device select_device(const std::string& request, const std::string& what = "--device");

// The CUDA device of the rank with `local_rank` on its machine when `visible`
// GPUs are visible to it: cuda:0 when it sees one (Slurm --gpus-per-task=1,
// or CUDA_VISIBLE_DEVICES set per rank), else cuda:local_rank; an InputError
// naming runtime.device when local_rank >= visible (more ranks than GPUs).
torch::Device rank_cuda_device(int local_rank, int visible);

// Makes `device` the current CUDA device of this process (as
// torch.cuda.set_device), so that NCCL, cuBLAS handles and allocations of
// the rank land on its own GPU. A no-op for the CPU and for "cuda" without an index.
void make_current(torch::Device device);

// HPE3D_TEST_DEVICE (cpu by default, cuda on a GPU machine): where the
// device tests put their models, so that the same tests run on both.
torch::Device test_device();

}  // namespace hpe3d::core
