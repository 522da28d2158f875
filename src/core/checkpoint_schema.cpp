#include "hpe3d/core/checkpoint_schema.h"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include "hpe3d/core/error.h"

namespace hpe3d::core::checkpoint_schema {
namespace {

constexpr const char* kRngCpu = "rng_cpu";
constexpr const char* kRngCuda = "rng_cuda";  // the run's device's generator

std::string cuda_entry(int device) { return "rng_cuda" + std::to_string(device); }

}  // namespace

std::string optimizer_entry(size_t index) { return "optimizer" + std::to_string(index); }

void write_counters(CheckpointWriter& w, const Counters& c) {
  w.add_int(kSchema, kVersion);
  w.add_int("step", c.step);
  w.add_int("epoch", c.epoch);
  w.add_int("batch_in_epoch", c.batch_in_epoch);
  w.add_double("best_val_mpjpe", c.best_val_mpjpe);
  w.add_int("best_epoch", c.best_epoch);
  w.add_double("seconds", c.seconds);
}

Counters read_counters(CheckpointReader& r) {
  if (!r.has(kSchema))
    fail(r.path(), "written by an earlier h36m-train (checkpoint schema 1, sample order stored in the file); "
                   "it evaluates but cannot be resumed: start a new run");
  if (r.get_int(kSchema) != kVersion)
    fail(r.path(), "checkpoint schema " + std::to_string(r.get_int(kSchema)) + ", this build reads " +
                       std::to_string(kVersion));
  Counters c;
  c.step = r.get_int("step");
  c.epoch = r.get_int("epoch");
  c.batch_in_epoch = r.get_int("batch_in_epoch");
  c.best_val_mpjpe = r.get_double("best_val_mpjpe");
  c.best_epoch = r.get_int("best_epoch");
  c.seconds = r.get_double("seconds");
  return c;
}

void write_generator_states(CheckpointWriter& w, torch::Device device) {
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    w.add_tensor(kRngCpu, gen.get_state());
  }
  if (!device.is_cuda()) return;
  // The run's own GPU only: touching every visible device would open a CUDA
  // context on each of them in every rank.
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  w.add_tensor(kRngCuda, gen.get_state());
}

void restore_generator_states(CheckpointReader& r, torch::Device device) {
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(r.tensor(kRngCpu));
  }
  if (!device.is_cuda()) return;
  // Earlier files hold every device's generator under its index.
  const int index = device.has_index() ? device.index() : 0;
  const std::string name = r.has(kRngCuda) ? kRngCuda : cuda_entry(index);
  if (!r.has(name)) return;  // a CPU run's file: the CUDA stream starts afresh
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(r.tensor(name));
}

}  // namespace hpe3d::core::checkpoint_schema
