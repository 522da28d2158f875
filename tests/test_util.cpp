#include "test_util.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace hpe3d::test {
namespace {

struct TempRoot {
  fs::path path;
  TempRoot() {
    std::string tmpl = (fs::temp_directory_path() / "hpe3d_test_XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempRoot() {
    std::error_code ec;
    if (std::getenv("HPE3D_KEEP_TEST_FILES") == nullptr) fs::remove_all(path, ec);
  }
};

}  // namespace

std::string temp_dir(const std::string& name) {
  static TempRoot root;
  fs::path dir = root.path / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string h36m_sample_json() {
  fs::path p = fs::path(HPE3D_SHARED_DIR) / "fixtures/h36m_sample/h36m_sample.json";
  return fs::exists(p) ? p.string() : "";
}

std::string tool_path(const std::string& name) {
  return (fs::path(HPE3D_TOOLS_DIR) / name).string();
}

int run_command(const std::string& command, std::string* output) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf;
  std::string out;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string python() {
  if (const char* env = std::getenv("HPE3D_PYTHON")) return env;
  return "/usr/bin/python3";
}

}  // namespace hpe3d::test
