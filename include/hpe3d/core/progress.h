#pragma once
// A progress line for long loops: step/steps, samples/s, a loss and the ETA.
// On a terminal it redraws one line; otherwise (logs, CI) it prints a line
// every `every` seconds and at the end, so logs stay short.
#include <chrono>
#include <string>

namespace hpe3d::core {

class Progress {
 public:
  Progress(std::string label, int64_t steps, double every_seconds = 10.0);
  // Call after each step with the samples it processed; `loss` may be NaN
  // when it was not read back this step.
  void update(int64_t step, int64_t samples, double loss);
  void finish();

  // "1h02m", "03m12s", "12s"
  static std::string format_duration(double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  void print(int64_t step, bool final);

  std::string label_;
  int64_t steps_;
  double every_;
  bool tty_;
  Clock::time_point start_, last_print_;
  int64_t samples_ = 0;
  int64_t step_ = 0;
  double loss_ = 0.0;
};

}  // namespace hpe3d::core
