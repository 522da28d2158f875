#pragma once
// Where the training steps' data come from: the training and test splits of
// the pose file (preloaded on the device, DESIGN.md 3.3), the normalisation
// statistics of the training split, the epoch's order (EpochSampler), its
// left/right flips and, for rgb pairs, the prefetched image crops. next()
// returns one batch, normalised and keyed by modality, ready for an objective.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/normalizer.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/models/modality.h"
#include "hpe3d/train/epoch_sampler.h"

namespace hpe3d::train {

// One training batch of B samples, as the model sees them.
struct Batch {
  // Encoder inputs: pose2d [B, 34], pose3d [B, 48] (normalised), rgb [B, 3, S, S]
  // float (ImageNet-normalised; only when the epoch reads images).
  std::map<models::Modality, torch::Tensor> inputs;
  // Decoder targets: the poses as their inputs, rgb in the Tanh range [-1, 1].
  std::map<models::Modality, torch::Tensor> targets;

  const torch::Tensor& input(models::Modality m) const;   // TORCH_CHECKs presence
  const torch::Tensor& target(models::Modality m) const;
};

struct BatchSourceOptions {
  std::string file;                   // data.file
  data::SplitOptions train, test;     // subjects, stride, 2D root-centring, 2D input
  int64_t batch_size = 256;
  uint64_t seed = 0;                  // train.seed: order, flips and crop augmentation
  bool flip = false;                  // data.flip
  int64_t joints_2d = 17;             // model.joints_2d: 16 drops Neck/Nose from the 2D poses (data::select_joints_2d)
  bool images = false;                // some pair (or the eval pair) reads rgb
  data::ImageOptions image;           // images only
  data::AugmentRanges augment;        // training crops only
  int rank = 0, world = 1;            // this process's shard of every epoch
  torch::Device device{torch::kCPU};
};

// The options a config asks for.
BatchSourceOptions batch_source_options(const core::ExperimentConfig& config, bool images, torch::Device device);

class BatchSource {
 public:
  // Loads both splits (CPU) and fits the normalisers on the training split.
  // Throws core::InputError naming the file or key (too few samples, no images).
  explicit BatchSource(BatchSourceOptions options);
  ~BatchSource();
  BatchSource(const BatchSource&) = delete;  // the image loaders hold references to the splits
  BatchSource& operator=(const BatchSource&) = delete;

  // A resumed run's statistics (those of its checkpoint).
  void set_normalizers(data::Normalizer norm2d, data::Normalizer norm3d);
  // Moves splits and statistics to the device and starts the image loaders.
  void to_device();

  // Starts epoch `epoch` at batch `first_batch` (a resumed epoch continues);
  // `with_images`: the epoch's pairs read rgb, so its crops are prefetched.
  void start_epoch(int64_t epoch, int64_t first_batch, bool with_images);
  // Batch `index` of the started epoch (indices rise by one from first_batch).
  // std::nullopt when fewer than two of its images were readable (missing:
  // skip): batch norm needs two samples, so the step trains nothing.
  std::optional<Batch> next(int64_t index);

  int64_t steps_per_epoch() const;
  const data::PoseSplit& train_split() const { return train_; }
  const data::PoseSplit& test_split() const { return test_; }
  const data::Normalizer& norm2d() const { return norm2d_; }
  const data::Normalizer& norm3d() const { return norm3d_; }
  data::ImageBatches* test_images() { return test_images_.get(); }
  bool has_images() const { return options_.images; }
  double data_wait_seconds() const { return data_wait_seconds_; }  // blocked on crops, in all
  int64_t images_skipped() const;                                   // unreadable training crops so far

 private:
  Batch make_batch(const torch::Tensor& pose2d, const torch::Tensor& pose3d, const torch::Tensor& images) const;

  BatchSourceOptions options_;
  data::PoseSplit train_, test_;
  data::Normalizer norm2d_, norm3d_;
  std::unique_ptr<data::ImageBatches> train_images_, test_images_;
  torch::Tensor order_;         // [steps * B] int64 on the device: this rank's rows of the epoch, in order
  torch::Tensor flips_device_;  // [N] bool on the device: the epoch's flip of each training sample
  bool epoch_images_ = false;
  double data_wait_seconds_ = 0.0;
};

}  // namespace hpe3d::train
