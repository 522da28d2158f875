#pragma once
// Errors that reach the user. A tool prints InputError::what() as one line and
// exits with code 2; anything else is a bug and exits with code 1.
#include <stdexcept>
#include <string>

namespace hpe3d::core {

// Bad input: a missing or malformed file, key, dataset or argument. The
// message names the file (and key or dataset) and what is wrong with it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError("<where>: <what>").
[[noreturn]] void fail(const std::string& where, const std::string& what);

}  // namespace hpe3d::core
