#include "hpe3d/data/image_batches.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/core/seed.h"
#include "hpe3d/data/h5_file.h"

namespace fs = std::filesystem;

namespace hpe3d::data {
namespace {

constexpr const char* kCropFormat = "hpe3d-crops";

// Width of a JPEG from its start-of-frame marker (0 if not found).
int jpeg_width(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  auto byte = [&] { return f.get(); };
  if (byte() != 0xFF || byte() != 0xD8) return 0;
  while (f) {
    int b = byte();
    if (b != 0xFF) continue;
    int marker = byte();
    while (marker == 0xFF) marker = byte();
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    const int length = (byte() << 8) | byte();
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      byte();  // precision
      byte(), byte();  // height
      return (byte() << 8) | byte();
    }
    f.seekg(length - 2, std::ios::cur);
  }
  return 0;
}

// libjpeg decodes at 1/2, 1/4, 1/8 resolution for a fraction of the cost:
// the largest reduction that still leaves the box (in the frame's own
// pixels) at least `size` px wide.
int imread_flags(const std::string& path, double box_camera_px, double camera_width, int size) {
  const auto ext = fs::path(path).extension().string();
  if (ext != ".jpg" && ext != ".jpeg" && ext != ".JPG") return cv::IMREAD_COLOR;
  const int width = jpeg_width(path);
  if (width <= 0) return cv::IMREAD_COLOR;
  const double box_px = box_camera_px * width / camera_width;
  if (box_px >= 8.0 * size) return cv::IMREAD_REDUCED_COLOR_8;
  if (box_px >= 4.0 * size) return cv::IMREAD_REDUCED_COLOR_4;
  if (box_px >= 2.0 * size) return cv::IMREAD_REDUCED_COLOR_2;
  return cv::IMREAD_COLOR;
}

}  // namespace

ImageOptions image_options(const core::ExperimentConfig& c) {
  const auto& i = c.data.images;
  return {i.root, i.cache, c.model.image_size, i.workers, i.queue, i.missing};
}

AugmentRanges augment_ranges(const core::ImagesConfig& i) { return {i.scale_jitter, i.shift_jitter, i.colour_jitter}; }

// HDF5 (serial build) is not thread-safe: the workers take turns.
struct ImageBatches::Cache {
  H5File file;
  std::mutex mutex;
  torch::Tensor valid;  // [rows] uint8
  explicit Cache(const std::string& path) : file(path, H5File::Mode::kRead) {}
};

ImageBatches::ImageBatches(const PoseSplit& split, const std::string& pose_file, ImageOptions options,
                           AugmentRanges augment)
    : split_(split), pose_file_(pose_file), options_(std::move(options)), ranges_(augment) {
  if (options_.size < 8) core::fail("model.image_size", "crops need at least 8 px");
  if (options_.workers < 1) core::fail("data.images.workers", "must be >= 1");
  if (options_.queue < 1) core::fail("data.images.queue", "must be >= 1");
  if (options_.missing != "error" && options_.missing != "skip")
    core::fail("data.images.missing", "expected one of error|skip, got \"" + options_.missing + "\"");
  if (!options_.cache.empty()) {
    cache_ = std::make_unique<Cache>(options_.cache);
    auto& f = cache_->file;
    if (!f.has_attribute("/", "format") || f.read_string_attribute("/", "format") != kCropFormat)
      core::fail(options_.cache, "not a crop cache (write one with h36m-prepare cache-crops)");
    const auto shape = f.shape("/crops");
    if (shape.size() != 4 || shape[1] != options_.size || shape[2] != options_.size || shape[3] != 3)
      core::fail(options_.cache + ": /crops", "holds " + std::to_string(shape.size() == 4 ? shape[1] : 0) +
                                                  " px crops, the model needs " + std::to_string(options_.size) +
                                                  " (model.image_size)");
    const int64_t pose_rows = H5File(pose_file_, H5File::Mode::kRead).shape("/pose3d")[0];
    if (f.read_int_attribute("/", "rows") != pose_rows || shape[0] != pose_rows)
      core::fail(options_.cache, std::to_string(shape[0]) + " crops, but " + pose_file_ + " has " +
                                     std::to_string(pose_rows) + " rows (a cache of another file? rewrite it with "
                                     "h36m-prepare cache-crops)");
    // Crops of other boxes (images attached again with another margin, say) are stale.
    if (!f.exists("/bbox"))
      core::fail(options_.cache, "has no /bbox (written by an older hpe3d): rewrite it with h36m-prepare cache-crops");
    if (!split_.bbox.defined())
      core::fail(pose_file_ + ": /bbox", "no boxes attached, so the cache cannot be checked (h36m-prepare attach-images)");
    auto boxes = f.read("/bbox", torch::kFloat32).index_select(0, split_.file_row.cpu());
    if (!torch::equal(boxes, split_.bbox.cpu()))
      core::fail(options_.cache, "its crops were cut from other boxes than " + pose_file_ +
                                     " now holds (images attached again?): rewrite it with h36m-prepare cache-crops");
    cache_->valid = f.read("/valid", torch::kUInt8);
  } else if (split_.image.empty()) {
    core::fail(pose_file_ + ": /image", "no images attached (h36m-prepare attach-images or render)");
  }
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { work(); });
}

