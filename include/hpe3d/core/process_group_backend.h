#pragma once
// A core::ProcessGroup over a c10d backend made by the caller: the tests'
// stubs, which check on which device each collective receives its tensors.
// Separate from core/process_group.h so that its users do not compile c10d.
#include <memory>
#include <string>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/version.h>

#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/process_group.h"

namespace hpe3d::core {

// LibTorch 2.0 split ProcessGroup into a front end and backends; Gloo and
// NCCL are backends there, process groups in 1.13. Both have the collectives.
#if TORCH_VERSION_MAJOR >= 2
using C10dBackend = c10d::Backend;
#else
using C10dBackend = c10d::ProcessGroup;
#endif

// `name`: gloo | nccl, which decides the collectives' device (collective_device).
std::shared_ptr<ProcessGroup> make_process_group(c10::intrusive_ptr<C10dBackend> backend, const DistributedEnv& env,
                                                 const std::string& name, torch::Device device, double timeout_s);

}  // namespace hpe3d::core
