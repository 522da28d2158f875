#pragma once
// The harnesses' check of an error message: one line, or the input is a finding.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hpe3d::fuzz {

inline void require_one_line(const char* message) {
  if (std::strchr(message, '\n') == nullptr && std::strchr(message, '\r') == nullptr) return;
  std::fprintf(stderr, "multi-line error message: %s\n", message);
  std::abort();
}

}  // namespace hpe3d::fuzz