ImageBatches::~ImageBatches() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) t.join();
}

int64_t ImageBatches::skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return skipped_;
}

cv::Mat ImageBatches::read_crop(int64_t row, CropTransform* transform, bool* valid) {
  const int s = options_.size;
  CropTransform t;
  bool ok = true;
  cv::Mat rgb;
  if (cache_) {
    const int64_t file_row = split_.file_row.accessor<int64_t, 1>()[row];
    torch::Tensor crop, tr;
    {
      std::lock_guard<std::mutex> lock(cache_->mutex);
      crop = cache_->file.read_rows("/crops", torch::kUInt8, file_row, 1);
      tr = cache_->file.read_rows("/transform", torch::kFloat64, file_row, 1);
    }
    ok = cache_->valid.accessor<uint8_t, 1>()[file_row] != 0;
    if (!ok && options_.missing == "error")
      core::fail(options_.cache, "crop of row " + std::to_string(file_row) +
                                     " is empty: its image was unreadable when the cache was written");
    rgb = cv::Mat(s, s, CV_8UC3, crop.data_ptr<uint8_t>()).clone();
    auto a = tr.accessor<double, 2>();
    t = {a[0][0], a[0][1], a[0][2], a[0][3]};
  } else {
    const std::string path = (fs::path(options_.root) / split_.image[static_cast<size_t>(row)]).string();
    const auto b = split_.bbox.accessor<float, 2>()[row];
    const std::array<float, 4> box{b[0], b[1], b[2], b[3]};
    const double camera_width = split_.camera_width.accessor<float, 1>()[row];
    cv::Mat frame = cv::imread(path, imread_flags(path, std::max(box[2], box[3]), camera_width, s));
    if (frame.empty()) {
      if (options_.missing == "error") core::fail(path, "cannot read the image (data.images.missing: error)");
      ok = false;
      rgb = cv::Mat(s, s, CV_8UC3, cv::Scalar::all(0));
    } else {
      const double frame_scale = frame.cols / camera_width;
      cv::Mat bgr = crop_square(frame, box, frame_scale, s, &t);
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    }
  }
  if (!ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++skipped_;
  }
  *transform = t;
  *valid = ok;
  return rgb;
}

