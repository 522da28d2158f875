#include "hpe3d/core/blas_kernels.h"

#include <gtest/gtest.h>

namespace hpe3d::core {
namespace {

CpuFeatures avx512() {
  CpuFeatures f;
  f.avx = f.avx2 = f.fma = true;
  f.avx512f = f.avx512bw = f.avx512dq = f.avx512vl = true;
  return f;
}

CpuFeatures avx2() {
  CpuFeatures f;
  f.avx = f.avx2 = f.fma = true;
  return f;
}

TEST(BlasKernels, ClassesOfCoreNamesAndCpus) {
  EXPECT_EQ(blas_core_class("SkylakeX"), 3);
  EXPECT_EQ(blas_core_class("Cooperlake"), 3);
  EXPECT_EQ(blas_core_class("sapphirerapids"), 3);
  EXPECT_EQ(blas_core_class("Haswell"), 2);
  EXPECT_EQ(blas_core_class("Zen"), 2);
  EXPECT_EQ(blas_core_class("Sandybridge"), 1);
  EXPECT_EQ(blas_core_class("Prescott"), 0);
  EXPECT_EQ(blas_core_class("no such core"), 0);
  EXPECT_EQ(cpu_core_class(avx512()), 3);
  EXPECT_EQ(cpu_core_class(avx2()), 2);
  auto partial = avx512();
  partial.avx512vl = false;  // AVX-512 F without VL: SkylakeX kernels need all four
  EXPECT_EQ(cpu_core_class(partial), 2);
  EXPECT_EQ(cpu_core_class(CpuFeatures{}), 0);
}

TEST(BlasKernels, AutoUpgradesAWeakerCoreToTheCpusClass) {
  auto d = decide_blas_core("auto", "Prescott", avx512(), {});
  EXPECT_TRUE(d.reexec);
  EXPECT_EQ(d.coretype, "SkylakeX");
  d = decide_blas_core("auto", "Prescott", avx2(), {});
  EXPECT_TRUE(d.reexec);
  EXPECT_EQ(d.coretype, "Haswell");
  d = decide_blas_core("auto", "Haswell", avx512(), {});
  EXPECT_TRUE(d.reexec);
  EXPECT_EQ(d.coretype, "SkylakeX");
}

TEST(BlasKernels, AutoKeepsAnEqualOrStrongerCore) {
  // An AVX-512 EPYC on which OpenBLAS picks Cooperlake: already AVX-512 kernels.
  EXPECT_FALSE(decide_blas_core("auto", "Cooperlake", avx512(), {}).reexec);
  EXPECT_FALSE(decide_blas_core("auto", "SkylakeX", avx512(), {}).reexec);
  EXPECT_FALSE(decide_blas_core("auto", "Zen", avx2(), {}).reexec);
  EXPECT_FALSE(decide_blas_core("auto", "Prescott", CpuFeatures{}, {}).reexec);
}

TEST(BlasKernels, KeepAndNonOpenBlasNeverReexecute) {
  auto d = decide_blas_core("keep", "Prescott", avx512(), {});
  EXPECT_FALSE(d.reexec);
  EXPECT_NE(d.reason.find("keep"), std::string::npos) << d.reason;
  EXPECT_FALSE(decide_blas_core("auto", "", avx512(), {}).reexec);
  EXPECT_FALSE(decide_blas_core("SkylakeX", "", avx512(), {}).reexec);
}

TEST(BlasKernels, TheMarkerMakesItAtMostOnce) {
  BlasEnvironment env;
  env.marker = "OpenBLAS chose Prescott kernels";
  // Even if OpenBLAS ignored the variable and still runs Prescott.
  auto d = decide_blas_core("auto", "Prescott", avx512(), env);
  EXPECT_FALSE(d.reexec);
  EXPECT_NE(d.reason.find("HPE3D_BLAS_REEXEC"), std::string::npos) << d.reason;
  EXPECT_FALSE(decide_blas_core("Haswell", "Prescott", avx512(), env).reexec);
  env.marker = "fallback";
  EXPECT_FALSE(decide_blas_core("auto", "Prescott", avx512(), env).reexec);
}

TEST(BlasKernels, NeverOverridesTheUsersVariables) {
  BlasEnvironment coretype;
  coretype.coretype = "Prescott";
  EXPECT_FALSE(decide_blas_core("auto", "Prescott", avx512(), coretype).reexec);
  EXPECT_FALSE(decide_blas_core("SkylakeX", "Prescott", avx512(), coretype).reexec);
  BlasEnvironment l2;
  l2.l2_size = "1048576";
  auto d = decide_blas_core("auto", "Prescott", avx512(), l2);
  EXPECT_FALSE(d.reexec);
  EXPECT_NE(d.reason.find("OPENBLAS_L2_SIZE"), std::string::npos) << d.reason;
}

TEST(BlasKernels, ANamedCoreIsUsedOnlyWhereTheCpuRunsIt) {
  auto d = decide_blas_core("Haswell", "SkylakeX", avx512(), {});
  EXPECT_TRUE(d.reexec);
  EXPECT_EQ(d.coretype, "Haswell");
  EXPECT_FALSE(decide_blas_core("haswell", "Haswell", avx512(), {}).reexec);  // already running it
  d = decide_blas_core("SkylakeX", "Prescott", avx2(), {});                     // would be illegal instructions
  EXPECT_FALSE(d.reexec);
  EXPECT_NE(d.reason.find("lacks"), std::string::npos) << d.reason;
}

TEST(BlasKernels, GemmSelfCheckPassesOnTheLoadedKernels) {
  // float32 products with K = 131 agree with float64 to ~1e-6; the threshold is 1e-4.
  EXPECT_LT(gemm_self_check_error(), 1e-5);
}

TEST(BlasKernels, DetectedFeaturesAreConsistent) {
  const auto f = detect_cpu_features();
  if (f.avx512f) EXPECT_TRUE(f.avx);  // usable ZMM state implies usable YMM state
  if (f.avx2) EXPECT_TRUE(f.avx);
}

}  // namespace
}  // namespace hpe3d::core
