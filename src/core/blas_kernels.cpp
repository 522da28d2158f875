#include "hpe3d/core/blas_kernels.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hpe3d/core/logging.h"

namespace hpe3d::core {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// The class's usual core name.
const char* core_for_class(int c) { return c >= 3 ? "SkylakeX" : c == 2 ? "Haswell" : c == 1 ? "Sandybridge" : "Prescott"; }

bool reexec_allowed = false;
bool selected = false;

// argv of this process as the kernel holds it (preserved byte for byte).
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i] == '\0') {
      args.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  return args;
}

// Executes this process again with `coretype` (empty: unset) and the marker;
// returns only when exec fails.
void reexec(const std::optional<std::string>& coretype, const std::string& marker) {
  auto args = own_arguments();
  if (args.empty()) return;
  if (coretype) setenv("OPENBLAS_CORETYPE", coretype->c_str(), 1);
  else unsetenv("OPENBLAS_CORETYPE");
  setenv(kBlasReexecMarker, marker.c_str(), 1);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  spdlog::default_logger()->flush();
  logger("core")->flush();
  std::fflush(stdout);
  std::fflush(stderr);
  execv("/proc/self/exe", argv.data());
  unsetenv(kBlasReexecMarker);
}

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & bit_OSXSAVE, avx = c & bit_AVX, fma = c & bit_FMA;
  if (!osxsave) return f;
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const bool ymm = (lo & 0x6) == 0x6;     // SSE and AVX state
  const bool zmm = (lo & 0xe6) == 0xe6;   // and opmask, ZMM0-15 high halves, ZMM16-31
  f.avx = avx && ymm;
  f.fma = fma && ymm;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2 = (b & bit_AVX2) && ymm;
  f.avx512f = (b & bit_AVX512F) && zmm;
  f.avx512bw = (b & bit_AVX512BW) && zmm;
  f.avx512dq = (b & bit_AVX512DQ) && zmm;
  f.avx512vl = (b & bit_AVX512VL) && zmm;
  return f;
}

int blas_core_class(const std::string& core) {
  const auto n = lower(core);
  if (n == "skylakex" || n == "cooperlake" || n == "sapphirerapids") return 3;
  if (n == "haswell" || n == "zen") return 2;
  if (n == "sandybridge" || n == "bulldozer" || n == "piledriver" || n == "steamroller" || n == "excavator") return 1;
  return 0;
}

int cpu_core_class(const CpuFeatures& cpu) {
  if (cpu.avx512f && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl && cpu.avx2 && cpu.fma) return 3;
  if (cpu.avx2 && cpu.fma) return 2;
  return cpu.avx ? 1 : 0;
}

BlasEnvironment read_blas_environment() {
  return {env("OPENBLAS_CORETYPE"), env("OPENBLAS_L2_SIZE"), env(kBlasReexecMarker)};
}

BlasCoreDecision decide_blas_core(const std::string& setting, const std::string& loaded_core, const CpuFeatures& cpu,
                                  const BlasEnvironment& e) {
  auto keep = [](std::string why) { return BlasCoreDecision{false, "", std::move(why)}; };
  if (setting == "keep") return keep("runtime.blas_core is keep");
  if (loaded_core.empty()) return keep("the BLAS is not OpenBLAS");
  if (e.marker) return keep("already executed again once (" + std::string(kBlasReexecMarker) + "=" + *e.marker + ")");
  if (e.coretype) return keep("OPENBLAS_CORETYPE=" + *e.coretype + " is set in the environment");
  if (e.l2_size) return keep("OPENBLAS_L2_SIZE=" + *e.l2_size + " is set in the environment");
  const int can = cpu_core_class(cpu), has = blas_core_class(loaded_core);
  if (setting == "auto") {
    if (has >= can) return keep("OpenBLAS chose " + loaded_core + ", the best kernels this CPU runs");
    return {true, core_for_class(can),
            fmt::format("OpenBLAS chose {} kernels; the CPU runs {}", loaded_core, core_for_class(can))};
  }
  if (lower(setting) == lower(loaded_core)) return keep("OpenBLAS already runs " + loaded_core);
  if (blas_core_class(setting) > can)
    return keep(fmt::format("runtime.blas_core {} needs instructions this CPU lacks", setting));
  return {true, setting, "runtime.blas_core is " + setting};
}

