#include "hpe3d/core/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "hpe3d/core/error.h"

namespace hpe3d::core {

void move_into_place(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (!ec) return;
  std::error_code ignored;
  std::filesystem::remove(tmp, ignored);
  fail(path, "cannot move " + tmp + " into place: " + ec.message());
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  bool written = false;
  {
    std::ofstream f(tmp, std::ios::binary);
    written = static_cast<bool>(f << contents) && static_cast<bool>(f.flush());
  }
  if (!written) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    fail(path, "cannot write");
  }
  move_into_place(tmp, path);
}

void copy_file_atomically(const std::string& from, const std::string& to) {
  const std::string tmp = to + ".tmp";
  std::error_code ec;
  std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    fail(to, "cannot copy " + from + ": " + ec.message());
  }
  move_into_place(tmp, to);
}

}  // namespace hpe3d::core
