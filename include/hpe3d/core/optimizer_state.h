#pragma once
// An optimiser's per-parameter state, loaded the same way by every LibTorch
// version and onto the parameters' own devices.
//
// Optimizer::state() is keyed by the parameter's TensorImpl: LibTorch 1.13
// keys it by the address printed as a string ("0x55d0c3a0"), 2.x by the
// address itself, which it saves as a decimal string. Optimizer::load() of
// one version therefore scrambles the files of the other, and it leaves the
// state on whatever device the file recorded (rank r's Adam moments on
// cuda:0, a CPU file's moments on the CPU of a CUDA run). The file layout
// both versions write with Optimizer::save() is the same:
//   pytorch_version                 "1.5.0"
//   state/<key>/<field>             one sub-archive per parameter with state
//   param_groups/size, param_groups/<i>/params/{size,<j>} = <key>, param_groups/<i>/options
// so load_optimizer_state reads it itself: the keys only pair a state with a
// position, and each state goes to the parameter at that position, its
// tensors moved to the parameter's device.
// docs/gpu.md tells which checkpoints this makes portable.
#include <string>

#include <torch/torch.h>
#include <torch/version.h>

namespace hpe3d::core {

#if TORCH_VERSION_MAJOR >= 2
using OptimizerStateKey = void*;
#else
using OptimizerStateKey = std::string;
#endif

// The key of `param`'s entry in Optimizer::state() in this LibTorch.
OptimizerStateKey optimizer_state_key(const torch::Tensor& param);

// Replaces `optimizer`'s state and group options by those in `archive`
// (written by Optimizer::save of any LibTorch version). Adam, AdamW and SGD;
// throws std::invalid_argument naming the mismatch when the archive's groups
// or their sizes differ from the optimiser's, or for another optimiser kind.
void load_optimizer_state(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer);

}  // namespace hpe3d::core
