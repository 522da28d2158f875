#pragma once
// Files that appear whole or not at all: written (or copied) to
// "<path>.tmp", then renamed over `path`, so an interrupted run never leaves
// a truncated config, table or checkpoint behind. Failures throw
// core::InputError naming the path.
#include <string>

namespace hpe3d::core {

void write_file_atomically(const std::string& path, const std::string& contents);
void copy_file_atomically(const std::string& from, const std::string& to);

}  // namespace hpe3d::core
