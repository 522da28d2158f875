#pragma once
// The one batched inference loop over a split: validation during training,
// h36m-eval and h36m-export-latent all encode their samples through it. It
// walks the split in order without gradients, reads the rgb crops when the
// encoded modality is rgb (leaving out samples whose image is unreadable,
// data.images.missing: skip), and hands each batch with its posterior
// q(z|x) and, when asked, its deterministic prediction to the caller.
#include <cstdint>
#include <functional>
#include <optional>

#include <torch/torch.h>

#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/eval/trained_model.h"
#include "hpe3d/models/modality.h"
#include "hpe3d/models/posterior.h"

namespace hpe3d::eval {

// Crops are decoded on the host and a 256 px crop batch of 256 is already
// 50 MB of uint8 (and far more as ResNet activations): rgb batches are capped
// here, whatever the batch size asked for. Poses take the size asked for.
inline constexpr int64_t kImageBatchCap = 256;
int64_t inference_batch_size(models::Modality from, int64_t requested);

// One batch of the split, the unreadable-image rows left out.
struct SplitBatch {
  torch::Tensor rows;      // [b] int64, CPU: the split rows of this batch
  torch::Tensor pose2d;    // [b, 17, 2] px on the model's device (as the split holds it)
  torch::Tensor pose3d;    // [b, 16, 3] mm, root-relative, on the model's device
  torch::Tensor images;    // [b, 3, S, S] uint8 on the model's device (rgb), else undefined
  models::Posterior posterior;  // q(z|x) of `from`: [b, Z]; undefined for a model without a latent
  torch::Tensor prediction;     // [b, F] normalised: predict(from, to) when options.to is set
};

struct SplitInferenceOptions {
  models::Modality from = models::Modality::kPose2d;  // the encoded modality
  int64_t batch_size = 4096;                          // before the rgb cap
  std::optional<models::Modality> to;                 // set: also the deterministic prediction of `to`
};

// Calls `visit` for every non-empty batch, in split order, with gradients
// off and the model in eval mode (the caller's mode is restored). `images`
// must be the split's crops when `from` is rgb. Returns the number of samples
// left out for unreadable images.
int64_t evaluate_split(TrainedModel& model, const data::PoseSplit& split, data::ImageBatches* images,
                       const SplitInferenceOptions& options, const std::function<void(const SplitBatch&)>& visit);

}  // namespace hpe3d::eval
