#pragma once
// RGB crops of a split, batch by batch, made by background worker threads
// (DESIGN.md 3.3): JPEG decoding (libjpeg's reduced-size decoding where the
// crop allows it), square crop around the sample's box, resize to S, seeded
// augmentation; or the same crops read from a cache file written by
// `h36m-prepare cache-crops`. Batches are requested up front and come back in
// request order through a bounded queue, so a training step only waits when
// the workers fall behind (wait_seconds() tells).
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/core/experiment_config.h"
#include "hpe3d/data/image_crop.h"
#include "hpe3d/data/pose_split.h"

namespace hpe3d::data {

struct ImageOptions {
  std::string root;               // the file's /image paths are relative to it
  std::string cache;              // crops file of h36m-prepare cache-crops ("": decode the frames)
  int size = 128;                 // crop side S, px
  int workers = 2;                // decoding threads
  int queue = 4;                  // batches made ahead of the consumer
  std::string missing = "error";  // error: stop naming the file; skip: count it, leave the sample out
  bool pinned = false;            // batches in page-locked memory (CUDA runs: asynchronous copies to the GPU)
};

// data.images of an experiment (crop side: model.image_size).
ImageOptions image_options(const core::ExperimentConfig& config);
AugmentRanges augment_ranges(const core::ImagesConfig& images);

// One batch: rows of the split, a flip per row (the pose flip), and the
// augmentation seed of the batch (augment = false: the plain crop).
struct ImageRequest {
  torch::Tensor rows;   // [B] int64, CPU
  torch::Tensor flips;  // [B] bool, CPU, or undefined (no flips)
  uint64_t seed = 0;
  bool augment = false;
};

struct ImageBatch {
  torch::Tensor images;     // [B, 3, S, S] uint8 RGB
  torch::Tensor valid;      // [B] bool: false where the image was unreadable (missing: skip) - a black crop,
                            // which consumers drop (readable_rows)
  torch::Tensor transform;  // [B, 4] float64: sx, sy, tx, ty of each CropTransform (camera px -> crop px)
  torch::Tensor pose_jitter;  // [B, 4] float64: each crop's zoom and shift as a camera px -> camera px map
                              // (pose_jitter in image_crop.h; identity without augmentation)
};

class ImageBatches {
 public:
  // `pose_file` is the split's file (named in errors, checked against the cache).
  ImageBatches(const PoseSplit& split, const std::string& pose_file, ImageOptions options,
               AugmentRanges augment = {});
  ~ImageBatches();  // stops the workers
  ImageBatches(const ImageBatches&) = delete;
  ImageBatches& operator=(const ImageBatches&) = delete;

  // Queues `count` batches; request(b) describes batch b (called by the
  // workers, so it must be thread-safe: read-only captures). Drops batches
  // of an earlier start that were not consumed.
  void start(int64_t count, std::function<ImageRequest(int64_t)> request);
  // Queues every row of the split in order, batch_size rows a batch (the last
  // one shorter), unaugmented and unflipped: evaluation, export, caching.
  // Returns the number of batches.
  int64_t start_in_order(int64_t batch_size);
  // The next batch in order. Rethrows a worker's error (core::InputError
  // naming the image).
  ImageBatch next();

  // One batch made on the calling thread (tests, figures).
  ImageBatch load(const ImageRequest& request);

  double wait_seconds() const { return wait_seconds_; }  // time next() blocked, in all
  int64_t skipped() const;                              // unreadable images so far (black crops, marked invalid)
  bool cached() const { return !options_.cache.empty(); }

 private:
  void work();
  ImageBatch make(const ImageRequest& request);
  // RGB S x S crop of split row `row`, unaugmented, and its transform; false
  // in *valid for an unreadable image (missing: skip; a black crop).
  cv::Mat read_crop(int64_t row, CropTransform* transform, bool* valid);

  const PoseSplit& split_;
  std::string pose_file_;
  ImageOptions options_;
  AugmentRanges ranges_;
  struct Cache;
  std::unique_ptr<Cache> cache_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::function<ImageRequest(int64_t)> request_;
  int64_t count_ = 0, next_to_make_ = 0, next_to_return_ = 0, generation_ = 0;
  std::map<int64_t, ImageBatch> done_;
  std::exception_ptr error_;
  bool stop_ = false;
  int64_t skipped_ = 0;
  double wait_seconds_ = 0.0;
  std::vector<std::thread> threads_;
};

// The 2D poses [B, 17, 2] (camera px, unflipped) moved as the batch's crops
// were zoomed and shifted, so that 2D input and image agree; root-centred
// poses only scale.
torch::Tensor jitter_pose2d(const torch::Tensor& pose2d, const torch::Tensor& pose_jitter, bool root_centred);

// Indices [K] int64 on `device` of the rows of `batch` whose image was read,
// or an undefined tensor when all were (nothing to drop: the usual case).
torch::Tensor readable_rows(const ImageBatch& batch, const torch::Device& device);

// Drops the samples whose image file is missing under options.root
// (missing: skip, reported in the log) or fails naming the first one
// (missing: error). A file without /image is an error naming `key`.
PoseSplit require_images(const PoseSplit& split, const std::string& pose_file, const ImageOptions& options,
                         const std::string& key = "data.images");

// uint8 [B, 3, S, S] RGB -> float: ImageNet mean/std (encoder input) or
// [-1, 1] (the image decoder's Tanh range, its reconstruction target).
torch::Tensor imagenet_normalize(const torch::Tensor& images);
torch::Tensor to_unit_range(const torch::Tensor& images);

// The crop cache: /crops uint8 [N, S, S, 3] RGB (chunked per crop, deflate),
// /valid uint8 [N], /transform float64 [N, 4] (camera px -> crop px), /bbox
// float32 [N, 4] (the boxes cut, checked against the pose file's), root
// attributes format "hpe3d-crops", size, rows, source. Rows follow the pose
// file's rows; crops are unaugmented.
struct CropCacheOptions {
  std::string data;  // pose file
  ImageOptions images;
  std::string out;
};
// Returns the number of crops written; the file appears only when complete.
int64_t write_crop_cache(const CropCacheOptions& options);

}  // namespace hpe3d::data
