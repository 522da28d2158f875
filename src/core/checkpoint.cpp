#include "hpe3d/core/checkpoint.h"

#include <filesystem>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/error.h"

namespace hpe3d::core {
namespace {

std::string shape_str(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

torch::Tensor string_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

}  // namespace

void CheckpointWriter::add_module(const std::string& name, const torch::nn::Module& module) {
  torch::serialize::OutputArchive sub;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) sub.write(p.key(), p.value().detach());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) sub.write(b.key(), b.value(), /*is_buffer=*/true);
  archive_.write(name, sub);
}

void CheckpointWriter::add_optimizer(const std::string& name, const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive sub;
  optimizer.save(sub);
  archive_.write(name, sub);
}

void CheckpointWriter::add_tensor(const std::string& name, const torch::Tensor& value) {
  archive_.write(name, value.detach().cpu());
}

void CheckpointWriter::add_int(const std::string& name, int64_t value) {
  archive_.write(name, torch::tensor(value, torch::kInt64));
}

void CheckpointWriter::add_double(const std::string& name, double value) {
  archive_.write(name, torch::tensor(value, torch::kFloat64));
}

void CheckpointWriter::add_string(const std::string& name, const std::string& value) {
  archive_.write(name, string_tensor(value));
}

void CheckpointWriter::save(const std::string& path) {
  const std::string tmp = path + ".tmp";
  try {
    archive_.save_to(tmp);
  } catch (const c10::Error& e) {
    std::filesystem::remove(tmp);
    fail(path, std::string("cannot write checkpoint: ") + e.what_without_backtrace());
  }
  move_into_place(tmp, path);
}

CheckpointReader::CheckpointReader(const std::string& path) : path_(path) {
  if (!std::filesystem::exists(path)) fail(path, "no such checkpoint");
  try {
    archive_.load_from(path);
  } catch (const c10::Error&) {
    fail(path, "not a readable hpe3d checkpoint (truncated or another format?)");
  }
}

bool CheckpointReader::has(const std::string& name) {
  torch::Tensor t;
  if (archive_.try_read(name, t)) return true;
  torch::serialize::InputArchive sub;
  return archive_.try_read(name, sub);
}

void CheckpointReader::load_module(const std::string& name, torch::nn::Module& module) {
  torch::serialize::InputArchive sub;
  if (!archive_.try_read(name, sub)) fail(path_, "no module \"" + name + "\" in checkpoint");
  std::vector<std::string> problems;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  auto visit = [&](const std::string& key, const torch::Tensor& target, bool is_buffer) {
    torch::Tensor stored;
    if (!sub.try_read(key, stored, is_buffer)) {
      problems.push_back("missing " + key);
    } else if (stored.sizes() != target.sizes()) {
      problems.push_back(key + " is " + shape_str(stored.sizes()) + ", model has " +
                         shape_str(target.sizes()));
    } else {
      copies.emplace_back(target, stored);
    }
  };
  for (const auto& p : module.named_parameters(true)) visit(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(true)) visit(b.key(), b.value(), true);
  if (!problems.empty()) {
    std::string list;
    for (size_t i = 0; i < problems.size() && i < 8; ++i) list += (i ? "; " : "") + problems[i];
    if (problems.size() > 8) list += "; and " + std::to_string(problems.size() - 8) + " more";
    fail(path_, name + " does not match the model (a checkpoint of another model shape?): " + list);
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, stored] : copies) target.copy_(stored);
}

void CheckpointReader::load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive sub;
  if (!archive_.try_read(name, sub)) fail(path_, "no optimiser \"" + name + "\" in checkpoint");
  try {
    optimizer.load(sub);
  } catch (const c10::Error& e) {
    fail(path_, "optimiser \"" + name + "\" does not match: " + e.what_without_backtrace());
  }
}

torch::Tensor CheckpointReader::tensor(const std::string& name) {
  torch::Tensor t;
  if (!archive_.try_read(name, t)) fail(path_, "no entry \"" + name + "\" in checkpoint");
  return t;
}

int64_t CheckpointReader::get_int(const std::string& name) { return tensor(name).item<int64_t>(); }
double CheckpointReader::get_double(const std::string& name) { return tensor(name).item<double>(); }

std::string CheckpointReader::get_string(const std::string& name) {
  auto t = tensor(name).contiguous();
  return std::string(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()));
}

}  // namespace hpe3d::core
