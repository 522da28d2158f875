#include "hpe3d/data/image_batches.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/synthetic_source.h"
#include "test_util.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

// A small pose file with one noise frame per row (camera-sized / 4) attached.
struct ImageFixture {
  std::string dir, file;
  ImageOptions options;
  explicit ImageFixture(const std::string& name, int rows_with_images = -1) {
    dir = test::temp_dir(name);
    file = dir + "/s.h5";
    SyntheticOptions synthetic;
    synthetic.poses = 6;
    synthetic.subjects = {1};
    prepare_synthetic(synthetic, file);
    H5File f(file, H5File::Mode::kReadWrite);
    const int64_t n = f.shape("/pose3d")[0];
    auto pose2d = f.read("/pose2d", torch::kFloat32);
    std::vector<std::string> paths;
    auto box = torch::empty({n, 4});
    cv::RNG rng(1);
    for (int64_t i = 0; i < n; ++i) {
      paths.push_back("frames/" + std::to_string(i) + ".png");
      auto lo = std::get<0>(pose2d[i].min(0)), hi = std::get<0>(pose2d[i].max(0));
      box[i] = torch::cat({lo - 50, hi - lo + 100});
      if (rows_with_images >= 0 && i >= rows_with_images) continue;
      cv::Mat frame(250, 250, CV_8UC3);
      rng.fill(frame, cv::RNG::UNIFORM, 0, 255);
      fs::create_directories(dir + "/frames");
      cv::imwrite(dir + "/" + paths.back(), frame);  // PNG: lossless, so crops compare exactly
    }
    f.write_strings("/image", paths);
    f.write("/bbox", box);
    options.root = dir;
    options.size = 32;
  }
};

TEST(ImageBatches, WorkersReturnBatchesInOrderAsTheCallingThreadMakesThem) {
  ImageFixture fx("image_batches_order");
  auto split = load_split(fx.file, {});
  ASSERT_EQ(split.image.size(), 24u);
  ImageBatches batches(split, fx.file, fx.options, {0.1, 0.05, 0.2});
  auto request = [&](int64_t b) {
    auto rows = torch::arange(b * 5, b * 5 + 5, torch::kLong);
    return ImageRequest{rows, rows.remainder(2).eq(1), 100 + static_cast<uint64_t>(b), true};
  };
  batches.start(4, request);
  for (int64_t b = 0; b < 4; ++b) {
    auto got = batches.next();
    auto expected = batches.load(request(b));
    ASSERT_EQ(got.images.sizes(), (std::vector<int64_t>{5, 3, 32, 32}));
    EXPECT_TRUE(torch::equal(got.images, expected.images)) << "batch " << b << ": seeded, order kept";
    EXPECT_TRUE(got.valid.all().item<bool>());
  }
  auto other = request(0);
  other.seed = 999;
  EXPECT_FALSE(torch::equal(batches.load(other).images, batches.load(request(0)).images)) << "seed matters";
  EXPECT_GE(batches.wait_seconds(), 0.0);
}

TEST(ImageBatches, FlipMirrorsTheCropAndTheCacheEqualsDecoding) {
  ImageFixture fx("image_batches_cache");
  auto split = load_split(fx.file, {});
  ImageBatches decoded(split, fx.file, fx.options);
  auto rows = torch::arange(0, 24, torch::kLong);
  auto plain = decoded.load({rows, {}, 0, false});
  auto flipped = decoded.load({rows, torch::ones({24}, torch::kBool), 0, false});
  EXPECT_TRUE(torch::equal(flipped.images, plain.images.flip({3})));
  // The transform after a flip: x -> S - 1 - x.
  auto t0 = plain.transform, t1 = flipped.transform;
  EXPECT_TRUE(torch::allclose(t1.select(1, 0), -t0.select(1, 0)));
  EXPECT_TRUE(torch::allclose(t1.select(1, 2), 31.0 - t0.select(1, 2)));

  CropCacheOptions cache{fx.file, fx.options, fx.dir + "/crops.h5"};
  EXPECT_EQ(write_crop_cache(cache), 24);
  auto cached_options = fx.options;
  cached_options.cache = cache.out;
  auto test_split = load_split(fx.file, {{1}, 2});  // a subset: rows map through file_row
  ImageBatches from_cache(test_split, fx.file, cached_options), from_frames(test_split, fx.file, fx.options);
  ASSERT_TRUE(from_cache.cached());
  auto some = torch::arange(0, test_split.size(), torch::kLong);
  auto a = from_cache.load({some, {}, 5, true}), b = from_frames.load({some, {}, 5, true});
  EXPECT_TRUE(torch::equal(a.images, b.images)) << "cached crops equal decoded crops, augmentation included";
  EXPECT_TRUE(torch::allclose(a.transform, b.transform));

  // A cache of another file is refused, naming the file.
  SyntheticOptions other;
  other.poses = 7;
  other.subjects = {1};
  prepare_synthetic(other, fx.dir + "/other.h5");
  try {
    ImageBatches wrong(load_split(fx.dir + "/other.h5", {}), fx.dir + "/other.h5", cached_options);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("24 crops, but " + fx.dir + "/other.h5 has 28 rows"), std::string::npos)
        << e.what();
  }
  // A cache of another size is refused, naming the key.
  cached_options.size = 64;
  try {
    ImageBatches wrong(test_split, fx.file, cached_options);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.image_size"), std::string::npos) << e.what();
  }
}

