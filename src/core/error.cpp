#include "hpe3d/core/error.h"

#include <unistd.h>

#include <fmt/format.h>

namespace hpe3d::core {
namespace {

void append_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    default:
      if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
      else out += static_cast<char>(c);
  }
}

}  // namespace

void fail(const std::string& where, const std::string& what) {
  // Keys, names and values inside `where` and `what` may come from a file.
  throw InputError(one_line(where + ": " + what));
}

std::string quote(std::string_view raw, size_t max_chars) {
  std::string out = "\"";
  for (size_t i = 0; i < raw.size() && i < max_chars; ++i) append_escaped(out, static_cast<unsigned char>(raw[i]));
  out += '"';
  if (raw.size() > max_chars) out += "...";
  return out;
}

std::string one_line(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    // Quotes, backslashes and UTF-8 pass through: only line breaks and control bytes are escaped.
    if (c < 0x20 || c == 0x7f) append_escaped(out, c);
    else out += ch;
  }
  return out;
}

void check_allocation(const std::string& where, double bytes, const std::string& what) {
  const double ram = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ram > 0 && bytes > ram)
    fail(where, fmt::format("{} needs {:.1f} GB, more than this machine's {:.1f} GB of memory", what, bytes / 1e9,
                            ram / 1e9));
}

}  // namespace hpe3d::core
