// runtime.cuda reaches LibTorch's context flags (the same flags on a CPU
// build: the switches are set there, and CUDA reads them when it runs).
#include "hpe3d/core/cuda_settings.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>

namespace hpe3d::core {
namespace {

TEST(CudaSettings, SwitchesReachTheContext) {
  auto& ctx = at::globalContext();
  CudaConfig fast;
  fast.tf32 = true;
  fast.cudnn_benchmark = true;
  apply_cuda_settings(fast);
  EXPECT_TRUE(ctx.allowTF32CuBLAS());
  EXPECT_TRUE(ctx.allowTF32CuDNN());
  EXPECT_TRUE(ctx.benchmarkCuDNN());
  EXPECT_FALSE(ctx.deterministicAlgorithms());

  CudaConfig exact;
  exact.deterministic = true;  // benchmark stays on in the config, but must not search
  apply_cuda_settings(exact);
  EXPECT_FALSE(ctx.allowTF32CuBLAS());
  EXPECT_FALSE(ctx.benchmarkCuDNN());
  EXPECT_TRUE(ctx.deterministicCuDNN());
  EXPECT_TRUE(ctx.deterministicAlgorithms());
  ASSERT_NE(std::getenv("CUBLAS_WORKSPACE_CONFIG"), nullptr);

  apply_cuda_settings(CudaConfig{});  // the defaults again, for the tests that follow
  EXPECT_FALSE(ctx.deterministicAlgorithms());
  EXPECT_FALSE(ctx.allowTF32CuBLAS());
}

TEST(CudaSettings, Bfloat16CheckLeavesTheCpuAlone) { EXPECT_NO_THROW(require_bfloat16(torch::kCPU, "train.amp")); }

}  // namespace
}  // namespace hpe3d::core
