#pragma once
// Shared helpers for the test suite: temporary directories, the shared
// Human3.6M fixture, and running the built tools.
#include <string>

namespace hpe3d::test {

// A fresh empty directory under the system temp dir, removed at exit.
std::string temp_dir(const std::string& name);

// ../shared/fixtures/h36m_sample/h36m_sample.json, or "" if absent.
std::string h36m_sample_json();

// Full path of a built tool (h36m-prepare, ...).
std::string tool_path(const std::string& name);

// Runs a shell command; returns its exit code and captures stdout+stderr.
int run_command(const std::string& command, std::string* output = nullptr);

// The Python with Debian's numpy/h5py/torch: $HPE3D_PYTHON or /usr/bin/python3.
std::string python();

}  // namespace hpe3d::test
