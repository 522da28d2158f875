#pragma once
// Ctrl-C / SIGTERM as a request, not a crash: the trainer polls
// interrupt_requested() between steps, saves, and exits with code 130.

namespace hpe3d::core {

// Installs SIGINT and SIGTERM handlers that set the flag (idempotent).
void install_interrupt_handlers();
bool interrupt_requested();
// For tests: set or clear the flag as a signal would.
void set_interrupt_requested(bool value);

inline constexpr int kInterruptedExitCode = 130;

}  // namespace hpe3d::core
