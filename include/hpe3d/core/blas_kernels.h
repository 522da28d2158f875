#pragma once
// Which OpenBLAS kernels the process runs (DESIGN.md section 7). Debian's
// OpenBLAS picks its kernels from the CPU model when the library loads, and
// on some CPUs it does not recognise (an AVX-512 Xeon on a VM that reports a
// generic model name) it falls back to Prescott (SSE3) kernels, 4-5x slower.
// The core can only be changed through OPENBLAS_CORETYPE before the library
// loads, so a tool that finds a weaker core than the CPU supports executes
// itself again, once, with the variable set, checks one GEMM against a
// reference computation, and falls back to the library's own choice if the
// product disagrees.
//
// Order in a tool: the config (runtime.blas_core) is read first (cheap), then
// select_blas_core() runs before any data or model work; HPE3D_BLAS_CORE in
// the environment overrides the config key (for tools that read no config,
// and for CI: HPE3D_BLAS_CORE=keep). Only a process that called
// allow_blas_reexec() (core::run_tool does) ever re-executes itself; a
// library user or a test gets a warning naming the variable instead.
#include <optional>
#include <string>

namespace hpe3d::core {

struct CpuFeatures {
  bool avx = false, avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;  // usable: OS saves ZMM state
};
CpuFeatures detect_cpu_features();  // cpuid + xgetbv

// Kernel class of an OpenBLAS core name (case-insensitive): 3 AVX-512
// (SkylakeX, Cooperlake, SapphireRapids), 2 AVX2+FMA (Haswell, Zen), 1 AVX
// (Sandybridge, Bulldozer family), 0 anything else (SSE kernels, unknown).
int blas_core_class(const std::string& core);
// The class the CPU can run: 3 with AVX-512 F/BW/DQ/VL, 2 with AVX2+FMA, 1 with AVX, else 0.
int cpu_core_class(const CpuFeatures& cpu);

// The environment variables the decision reads.
struct BlasEnvironment {
  std::optional<std::string> coretype;  // OPENBLAS_CORETYPE: the user's choice, never overridden
  std::optional<std::string> l2_size;   // OPENBLAS_L2_SIZE: pinned by the user, never overridden
  std::optional<std::string> marker;    // HPE3D_BLAS_REEXEC: set by the re-execution itself
};
BlasEnvironment read_blas_environment();
inline constexpr const char* kBlasReexecMarker = "HPE3D_BLAS_REEXEC";
inline constexpr const char* kBlasCoreVariable = "HPE3D_BLAS_CORE";

struct BlasCoreDecision {
  bool reexec = false;
  std::string coretype;  // OPENBLAS_CORETYPE for the re-executed process (when reexec)
  std::string reason;    // one line for the log
};
// The pure decision: `setting` auto | keep | a core name; `loaded_core` what
// openblas_get_corename() returned ("" when the BLAS is not OpenBLAS). Never
// re-executes when the marker is set (at most once), when the user set
// OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE, for keep, or for a core the CPU
// cannot run.
BlasCoreDecision decide_blas_core(const std::string& setting, const std::string& loaded_core,
                                  const CpuFeatures& cpu, const BlasEnvironment& env);

// OpenBLAS's core name, or "" when the loaded BLAS is not OpenBLAS.
std::string loaded_blas_core();
// "OpenBLAS SkylakeX kernels", or "a BLAS other than OpenBLAS".
std::string blas_description();

// Max |C - C_ref| / max |C_ref| of a float32 torch::mm against a float64
// loop on fixed inputs, with shapes that reach the kernels' edge cases.
double gemm_self_check_error();

// Lets select_blas_core() execute this process again (run_tool calls it).
void allow_blas_reexec();

// Decides once per process (later calls return at once): see the top of the
// file. `setting` is runtime.blas_core; HPE3D_BLAS_CORE overrides it.
void select_blas_core(const std::string& setting);

}  // namespace hpe3d::core
