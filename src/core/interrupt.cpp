#include "hpe3d/core/interrupt.h"

#include <csignal>

namespace hpe3d::core {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int) { g_interrupted = 1; }

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupt_requested() { return g_interrupted != 0; }

void set_interrupt_requested(bool value) { g_interrupted = value ? 1 : 0; }

}  // namespace hpe3d::core
