#include "hpe3d/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace hpe3d::core {

Progress::Progress(std::string label, int64_t steps, double every_seconds)
    : label_(std::move(label)),
      steps_(steps),
      every_(every_seconds),
      tty_(isatty(fileno(stderr)) != 0),
      start_(Clock::now()),
      last_print_(start_) {}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{:02}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

void Progress::update(int64_t step, int64_t samples, double loss) {
  step_ = step;
  samples_ += samples;
  if (std::isfinite(loss)) loss_ = loss;
  auto now = Clock::now();
  double since = std::chrono::duration<double>(now - last_print_).count();
  if ((tty_ && since >= 0.2) || since >= every_) {
    last_print_ = now;
    print(step, false);
  }
}

void Progress::finish() { print(step_, true); }

void Progress::print(int64_t step, bool final) {
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0.0;
  double eta = step > 0 ? elapsed / static_cast<double>(step) * static_cast<double>(steps_ - step) : NAN;
  std::string line = fmt::format("{} step {}/{}  {:.0f} samples/s  loss {:.5g}  {} {}", label_, step,
                                 steps_, rate, loss_, final ? "took" : "ETA",
                                 format_duration(final ? elapsed : eta));
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace hpe3d::core
