#include "hpe3d/core/error.h"

namespace hpe3d::core {

void fail(const std::string& where, const std::string& what) {
  throw InputError(where + ": " + what);
}

}  // namespace hpe3d::core
