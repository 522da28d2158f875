#pragma once
// The error contract of every tool: InputError -> one line on stderr, exit 2;
// any other exception -> one line, exit 1. Never a stack trace.
#include <functional>

namespace hpe3d::core {

int run_tool(const char* tool_name, const std::function<int()>& body);

}  // namespace hpe3d::core
