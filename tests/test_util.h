#pragma once
// Shared helpers for the test suite: temporary directories, the shared
// Human3.6M fixture, and running the built tools.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/experiment_config.h"

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

// A pose file at `path` from the synthetic generator (h36m-prepare
// synthetic): `poses` world poses dealt to `subjects`, 4 cameras each.
void write_synthetic(const std::string& path, int64_t poses, const std::vector<int>& subjects = {1, 9});

// A small 2D->3D VAE experiment on `file`, CPU: subject 1 trains, 9 tests,
// hidden 64, 1 block, batch 64.
core::ExperimentConfig small_lifting(const std::string& file, int epochs = 1);

// A small rgb->pose3d experiment on rendered frames: 40 synthetic poses in
// dir/s.h5 drawn at 64 px into dir/frames (subject 1 trains, 9 tests at
// stride 4), ResNet-18 and a pose encoder/decoder, latent 16, batch 16, CPU.
core::ExperimentConfig small_rgb(const std::string& dir);

// The lines of a text file, in order (none if it cannot be read).
std::vector<std::string> read_lines(const std::string& path);

// Turns on a small pose3d critic in `model`: hidden 32, `layers` layers,
// features from the last.
void add_pose_critic(core::ModelConfig& model, int layers = 2);

// The model of `checkpoint` (built from `config.model`, then loaded): its
// parameters, then its buffers, in registration order.
std::vector<torch::Tensor> saved_parameters(const std::string& checkpoint, const core::ExperimentConfig& config);

}  // namespace hpe3d::test