ImageBatch ImageBatches::make(const ImageRequest& r) {
  const int64_t b = r.rows.numel();
  ImageBatch out;
  auto images = torch::empty({b, options_.size, options_.size, 3}, torch::kUInt8);
  out.valid = torch::empty({b}, torch::kBool);
  out.transform = torch::empty({b, 4}, torch::kFloat64);
  out.pose_jitter = torch::empty({b, 4}, torch::kFloat64);
  auto rows = r.rows.to(torch::kCPU).to(torch::kLong).contiguous();
  auto flips = r.flips.defined() ? r.flips.to(torch::kCPU).to(torch::kBool).contiguous() : torch::Tensor();
  auto row = rows.accessor<int64_t, 1>();
  auto valid = out.valid.accessor<bool, 1>();
  auto transform = out.transform.accessor<double, 2>(), jitter = out.pose_jitter.accessor<double, 2>();
  const int64_t crop_bytes = int64_t{options_.size} * options_.size * 3;
  for (int64_t i = 0; i < b; ++i) {
    CropAugment a = r.augment ? draw_augment(ranges_, core::splitmix64(r.seed ^ core::splitmix64(static_cast<uint64_t>(i)))) : CropAugment{};
    a.flip = flips.defined() && flips.accessor<bool, 1>()[i];
    CropTransform t;
    bool ok = true;
    cv::Mat rgb = read_crop(row[i], &t, &ok);
    const auto j = pose_jitter(a, t, options_.size);
    augment_crop(rgb, a, &t);
    TORCH_CHECK(rgb.isContinuous() && rgb.total() * rgb.elemSize() == static_cast<size_t>(crop_bytes),
                "ImageBatches: unexpected crop layout");
    std::memcpy(images.data_ptr<uint8_t>() + i * crop_bytes, rgb.data, static_cast<size_t>(crop_bytes));
    valid[i] = ok;
    const double tv[4] = {t.sx, t.sy, t.tx, t.ty}, jv[4] = {j.sx, j.sy, j.tx, j.ty};
    for (int k = 0; k < 4; ++k) {
      transform[i][k] = tv[k];
      jitter[i][k] = jv[k];
    }
  }
  // Channels first, into page-locked memory on CUDA runs (an asynchronous copy to the GPU).
  out.images = torch::empty({b, 3, options_.size, options_.size},
                            torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(options_.pinned));
  out.images.copy_(images.permute({0, 3, 1, 2}));
  return out;
}

ImageBatch ImageBatches::load(const ImageRequest& request) { return make(request); }

int64_t ImageBatches::start_in_order(int64_t batch_size) {
  const int64_t n = split_.size(), count = (n + batch_size - 1) / batch_size;
  start(count, [n, batch_size](int64_t b) {
    return ImageRequest{torch::arange(b * batch_size, std::min(n, (b + 1) * batch_size), torch::kLong), {}, 0, false};
  });
  return count;
}

void ImageBatches::start(int64_t count, std::function<ImageRequest(int64_t)> request) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    request_ = std::move(request);
    count_ = count;
    next_to_make_ = next_to_return_ = 0;
    ++generation_;
    done_.clear();
    error_ = nullptr;
  }
  changed_.notify_all();
}

void ImageBatches::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] {
      return stop_ || (next_to_make_ < count_ && next_to_make_ < next_to_return_ + options_.queue);
    });
    if (stop_) return;
    const int64_t b = next_to_make_++;
    const int64_t generation = generation_;
    auto request = request_;
    lock.unlock();
    ImageBatch batch;
    std::exception_ptr error;
    try {
      batch = make(request(b));
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (generation != generation_) continue;  // a newer start() dropped this batch
    if (error && !error_) error_ = error;
    if (!error) done_[b] = std::move(batch);
    changed_.notify_all();
  }
}

ImageBatch ImageBatches::next() {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  TORCH_CHECK(next_to_return_ < count_, "ImageBatches::next: no batch left (call start first)");
  changed_.wait(lock, [&] { return error_ || done_.count(next_to_return_) > 0; });
  if (error_) std::rethrow_exception(error_);
  auto batch = std::move(done_[next_to_return_]);
  done_.erase(next_to_return_++);
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  lock.unlock();
  changed_.notify_all();
  return batch;
}