std::string loaded_blas_core() {
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (fn == nullptr) return "";
  const char* name = fn();
  return name != nullptr ? std::string(name) : std::string("unknown");
}

std::string blas_description() {
  const auto core = loaded_blas_core();
  return core.empty() ? "a BLAS other than OpenBLAS" : "OpenBLAS " + core + " kernels";
}

double gemm_self_check_error() {
  // Odd sizes: full kernel tiles plus every edge case of M, N and K.
  const int64_t m = 67, k = 131, n = 85;
  auto a = torch::empty({m, k}, torch::kFloat32), b = torch::empty({k, n}, torch::kFloat32);
  auto pa = a.data_ptr<float>(), pb = b.data_ptr<float>();
  for (int64_t i = 0; i < m * k; ++i) pa[i] = static_cast<float>(std::sin(0.37 * i + 0.1));
  for (int64_t i = 0; i < k * n; ++i) pb[i] = static_cast<float>(std::cos(0.23 * i + 0.2));
  auto c = torch::mm(a, b).contiguous();
  auto pc = c.data_ptr<float>();
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = 0;
      for (int64_t q = 0; q < k; ++q) ref += static_cast<double>(pa[i * k + q]) * pb[q * n + j];
      worst = std::max(worst, std::abs(ref - pc[i * n + j]));
      scale = std::max(scale, std::abs(ref));
    }
  return std::isfinite(worst) ? worst / std::max(scale, 1e-30) : INFINITY;
}

void allow_blas_reexec() { reexec_allowed = true; }

void select_blas_core(const std::string& config_setting) {
  if (selected) return;
  selected = true;
  auto log = logger("core");
  const auto override_setting = env(kBlasCoreVariable);
  const std::string setting = override_setting ? *override_setting : config_setting;
  const auto e = read_blas_environment();
  const auto loaded = loaded_blas_core();
  if (e.marker && *e.marker != "fallback" && setting != "keep" && !loaded.empty()) {
    // This is the re-executed process: check the kernels it asked for.
    constexpr double kTolerance = 1e-4;  // float32 over K = 131: ~1e-6 when correct
    const double err = gemm_self_check_error();
    if (err > kTolerance) {
      log->warn("BLAS: OpenBLAS {} kernels failed the GEMM self-check (relative error {:.2g}); back to "
                "the library's own choice",
                loaded, err);
      reexec(std::nullopt, "fallback");
      log->warn("BLAS: could not execute again; keeping {} kernels", loaded);
    } else {
      log->info("BLAS: switched to OpenBLAS {} kernels ({}), GEMM self-check relative error {:.2g}", loaded,
                *e.marker, err);
    }
    return;
  }
  if (e.marker && *e.marker == "fallback") {
    log->warn("BLAS: the stronger kernels failed the GEMM self-check; running OpenBLAS {} kernels", loaded);
    return;
  }
  const auto d = decide_blas_core(setting, loaded, detect_cpu_features(), e);
  if (!d.reexec) return;
  if (!reexec_allowed) {
    log->warn("BLAS: {}: set OPENBLAS_CORETYPE={} before starting for faster GEMMs", d.reason, d.coretype);
    return;
  }
  log->info("BLAS: {}: executing again with OPENBLAS_CORETYPE={} (runtime.blas_core: keep disables this)",
            d.reason, d.coretype);
  reexec(d.coretype, d.reason);
  log->warn("BLAS: could not execute again; keeping OpenBLAS {} kernels", loaded);
}

}  // namespace hpe3d::core
