#pragma once
// One-file checkpoints (LibTorch archives) that round-trip exactly: modules
// (parameters and buffers by name), optimisers, named tensors, integers and
// strings. Saved to "<path>.tmp" and renamed, so a crash never leaves a broken
// file under the final name.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace hpe3d::core {

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
  // Throws core::InputError if the file is missing or not a checkpoint.
  explicit CheckpointReader(const std::string& path);

  // Copies every parameter and buffer of `module` from the checkpoint.
  // A missing name or a different shape is an InputError that lists them all
  // (a checkpoint of another model shape).
  void load_module(const std::string& name, torch::nn::Module& module);
  void load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer);
  torch::Tensor tensor(const std::string& name);
  int64_t get_int(const std::string& name);
  double get_double(const std::string& name);
  std::string get_string(const std::string& name);
  bool has(const std::string& name);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  torch::serialize::InputArchive archive_;
};

}  // namespace hpe3d::core
