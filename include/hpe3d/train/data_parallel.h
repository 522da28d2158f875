#pragma once
// Data-parallel training over a c10d process group (core/process_group.h), as
// PyTorch's DistributedDataParallel does it, through the trainer's seams:
//   - rank 0's parameters and buffers are broadcast once, and its buffers
//     (BatchNorm statistics) again before each validation and checkpoint;
//   - the gradient hook (train/optimization.h) all-reduces each update's
//     gradients in buckets of `bucket_mb` (reverse registration order, SUM
//     then divide by the world size: Gloo has no AVG), after a small
//     all-reduce of which parameters got a gradient on any rank (a used-mask:
//     a parameter no rank reached keeps no gradient, so the optimiser leaves
//     it alone exactly as in one process; one reached on some ranks only gets
//     zeros from the others) and of which ranks saw a non-finite loss;
//   - small agreements (stop now? the validation metric) so that every rank
//     acts on the same decision at the same step.
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/process_group.h"
#include "hpe3d/train/optimization.h"

namespace hpe3d::train {

struct DataParallelOptions {
  double bucket_mb = 25.0;  // runtime.distributed.bucket_mb
  torch::Device device{torch::kCPU};  // the rank's device (cuda:LOCAL_RANK on GPUs)
};

class DataParallel {
 public:
  DataParallel(std::shared_ptr<core::ProcessGroup> group, DataParallelOptions options);

  int rank() const { return group_->rank(); }
  int world() const { return group_->world(); }
  core::ProcessGroup& group() { return *group_; }

  // Rank 0's parameters and buffers (or buffers only) replace every rank's.
  void broadcast_module(torch::nn::Module& module);
  void broadcast_buffers(torch::nn::Module& module);

  // The gradient hook: averages `params`' gradients over the ranks (see above).
  // Throws NonFiniteLoss (train/trainer.h) on every rank, before any
  // parameter changes, when some rank called mark_nonfinite for this update.
  void average_gradients(const std::vector<torch::Tensor>& params);
  GradientHook gradient_hook() {
    return [this](const std::vector<torch::Tensor>& params) { average_gradients(params); };
  }
  // This rank's loss of the coming update is not finite; `where` (the same on
  // every rank: "step 12 (pair pose2d->pose3d)") and `last_pt` go into the message.
  void mark_nonfinite(std::string where, std::string last_pt);

  // True on every rank when `local` is true on any.
  bool any(bool local);
  // Rank 0's value, on every rank.
  double from_rank0(double value);

  // Throws std::runtime_error naming the first parameter or buffer that is
  // not bit-identical to rank 0's (a rank ran a different update). `when`
  // goes into the message.
  void check_replicas(const torch::nn::Module& module, const std::string& when);

  // Every rank's default generators (core/checkpoint_schema.h kRankRng*),
  // added to `w` on the rank that writes; restored from `r` when it holds
  // them for this world size (else the generators stay as they are).
  void save_generators(core::CheckpointWriter* w);
  void restore_generators(core::CheckpointReader& r);

 private:
  std::shared_ptr<core::ProcessGroup> group_;
  DataParallelOptions options_;
  bool nonfinite_ = false;
  std::string nonfinite_where_, last_pt_;
};

}  // namespace hpe3d::train
