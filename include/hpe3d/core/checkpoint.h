#pragma once
// One-file checkpoints (LibTorch archives) that round-trip exactly: modules
// (parameters and buffers by name), optimisers, named tensors, integers and
// strings. Saved to "<path>.tmp" and renamed, so a crash never leaves a broken
// file under the final name.
//
// On disk: a 24-byte header ("HPE3DCK1", the CRC-32 and the length of the
// archive) and the archive. A reader verifies length and CRC before LibTorch
// parses a byte, so a flipped bit or a cut file is refused by name instead
// of loading shifted weights. Files written before the header (a bare
// archive) still load, with a log line. Module tensors must be finite.
//
// Device- and version-neutral: modules are written from the CPU, every
// tensor is read onto the CPU and moved to the target's device (a module's
// parameters, an optimiser's parameters), and optimiser states are matched
// to parameters by position (core/optimizer_state.h), so a file written by a
// CUDA run of LibTorch 1.13 resumes on a CPU under 2.x and the other way
// round. Each file records the LibTorch that wrote it ("written_by").
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::core {

// "LibTorch 2.6.0": this build's LibTorch, as checkpoints record it.
std::string libtorch_version();

class CheckpointWriter {
 public:
  void add_module(const std::string& name, const torch::nn::Module& module);
  void add_optimizer(const std::string& name, const torch::optim::Optimizer& optimizer);
  void add_tensor(const std::string& name, const torch::Tensor& value);
  void add_int(const std::string& name, int64_t value);
  void add_double(const std::string& name, double value);
  void add_string(const std::string& name, const std::string& value);
  // Writes atomically; throws core::InputError naming the path on failure.
  void save(const std::string& path);

 private:
  torch::serialize::OutputArchive archive_;
};

class CheckpointReader {
 public:
  // Throws core::InputError if the file is missing, not a checkpoint, or its
  // content does not match its checksum.
  explicit CheckpointReader(const std::string& path);

  // Copies every parameter and buffer of `module` from the checkpoint.
  // A missing name or a different shape is an InputError that lists them all
  // (a checkpoint of another model shape); so is a NaN or Inf in any of them.
  void load_module(const std::string& name, torch::nn::Module& module);
  // The optimiser's state, on its parameters' devices; an InputError when
  // the optimiser's parameter groups differ from the file's.
  void load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer);
  torch::Tensor tensor(const std::string& name);
  int64_t get_int(const std::string& name);
  double get_double(const std::string& name);
  std::string get_string(const std::string& name);
  bool has(const std::string& name);
  // The LibTorch that wrote the file ("LibTorch 2.6.0"), or "" for a file
  // from before checkpoints recorded it (all of them LibTorch 1.13).
  std::string written_by();
  const std::string& path() const { return path_; }
  // False for a file written before checkpoints carried a checksum.
  bool checksummed() const { return checksummed_; }

 private:
  std::string path_;
  void load_bytes(const std::vector<uint8_t>& bytes);

  bool checksummed_ = false;
  torch::serialize::InputArchive archive_;
};

}  // namespace hpe3d::core
