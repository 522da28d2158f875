#include "hpe3d/train/batch_source.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (fmt 11 moved it here)

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/core/seed.h"

namespace hpe3d::train {

using models::Modality;

const torch::Tensor& Batch::input(Modality m) const {
  auto it = inputs.find(m);
  TORCH_CHECK(it != inputs.end(), "Batch: no ", models::modality_name(m), " input in this batch");
  return it->second;
}

const torch::Tensor& Batch::target(Modality m) const {
  auto it = targets.find(m);
  TORCH_CHECK(it != targets.end(), "Batch: no ", models::modality_name(m), " target in this batch");
  return it->second;
}

BatchSourceOptions batch_source_options(const core::ExperimentConfig& c, bool images, torch::Device device) {
  BatchSourceOptions o;
  o.file = c.data.file;
  o.train = {c.data.train_subjects, c.data.train_stride, c.data.root_centre_2d, c.data.input_2d};
  o.test = {c.data.test_subjects, c.data.test_stride, c.data.root_centre_2d, c.data.input_2d};
  o.batch_size = c.train.batch_size;
  o.seed = c.train.seed;
  o.flip = c.data.flip;
  o.joints_2d = c.model.joints_2d;
  o.images = images;
  if (images) {
    o.image = data::image_options(c);
    o.image.pinned = device.is_cuda();
    o.augment = data::augment_ranges(c.data.images);
  }
  o.device = device;
  return o;
}

BatchSource::BatchSource(BatchSourceOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  train_ = data::load_split(o.file, o.train);
  test_ = data::load_split(o.file, o.test);
  if (o.images) {
    train_ = data::require_images(train_, o.file, o.image);
    test_ = data::require_images(test_, o.file, o.image);
  }
  if (train_.size() / o.world < o.batch_size)
    core::fail("train.batch_size", std::to_string(o.batch_size) + " is more than the " +
                                       std::to_string(train_.size()) + " training samples of " + o.file);
  norm2d_ = data::Normalizer::fit(train_.pose2d);
  norm3d_ = data::Normalizer::fit(train_.pose3d);
  core::logger("train")->info("data {}: {} training samples (subjects {}), {} test samples", o.file, train_.size(),
                              fmt::join(o.train.subjects, ","), test_.size());
}

BatchSource::~BatchSource() = default;

void BatchSource::set_normalizers(data::Normalizer norm2d, data::Normalizer norm3d) {
  norm2d_ = std::move(norm2d);
  norm3d_ = std::move(norm3d);
}

void BatchSource::to_device() {
  const auto& o = options_;
  train_ = train_.to(o.device);
  test_ = test_.to(o.device);
  if (o.images) {
    train_images_ = std::make_unique<data::ImageBatches>(train_, o.file, o.image, o.augment);
    test_images_ = std::make_unique<data::ImageBatches>(test_, o.file, o.image);
    core::logger("train")->info("images: {} px crops from {}, {} worker(s)", o.image.size,
                                o.image.cache.empty() ? "the frames under " + o.image.root : "the cache " + o.image.cache,
                                o.image.workers);
  }
  norm2d_ = norm2d_.to(o.device);
  norm3d_ = norm3d_.to(o.device);
}

int64_t BatchSource::steps_per_epoch() const {
  return EpochSampler{options_.seed, 0, options_.rank, options_.world}.steps(train_.size(), options_.batch_size);
}

int64_t BatchSource::images_skipped() const { return train_images_ ? train_images_->skipped() : 0; }

// The order and flips are pure functions of (seed, epoch), so a resumed
// epoch draws exactly what the uninterrupted one drew.
void BatchSource::start_epoch(int64_t epoch, int64_t first_batch, bool with_images) {
  const auto& o = options_;
  const int64_t n = train_.size();
  auto order = EpochSampler{o.seed, epoch, o.rank, o.world}.shard(n);
  order_ = order.to(o.device);
  torch::Tensor flips;
  if (o.flip) {
    auto gen = at::detail::createCPUGenerator(core::batch_seed(o.seed, epoch, core::kFlipStream));
    flips = torch::rand({n}, gen, torch::kFloat32) < 0.5;
    flips_device_ = flips.to(o.device);
  }
  epoch_images_ = with_images && train_images_ != nullptr;
  if (!epoch_images_) return;
  const int64_t bs = o.batch_size, steps = steps_per_epoch();
  const uint64_t seed = o.seed;
  const int64_t rank = o.rank, world = o.world;  // each rank's crops draw their own jitter
  train_images_->start(steps - first_batch, [=](int64_t k) {
    auto rows = order.narrow(0, (first_batch + k) * bs, bs);
    return data::ImageRequest{rows, flips.defined() ? flips.index_select(0, rows) : torch::Tensor(),
                              core::batch_seed(seed, epoch, (first_batch + k) * world + rank), true};
  });
}

std::optional<Batch> BatchSource::next(int64_t index) {
  const auto& o = options_;
  const int64_t bs = o.batch_size;
  auto idx = order_.narrow(0, index * bs, bs);
  auto p2 = train_.pose2d.index_select(0, idx);
  auto p3 = train_.pose3d.index_select(0, idx);
  torch::Tensor images, keep;
  if (epoch_images_) {
    const double before = train_images_->wait_seconds();
    auto batch = train_images_->next();
    data_wait_seconds_ += train_images_->wait_seconds() - before;
    images = batch.images.to(o.device, /*non_blocking=*/true);  // page-locked on CUDA runs
    // The crops' zoom and shift move the 2D pose too (before the flip, as in the crops).
    p2 = data::jitter_pose2d(p2, batch.pose_jitter, o.train.root_centre_2d);
    keep = data::readable_rows(batch, o.device);  // data.images.missing: skip
  }
  if (o.flip) {
    auto f2 = p2.clone(), f3 = p3.clone();
    data::flip_batch(f2, f3, train_.centre_x.index_select(0, idx), o.train.root_centre_2d);
    auto mask = flips_device_.index_select(0, idx).view({bs, 1, 1});
    p2 = torch::where(mask, f2, p2);
    p3 = torch::where(mask, f3, p3);
  }
  if (keep.defined()) {
    if (keep.numel() < 2) return std::nullopt;
    p2 = p2.index_select(0, keep);
    p3 = p3.index_select(0, keep);
    images = images.index_select(0, keep);
  }
  return make_batch(p2, p3, images);
}

Batch BatchSource::make_batch(const torch::Tensor& pose2d, const torch::Tensor& pose3d,
                              const torch::Tensor& images) const {
  Batch b;
  b.inputs[Modality::kPose2d] = b.targets[Modality::kPose2d] =
      data::select_joints_2d(norm2d_.normalize(pose2d), options_.joints_2d);
  b.inputs[Modality::kPose3d] = b.targets[Modality::kPose3d] = norm3d_.normalize(pose3d);
  if (images.defined()) {
    b.inputs[Modality::kRgb] = data::imagenet_normalize(images);
    b.targets[Modality::kRgb] = data::to_unit_range(images);
  }
  return b;
}

}  // namespace hpe3d::train
