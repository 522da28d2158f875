#include "hpe3d/core/device.h"

#include <csignal>
#include <cstdlib>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/core/interrupt.h"

namespace hpe3d::core {
namespace {

TEST(Device, SelectsCpuAndRejectsUnavailableOrUnknown) {
  EXPECT_EQ(select_device("cpu").type(), torch::kCPU);
  EXPECT_EQ(select_device("auto").type(), torch::cuda::is_available() ? torch::kCUDA : torch::kCPU);
  if (!torch::cuda::is_available()) EXPECT_THROW(select_device("cuda"), InputError);
  EXPECT_THROW(select_device("gpu"), InputError);
}

// One visible GPU per rank (Slurm --gpus-per-task=1) is cuda:0 for every
// local rank; with all GPUs visible, rank r takes cuda:r; more ranks than
// GPUs is refused by name instead of "invalid device ordinal".
TEST(Device, RankGpuFollowsTheVisibleDevices) {
  EXPECT_EQ(rank_cuda_device(3, 1), torch::Device(torch::kCUDA, 0));
  EXPECT_EQ(rank_cuda_device(0, 4), torch::Device(torch::kCUDA, 0));
  EXPECT_EQ(rank_cuda_device(3, 4), torch::Device(torch::kCUDA, 3));
  try {
    rank_cuda_device(4, 4);
    FAIL() << "local rank 4 of 4 GPUs accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "runtime.device: cuda: local rank 4 but this machine shows 4 GPUs: start at most 4 "
                           "processes per machine, or give each rank one GPU");
  }
  EXPECT_THROW(rank_cuda_device(0, 0), InputError);
}

TEST(Device, TestDeviceIsTheCpuUnlessNamed) {
  const char* v = std::getenv("HPE3D_TEST_DEVICE");
  if (v == nullptr || *v == '\0') EXPECT_EQ(test_device(), torch::Device(torch::kCPU));
  else EXPECT_EQ(test_device().type(), select_device(v).type());
  make_current(torch::kCPU);  // a no-op on the CPU
}

TEST(Interrupt, SignalSetsTheFlag) {
  install_interrupt_handlers();
  set_interrupt_requested(false);
  EXPECT_FALSE(interrupt_requested());
  std::raise(SIGINT);
  EXPECT_TRUE(interrupt_requested());
  set_interrupt_requested(false);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace
}  // namespace hpe3d::core
