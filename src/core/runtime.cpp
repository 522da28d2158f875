#include "hpe3d/core/runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::core {

void init_process() {
  // 256 MB: larger than any activation or Adam state of the pose models, so
  // freed tensors stay in the heap instead of being page-faulted back in.
  constexpr int kThreshold = 256 * 1024 * 1024;
  mallopt(M_MMAP_THRESHOLD, kThreshold);
  mallopt(M_TRIM_THRESHOLD, kThreshold);
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported as a
  // write error naming the file, instead of killing the process mid-save.
  signal(SIGXFSZ, SIG_IGN);
}

int cpu_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

bool set_threads(int blas_threads, int torch_threads) {
  torch::set_num_threads(std::max(1, torch_threads));
  // Looked up at run time: Debian's LibTorch links the generic libblas.so.3,
  // which is OpenBLAS only when libopenblas0-pthread provides it.
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn == nullptr) return false;
  fn(std::max(1, blas_threads));
  return true;
}

ThreadSplit use_cores(bool conv_model, int cores) {
  // More threads than cores only slows a run; thousands of them (each with
  // an OpenBLAS buffer) exhaust memory before the first step.
  if (cores <= 0 || cores > cpu_cores()) cores = cpu_cores();
  ThreadSplit split{conv_model ? 1 : cores, conv_model ? cores : 1};
  split.openblas = set_threads(split.blas, split.torch);
  return split;
}

std::string describe(const ThreadSplit& split) {
  return split.openblas ? fmt::format("BLAS: {}, {} threads x torch {}", blas_description(), split.blas, split.torch)
                        : fmt::format("BLAS: {} (install libopenblas0-pthread), torch {} threads", blas_description(),
                                      split.torch);
}

}  // namespace hpe3d::core
