#include "hpe3d/core/checkpoint.h"

#include <torch/version.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/core/optimizer_state.h"

namespace hpe3d::core {
namespace {

// File layout: a 24-byte header, then the LibTorch archive.
//   0  "HPE3DCK1"  magic (8 bytes)
//   8  uint32      CRC-32 of the archive bytes (little endian)
//  12  uint32      0
//  16  uint64      length of the archive in bytes
// Checkpoints written before the header are a bare archive (a zip: "PK").
constexpr char kMagic[8] = {'H', 'P', 'E', '3', 'D', 'C', 'K', '1'};
constexpr size_t kHeaderBytes = 24;
constexpr const char* kWrittenBy = "written_by";  // string: "LibTorch 2.6.0"

uint32_t crc32_of(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in 1 GB pieces.
  for (size_t done = 0; done < size;) {
    const size_t piece = std::min<size_t>(size - done, size_t{1} << 30);
    crc = crc32(crc, data + done, static_cast<uInt>(piece));
    done += piece;
  }
  return static_cast<uint32_t>(crc);
}

void put_le(uint8_t* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t get_le(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

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

std::string libtorch_version() { return "LibTorch " TORCH_VERSION; }

void CheckpointWriter::add_module(const std::string& name, const torch::nn::Module& module) {
  torch::serialize::OutputArchive sub;
  // On the CPU: the file does not depend on the device it was written from.
  for (const auto& p : module.named_parameters(/*recurse=*/true)) sub.write(p.key(), p.value().detach().cpu());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) sub.write(b.key(), b.value().cpu(), /*is_buffer=*/true);
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
  archive_.write(kWrittenBy, string_tensor(libtorch_version()));
  const std::string tmp = path + ".tmp";
  std::vector<uint8_t> bytes(kHeaderBytes);
  try {
    archive_.save_to([&bytes](const void* data, size_t size) -> size_t {
      const auto* p = static_cast<const uint8_t*>(data);
      bytes.insert(bytes.end(), p, p + size);
      return size;
    });
  } catch (const c10::Error& e) {
    fail(path, std::string("cannot serialise checkpoint: ") + e.what_without_backtrace());
  }
  const size_t length = bytes.size() - kHeaderBytes;
  std::memcpy(bytes.data(), kMagic, sizeof(kMagic));
  put_le(bytes.data() + 8, crc32_of(bytes.data() + kHeaderBytes, length), 4);
  put_le(bytes.data() + 12, 0, 4);
  put_le(bytes.data() + 16, length, 8);
  bool written = false;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    written = out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())) &&
              out.flush();
  }
  if (!written) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    fail(path, "cannot write checkpoint (disk full, or a file-size limit?): " + std::string(std::strerror(errno)) +
                   "; the previous file, if any, is unchanged");
  }
  move_into_place(tmp, path);
}

CheckpointReader::CheckpointReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "no such checkpoint (or not a regular file)");
  const auto size = static_cast<size_t>(std::filesystem::file_size(path, ec));
  check_allocation(path, static_cast<double>(size), "reading the checkpoint");
  std::vector<uint8_t> bytes(size);
  {
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
      fail(path, "cannot read checkpoint");
  }
  load_bytes(bytes);
}

void CheckpointReader::load_bytes(const std::vector<uint8_t>& bytes) {
  const char* data = reinterpret_cast<const char*>(bytes.data());
  size_t size = bytes.size();
  checksummed_ = size >= sizeof(kMagic) && std::memcmp(data, kMagic, sizeof(kMagic)) == 0;
  if (checksummed_) {
    if (size < kHeaderBytes) fail(path_, "corrupted checkpoint: truncated header");
    const uint64_t length = get_le(bytes.data() + 16, 8);
    if (length != size - kHeaderBytes)
      fail(path_, "corrupted checkpoint: holds " + std::to_string(size - kHeaderBytes) + " bytes of content, its " +
                      "header says " + std::to_string(length) + " (truncated?)");
    if (crc32_of(bytes.data() + kHeaderBytes, length) != get_le(bytes.data() + 8, 4))
      fail(path_, "corrupted checkpoint: the content does not match its CRC-32 checksum");
    data += kHeaderBytes;
    size -= kHeaderBytes;
  } else if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
    logger("core")->info("{}: written before checkpoints carried a checksum: loaded unverified", path_);
  } else {
    fail(path_, "not an hpe3d checkpoint (no HPE3DCK1 header)");
  }
  try {
    // Every tensor onto the CPU, whatever device wrote it: a CUDA run's file
    // opens on a machine without a GPU, and the consumers move what they load
    // to their own device (load_module, load_optimizer).
    archive_.load_from(data, size, torch::Device(torch::kCPU));
  } catch (const std::exception&) {  // c10::Error, and torch::jit::ErrorReport from a malformed archive
    fail(path_, "not a readable hpe3d checkpoint (truncated or another format?)");
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
    } else if (stored.is_floating_point() && !torch::isfinite(stored).all().item<bool>()) {
      problems.push_back(key + " holds NaN or Inf");
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
    fail(path_, name + " does not match the model (a checkpoint of another model shape, or non-finite weights): " +
                    list);
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, stored] : copies) target.copy_(stored);
}

void CheckpointReader::load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive sub;
  if (!archive_.try_read(name, sub)) fail(path_, "no optimiser \"" + name + "\" in checkpoint");
  try {
    load_optimizer_state(sub, optimizer);
  } catch (const c10::Error& e) {
    fail(path_, "optimiser \"" + name + "\" is unreadable: " + e.what_without_backtrace());
  } catch (const std::invalid_argument& e) {
    fail(path_, "optimiser \"" + name + "\" does not match: " + e.what());
  }
}

torch::Tensor CheckpointReader::tensor(const std::string& name) {
  torch::Tensor t;
  if (!archive_.try_read(name, t)) fail(path_, "no entry \"" + name + "\" in checkpoint");
  return t;
}

std::string CheckpointReader::written_by() {
  torch::Tensor t;
  if (!archive_.try_read(kWrittenBy, t)) return "";
  return get_string(kWrittenBy);
}

int64_t CheckpointReader::get_int(const std::string& name) { return tensor(name).item<int64_t>(); }
double CheckpointReader::get_double(const std::string& name) { return tensor(name).item<double>(); }

std::string CheckpointReader::get_string(const std::string& name) {
  auto t = tensor(name).contiguous();
  return std::string(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()));
}

}  // namespace hpe3d::core