TEST(ImageBatches, MissingImagesErrorOrAreSkipped) {
  ImageFixture fx("image_batches_missing", /*rows_with_images=*/20);
  auto split = load_split(fx.file, {});
  try {
    require_images(split, fx.file, fx.options);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("frames/20.png: no such image"), std::string::npos) << e.what();
  }
  auto skip = fx.options;
  skip.missing = "skip";
  auto kept = require_images(split, fx.file, skip);
  EXPECT_EQ(kept.size(), 20);
  EXPECT_EQ(kept.image.size(), 20u);
  EXPECT_EQ(kept.file_row[19].item<int64_t>(), 19);

  // An unreadable file found while training: error names it, skip gives a black crop.
  std::ofstream(fx.dir + "/frames/3.png") << "not a png";
  ImageBatches strict(kept, fx.file, fx.options);
  strict.start(1, [](int64_t) { return ImageRequest{torch::arange(0, 5, torch::kLong), {}, 0, false}; });
  try {
    strict.next();
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("frames/3.png: cannot read the image"), std::string::npos) << e.what();
  }
  ImageBatches lenient(kept, fx.file, skip);
  auto batch = lenient.load({torch::arange(0, 5, torch::kLong), {}, 0, false});
  EXPECT_FALSE(batch.valid[3].item<bool>());
  EXPECT_TRUE(batch.valid[2].item<bool>());
  EXPECT_EQ(batch.images[3].max().item<int>(), 0);
  EXPECT_EQ(lenient.skipped(), 1);
  auto readable = readable_rows(batch, torch::kCPU);  // what consumers keep
  ASSERT_TRUE(readable.defined());
  EXPECT_TRUE(torch::equal(readable, torch::tensor({0, 1, 2, 4}, torch::kLong)));
  EXPECT_FALSE(readable_rows(lenient.load({torch::arange(5, 10, torch::kLong), {}, 0, false}), torch::kCPU).defined());
  // A file without images at all.
  SyntheticOptions synthetic;
  synthetic.poses = 2;
  prepare_synthetic(synthetic, fx.dir + "/bare.h5");
  try {
    require_images(load_split(fx.dir + "/bare.h5", {}), fx.dir + "/bare.h5", fx.options);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bare.h5 has no /image"), std::string::npos) << e.what();
  }
}

// libjpeg's reduced decoding must follow the frame's own resolution: a frame
// stored at a quarter of the camera's size may only be reduced by 2 here.
TEST(ImageBatches, ReducedJpegDecodingFollowsTheFrameResolution) {
  ImageFixture fx("image_batches_jpeg");
  auto split = load_split(fx.file, {});
  const float width = split.camera_width[0].item<float>();
  for (double scale : {1.0, 0.25}) {
    // Random colour blocks of 62 camera px: blur from over-reduction shows at their edges.
    const int w = static_cast<int>(width * scale);
    cv::Mat small(16, 16, CV_8UC3), frame;
    cv::RNG(3).fill(small, cv::RNG::UNIFORM, 0, 255);
    cv::resize(small, frame, cv::Size(w, w), 0, 0, cv::INTER_NEAREST);
    cv::imwrite(fx.dir + "/frame.jpg", frame, {cv::IMWRITE_JPEG_QUALITY, 98});
    split.image.assign(split.image.size(), "frame.jpg");
    split.bbox[0] = torch::tensor({0.3f * width, 0.3f * width, 0.4f * width, 0.4f * width});  // 400 camera px
    auto options = fx.options;  // 32 px crops
    ImageBatches batches(split, fx.file, options);
    auto got = batches.load({torch::zeros({1}, torch::kLong), {}, 0, false});
    auto b = split.bbox[0];
    cv::Mat full = cv::imread(fx.dir + "/frame.jpg"), rgb;
    cv::cvtColor(crop_square(full, {b[0].item<float>(), b[1].item<float>(), b[2].item<float>(), b[3].item<float>()},
                             scale, 32),
                 rgb, cv::COLOR_BGR2RGB);
    auto expected = torch::from_blob(rgb.data, {32, 32, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat32);
    // The window snaps to whole pixels of the reduced frame (the transform
    // follows it exactly), so compare sharpness, not pixels: over-reduction
    // upsamples a smaller crop and flattens the block edges.
    auto edges = [](const torch::Tensor& image) {
      auto x = image.to(torch::kFloat32);
      return (x.narrow(2, 1, 31) - x.narrow(2, 0, 31)).abs().mean().item<double>();
    };
    EXPECT_GT(edges(got.images[0]), 0.8 * edges(expected)) << "frame scale " << scale << ": a blurred crop";
    EXPECT_LT((got.images[0].to(torch::kFloat32) - expected).abs().mean().item<double>(), 20.0);
  }
}

}  // namespace
}  // namespace hpe3d::data
