#pragma once
// Process-wide settings that decide CPU speed more than any code does
// (DESIGN.md section 7): malloc thresholds and the BLAS/torch thread split.

namespace hpe3d::core {

// Keeps glibc from returning multi-megabyte tensors to the kernel after every
// step (mallopt M_MMAP_THRESHOLD / M_TRIM_THRESHOLD). Every tool calls it first.
void init_process();

// Number of CPU cores available to this process.
int cpu_cores();

// OpenBLAS threads (when OpenBLAS is the loaded BLAS) and torch intra-op
// threads. Returns false if no OpenBLAS is loaded (its count is then ignored).
bool set_threads(int blas_threads, int torch_threads);

}  // namespace hpe3d::core
