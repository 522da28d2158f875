#pragma once
// Errors that reach the user. A tool prints InputError::what() as one line and
// exits with code 2; anything else is a bug and exits with code 1.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hpe3d::core {

// Bad input: a missing or malformed file, key, dataset or argument. The
// message names the file (and key or dataset) and what is wrong with it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError("<where>: <what>"), made one line (see one_line()).
[[noreturn]] void fail(const std::string& where, const std::string& what);

// Bytes read from a file, fit for a one-line message: in double quotes,
// control and non-ASCII bytes escaped (\n, \t, \xNN), cut after `max_chars`
// input bytes with "..." after the closing quote. quote("a\nb") == "\"a\\nb\"".
std::string quote(std::string_view raw, size_t max_chars = 80);

// A message made one line: every control character escaped as in quote(),
// without the quotes or the cut.
std::string one_line(std::string_view message);

// Throws InputError("<where>: needs <N> GB ... <what>") when `bytes` exceeds
// the memory of this machine (physical RAM): checked before an allocation
// whose size comes from a file or a config.
void check_allocation(const std::string& where, double bytes, const std::string& what);

}  // namespace hpe3d::core
