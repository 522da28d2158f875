#pragma once
// Files that appear whole or not at all: written (or copied) to
// "<path>.tmp", then renamed over `path`, so an interrupted run never leaves
// a truncated config, table or checkpoint behind. Failures throw
// core::InputError naming the path.
#include <string>

namespace hpe3d::core {

// Renames a finished "<path>.tmp" (or any temporary) over `path`; removes it
// and throws if that fails. For files written by other libraries (HDF5, torch).
void move_into_place(const std::string& tmp, const std::string& path);

void write_file_atomically(const std::string& path, const std::string& contents);
void copy_file_atomically(const std::string& from, const std::string& to);

}  // namespace hpe3d::core
