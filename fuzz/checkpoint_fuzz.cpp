// libFuzzer harness: the checkpoint reader on arbitrary file contents, and
// loading what it accepts into a small module. Outcomes: a load, or a
// one-line error (core::InputError; c10::Error for an entry of another type,
// which a tool reports as one line with exit 1). A module that loads holds
// only finite values.
//
// HPE3D_FUZZ_WRITE_SEEDS=DIR writes two valid seeds there at start-up: a
// checksummed checkpoint and one in the format before checksums.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/error.h"
#include "one_line.h"
#include "hpe3d/core/logging.h"

namespace {

torch::nn::Sequential small_model() {
  return torch::nn::Sequential(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3), torch::nn::Linear(3, 2));
}

void write_seeds(const std::string& dir) {
  auto model = small_model();
  hpe3d::core::CheckpointWriter w;
  w.add_module("model", *model);
  w.add_int("step", 7);
  w.add_double("best", 1.5);
  w.add_string("config", "name: seed\n");
  w.add_tensor("norm", torch::ones({6}));
  w.save(dir + "/checksummed.pt");
  torch::serialize::OutputArchive bare, sub;
  for (const auto& p : model->named_parameters()) sub.write(p.key(), p.value().detach());
  for (const auto& b : model->named_buffers()) sub.write(b.key(), b.value(), true);
  bare.write("model", sub);
  bare.write("step", torch::tensor(int64_t{7}));
  bare.save_to(dir + "/before_checksums.pt");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hpe3d::core::logger("core")->set_level(spdlog::level::off);  // "loaded unverified", once per legacy input
  if (const char* dir = std::getenv("HPE3D_FUZZ_WRITE_SEEDS")) write_seeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Files in the format before checksums ("PK...") go to LibTorch's parser unverified, which
  // crashes on some mutations (docs/reliability.md, open findings): fuzzed only on request.
  static const bool legacy = std::getenv("HPE3D_FUZZ_LEGACY") != nullptr;
  if (!legacy && size >= 2 && data[0] == 'P' && data[1] == 'K') return 0;
  static const std::string path = std::string(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") +
                                  "/hpe3d_checkpoint_fuzz_" + std::to_string(getpid()) + ".pt";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  try {
    hpe3d::core::CheckpointReader r(path);
    auto model = small_model();
    if (r.has("model")) {
      r.load_module("model", *model);
      for (const auto& p : model->parameters())
        if (!torch::isfinite(p).all().item<bool>()) std::abort();
    }
    if (r.has("step")) (void)r.get_int("step");
    if (r.has("config")) (void)r.get_string("config");
  } catch (const hpe3d::core::InputError& e) {
    hpe3d::fuzz::require_one_line(e.what());
  } catch (const c10::Error&) {
  }
  return 0;
}
