#pragma once
// Process-wide settings that decide CPU speed more than any code does
// (DESIGN.md section 7): malloc thresholds and the BLAS/torch thread split.

#include <string>

namespace hpe3d::core {

// Keeps glibc from returning multi-megabyte tensors to the kernel after every
// step (mallopt M_MMAP_THRESHOLD / M_TRIM_THRESHOLD). Every tool calls it first.
void init_process();

// Number of CPU cores available to this process.
int cpu_cores();

// OpenBLAS threads (when OpenBLAS is the loaded BLAS) and torch intra-op
// threads. Returns false if no OpenBLAS is loaded (its count is then ignored).
bool set_threads(int blas_threads, int torch_threads);

// The split DESIGN.md 7 prescribes: GEMM-bound pose models give the cores to
// BLAS (x 1 torch thread), convolution models (oneDNN) to torch (x 1 BLAS
// thread). cores <= 0: all of them.
struct ThreadSplit {
  int blas = 1, torch = 1;
  bool openblas = false;  // false: no OpenBLAS loaded, its count is ignored
};
ThreadSplit use_cores(bool conv_model, int cores = 0);
// The kernels and the split, for the log: "BLAS: OpenBLAS SkylakeX kernels, 2 threads x torch 1".
std::string describe(const ThreadSplit& split);

}  // namespace hpe3d::core
