#include "hpe3d/core/tool_main.h"

#include <cstdio>
#include <exception>

#include <c10/util/Exception.h>

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/runtime.h"

namespace hpe3d::core {

int run_tool(const char* tool_name, const std::function<int()>& body) {
  init_process();
  allow_blas_reexec();
  try {
    return body();
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool_name, e.what());
    return 2;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool_name, e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool_name, e.what());
    return 1;
  }
}

}  // namespace hpe3d::core