PoseSplit require_images(const PoseSplit& split, const std::string& pose_file, const ImageOptions& options,
                         const std::string& key) {
  if (!options.cache.empty()) return split;  // the cache holds every row (and marks unreadable ones)
  if (split.image.empty() || !split.bbox.defined())
    core::fail(key, pose_file + " has no /image and /bbox (h36m-prepare attach-images or render)");
  auto keep = torch::ones({split.size()}, torch::kBool);
  int64_t missing = 0;
  for (size_t i = 0; i < split.image.size(); ++i) {
    const auto path = fs::path(options.root) / split.image[i];
    if (fs::exists(path)) continue;
    if (options.missing == "error")
      core::fail(path.string(), "no such image (data.images.missing: error; skip drops such samples)");
    keep[static_cast<int64_t>(i)] = false;
    ++missing;
  }
  if (missing == 0) return split;
  core::logger("data")->warn("{}: {} of {} samples have no image under {}: skipped", pose_file, missing,
                             split.size(), options.root);
  return select_samples(split, keep);
}

torch::Tensor jitter_pose2d(const torch::Tensor& pose2d, const torch::Tensor& pose_jitter, bool root_centred) {
  auto j = pose_jitter.to(pose2d.device(), pose2d.scalar_type());
  auto moved = pose2d * j.narrow(1, 0, 2).unsqueeze(1);
  return root_centred ? moved : moved + j.narrow(1, 2, 2).unsqueeze(1);  // a shift leaves root-centred poses alone
}

torch::Tensor readable_rows(const ImageBatch& batch, const torch::Device& device) {
  if (batch.valid.all().item<bool>()) return {};
  return batch.valid.nonzero().flatten().to(device);
}

torch::Tensor imagenet_normalize(const torch::Tensor& images) {
  auto mean = torch::tensor({0.485, 0.456, 0.406}, images.options().dtype(torch::kFloat32)).view({1, 3, 1, 1});
  auto std = torch::tensor({0.229, 0.224, 0.225}, images.options().dtype(torch::kFloat32)).view({1, 3, 1, 1});
  return (images.to(torch::kFloat32) / 255.0 - mean) / std;
}

torch::Tensor to_unit_range(const torch::Tensor& images) { return images.to(torch::kFloat32) / 127.5 - 1.0; }

int64_t write_crop_cache(const CropCacheOptions& o) {
  if (o.out.empty()) core::fail("--out", "an output .h5 path is required");
  ImageOptions images = o.images;
  images.cache.clear();
  images.missing = "skip";  // unreadable frames become black crops marked in /valid
  const auto split = load_split(o.data, {});
  const int64_t n = split.size(), s = images.size, batch = 64;
  const std::string tmp = o.out + ".tmp";
  int64_t unreadable = 0;
  try {
    H5File f(tmp, H5File::Mode::kCreate);
    f.write_attribute("/", "format", kCropFormat);
    f.write_attribute("/", "size", s);
    f.write_attribute("/", "rows", n);
    f.write_attribute("/", "source", o.data);
    f.create_appendable("/crops", torch::kUInt8, {s, s, 3}, 1, 4);
    f.create_appendable("/transform", torch::kFloat64, {4}, 4096);
    f.create_appendable("/valid", torch::kUInt8, {}, 4096);
    ImageBatches batches(split, o.data, images);  // names a file without /image and /bbox
    f.write("/bbox", split.bbox.contiguous());
    const int64_t count = batches.start_in_order(batch);
    for (int64_t b = 0; b < count; ++b) {
      auto next = batches.next();
      f.append("/crops", next.images.permute({0, 2, 3, 1}).contiguous());
      f.append("/transform", next.transform);
      f.append("/valid", next.valid.to(torch::kUInt8));
    }
    unreadable = batches.skipped();
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, o.out);
  core::logger("data")->info("wrote {}: {} crops of {} px ({} frames missing or unreadable)", o.out, n, s,
                             unreadable);
  return n;
}

}  // namespace hpe3d::data
