#pragma once
// Synchronised batch normalisation for data-parallel training
// (runtime.distributed.sync_bn): in training, a BatchNorm layer normalises
// with the mean and variance of the global batch — every rank's samples —
// instead of its own share: forward all-reduces per-channel sum, sum of
// squares and count; backward all-reduces the sums of dy and dy * x_hat (as
// PyTorch's SyncBatchNorm). It runs the ordinary BatchNorm modules (same
// parameters and buffers, same names), so checkpoints stay interchangeable;
// the layers call batch_norm() instead of the module's forward. The weight
// and bias gradients stay local: the gradient all-reduce averages them.
#include <memory>

#include <torch/torch.h>

#include "hpe3d/core/process_group.h"

namespace hpe3d::models {

// The group to synchronise over (nullptr: off, every BatchNorm is local).
// Process-wide: the trainer sets it once for a data-parallel run.
void set_batch_norm_sync(std::shared_ptr<core::ProcessGroup> group);
// Whether a group is set (the fused CPU BatchNorm path then steps aside).
bool batch_norm_synchronised();

// bn(x), synchronised when a group is set and the module is training.
//   BatchNorm1d: [B, C];  BatchNorm2d: [B, C, H, W]
torch::Tensor batch_norm(torch::nn::BatchNorm1d& bn, const torch::Tensor& x);
torch::Tensor batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x);

}  // namespace hpe3d::models
