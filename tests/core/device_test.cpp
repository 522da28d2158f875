#include "hpe3d/core/device.h"

#include <csignal>

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
