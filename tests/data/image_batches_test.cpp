#include "hpe3d/data/image_batches.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/image_layout.h"
#include "hpe3d/data/pose_render.h"
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
    test::write_synthetic(file, 6, {1});
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

// Zoom and shift jitter moves the 2D pose with the crop: through the plain
// crop's transform the moved pose lands where the augmented crop shows the
// original joints; root-centred poses only scale.
TEST(ImageBatches, JitterMovesThe2DPoseWithTheCrop) {
  ImageFixture fx("image_batches_jitter");
  auto split = load_split(fx.file, {});
  ImageBatches batches(split, fx.file, fx.options, {0.2, 0.1, 0.0});
  auto rows = torch::arange(0, 6, torch::kLong);
  auto augmented = batches.load({rows, {}, 5, true});
  auto plain = batches.load({rows, {}, 5, false});
  EXPECT_TRUE(torch::equal(plain.pose_jitter, torch::tensor({1.0, 1.0, 0.0, 0.0}, torch::kFloat64).expand({6, 4})));
  auto pose2d = split.pose2d.index_select(0, rows).to(torch::kFloat64);
  auto moved = jitter_pose2d(pose2d, augmented.pose_jitter, false);
  EXPECT_GT((moved - pose2d).abs().max().item<double>(), 1.0) << "the jitter moved nothing";
  auto as_transform = [](const torch::Tensor& t) {
    return CropTransform{t[0].item<double>(), t[1].item<double>(), t[2].item<double>(), t[3].item<double>()};
  };
  for (int64_t i = 0; i < 6; ++i) {
    auto expected = as_transform(augmented.transform[i]).apply(pose2d[i]);
    auto got = as_transform(plain.transform[i]).apply(moved[i]);
    EXPECT_LT((got - expected).abs().max().item<double>(), 1e-9) << "row " << i;
  }
  auto root = pose2d.narrow(1, 0, 1);
  auto centred = jitter_pose2d(pose2d - root, augmented.pose_jitter, true);
  EXPECT_TRUE(torch::allclose(centred, moved - moved.narrow(1, 0, 1), 1e-12, 1e-9));
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
  test::write_synthetic(fx.dir + "/other.h5", 7, {1});
  try {
    ImageBatches wrong(load_split(fx.dir + "/other.h5", {}), fx.dir + "/other.h5", cached_options);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("24 crops, but " + fx.dir + "/other.h5 has 28 rows"), std::string::npos)
        << e.what();
  }
  // A cache whose boxes are no longer the file's (images attached again) is stale.
  {
    auto moved = test_split;
    moved.bbox = moved.bbox.clone();
    moved.bbox[0][0] += 1;
    try {
      ImageBatches stale(moved, fx.file, cached_options);
      FAIL() << "expected core::InputError";
    } catch (const core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("cut from other boxes"), std::string::npos) << e.what();
    }
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


// The left/right partner of each joint (0 Hip 1 RHip 2 RKnee 3 RFoot 4 LHip
// 5 LKnee 6 LFoot 7 Spine 8 Thorax 9 Neck/Nose 10 Head 11 LShoulder 12 LElbow
// 13 LWrist 14 RShoulder 15 RElbow 16 RWrist), written out here rather than
// taken from the library.
constexpr int kPartner[17] = {0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13};

// Camera px -> crop px through row i of ImageBatch::transform.
std::pair<double, double> to_crop(const torch::Tensor& transform, int64_t i, double x, double y) {
  auto t = transform[i];
  return {t[0].item<double>() * x + t[2].item<double>(), t[1].item<double>() * y + t[3].item<double>()};
}

// -1: the figure's left colour (blue), +1: right (red), 0: neither.
int side_colour(const torch::Tensor& images, int64_t i, double u, double v) {
  const int64_t x = std::lround(u), y = std::lround(v);
  const int r = images[i][0][y][x].item<int>(), b = images[i][2][y][x].item<int>();
  return b > r + 60 ? -1 : r > b + 60 ? +1 : 0;
}

// A flipped training sample is one consistent mirror image: the crop made
// with flip = true and the pose flipped by flip_batch show the same person.
// The batch transform maps the file's (unflipped) camera px into the flipped
// crop, so a joint k of the flipped pose (x' = 2 c_x - x of its partner, see
// flip_batch) is mapped from (2 c_x - x', y'): it must land where its partner
// lands in the plain crop, mirrored (x -> S - 1 - x), on the partner's limb.
TEST(ImageBatches, FlippedCropAndFlippedPoseShowTheSameMirroredPerson) {
  auto dir = test::temp_dir("image_batches_flip_pose");
  test::write_synthetic(dir + "/s.h5", 10, {1});
  RenderOptions render;
  render.data = dir + "/s.h5";
  render.out_dir = dir + "/frames";
  render.size = 256;  // 512 px frames: limbs several px wide in a 128 px crop
  render.jpeg_quality = 95;
  render_pose_images(render);
  auto split = load_split(dir + "/s.h5", {});
  const int64_t n = split.size();
  ASSERT_EQ(n, 40);
  ImageOptions options;
  options.root = render.out_dir;
  options.size = 128;
  const double last = options.size - 1;
  ImageBatches batches(split, dir + "/s.h5", options);
  auto rows = torch::arange(0, n, torch::kLong);
  auto plain = batches.load({rows, {}, 0, false});
  auto flipped = batches.load({rows, torch::ones({n}, torch::kBool), 0, false});
  EXPECT_TRUE(torch::equal(flipped.images, plain.images.flip({3}))) << "the flipped crop is the mirrored crop";

  auto pose2d = split.pose2d.clone(), pose3d = split.pose3d.clone();
  flip_batch(pose2d, pose3d, split.centre_x, /*root_centred_2d=*/false);
  int checked = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double cx = split.centre_x[i].item<double>();
    for (int k = 0; k < 17; ++k) {
      const int j = kPartner[k];
      auto [u, v] = to_crop(flipped.transform, i, 2 * cx - pose2d[i][k][0].item<double>(), pose2d[i][k][1].item<double>());
      auto [u0, v0] = to_crop(plain.transform, i, split.pose2d[i][j][0].item<double>(), split.pose2d[i][j][1].item<double>());
      ASSERT_NEAR(u, last - u0, 0.5) << "row " << i << " flipped joint " << k;
      ASSERT_NEAR(v, v0, 0.5) << "row " << i << " flipped joint " << k;
      ASSERT_TRUE(u0 >= 0 && u0 <= last && v0 >= 0 && v0 <= last) << "row " << i << " joint " << j << " in the crop";
      // Knees, feet, elbows, wrists: where the plain crop shows joint j on its
      // own limb colour (not hidden behind the body), the flipped crop shows
      // that colour under flipped joint k, the other side's label.
      if (j == 2 || j == 3 || j == 5 || j == 6 || j == 12 || j == 13 || j == 15 || j == 16) {
        const int side = (j >= 1 && j <= 3) || j >= 14 ? +1 : -1;
        if (side_colour(plain.images, i, u0, v0) != side) continue;
        ++checked;
        EXPECT_EQ(side_colour(flipped.images, i, u, v), side) << "row " << i << " flipped joint " << k;
      }
    }
  }
  EXPECT_GT(checked, n * 8 / 2) << "most limb joints are visible on their limb";

  // The same, measured: a frame holding only a disc at left wrist 13 (or
  // right foot 3), drawn with sub-pixel precision, mirrored into the flipped
  // crop where the flipped pose has its partner, 16 (or 6).
  auto dots = split;
  const double scale = render.size / 500.0;
  for (int64_t i : {int64_t{0}, int64_t{13}, int64_t{27}}) {
    for (int j : {13, 3}) {
      cv::Mat frame(static_cast<int>(std::lround(split.camera_width[i].item<double>() * scale)),
                    static_cast<int>(std::lround(split.camera_width[i].item<double>() * scale)), CV_8UC3,
                    cv::Scalar::all(0));
      // Camera px -> frame px: (x + 0.5) scale - 0.5; 4 fractional bits.
      const double fx = (split.pose2d[i][j][0].item<double>() + 0.5) * scale - 0.5;
      const double fy = (split.pose2d[i][j][1].item<double>() + 0.5) * scale - 0.5;
      cv::circle(frame, cv::Point(static_cast<int>(std::lround(fx * 16)), static_cast<int>(std::lround(fy * 16))),
                 5 * 16, cv::Scalar::all(255), cv::FILLED, cv::LINE_AA, 4);
      const std::string name = "dot_" + std::to_string(i) + "_" + std::to_string(j) + ".png";
      cv::imwrite(render.out_dir + "/" + name, frame);
      dots.image[static_cast<size_t>(i)] = name;
      ImageBatches dot_batches(dots, dir + "/s.h5", options);
      auto one = torch::tensor({i}, torch::kLong);
      auto b = dot_batches.load({one, torch::ones({1}, torch::kBool), 0, false});
      cv::Mat grey(options.size, options.size, CV_8UC1);
      auto channel = b.images[0][0].contiguous();
      std::memcpy(grey.data, channel.data_ptr<uint8_t>(), static_cast<size_t>(options.size * options.size));
      cv::Moments m = cv::moments(grey, false);
      ASSERT_GT(m.m00, 0) << "the dot is in the crop";
      const int k = kPartner[j];
      auto [u, v] = to_crop(b.transform, 0, 2 * split.centre_x[i].item<double>() - pose2d[i][k][0].item<double>(),
                            pose2d[i][k][1].item<double>());
      EXPECT_NEAR(m.m10 / m.m00, u, 0.5) << "row " << i << " joint " << j;
      EXPECT_NEAR(m.m01 / m.m00, v, 0.5) << "row " << i << " joint " << j;
    }
  }
}

// The loader on four real Human3.6M frames (1000 px JPEGs), boxes from
// bbox_from_joints: at 64 and 128 px the frames are decoded reduced (the
// box is >= 2 S of the reduced frame's px), and the crops still hold the
// person where the transform says, and agree with crops of the full decode.
TEST(ImageBatches, RealFramesThroughTheLoaderWithReducedDecoding) {
  const auto json_path = test::h36m_sample_json();
  if (json_path.empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
  const auto root = json_path.substr(0, json_path.rfind('/'));
  auto j = nlohmann::json::parse(std::ifstream(json_path));
  PoseSplit split;
  std::vector<float> joints, widths;
  for (const auto& sample : j["samples"]) {
    split.image.push_back(sample["image"].get<std::string>());
    for (const auto& p : sample["joints2d_px"]) joints.insert(joints.end(), {p[0].get<float>(), p[1].get<float>()});
    for (const auto& c : j["cameras"])
      if (c["subject"] == sample["subject"] && c["camera_id"] == sample["camera_id"]) widths.push_back(c["width"].get<float>());
  }
  const int64_t n = static_cast<int64_t>(split.image.size());
  ASSERT_EQ(n, 4);
  ASSERT_EQ(widths.size(), 4u);
  split.pose2d = torch::tensor(joints).view({n, 17, 2});
  split.bbox = bbox_from_joints(split.pose2d);
  split.camera_width = torch::tensor(widths);
  split.file_row = torch::arange(0, n, torch::kLong);
  for (int size : {64, 128}) {
    SCOPED_TRACE("size " + std::to_string(size));
    ImageOptions options;
    options.root = root;
    options.size = size;
    ImageBatches batches(split, json_path, options);
    auto batch = batches.load({torch::arange(0, n, torch::kLong), {}, 0, false});
    ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{n, 3, size, size}));
    ASSERT_TRUE(batch.valid.all().item<bool>());
    for (int64_t i = 0; i < n; ++i) {
      SCOPED_TRACE(split.image[static_cast<size_t>(i)]);
      auto b = split.bbox[i];
      const std::array<float, 4> box{b[0].item<float>(), b[1].item<float>(), b[2].item<float>(), b[3].item<float>()};
      // Which reduction the loader used shows in its transform: the window
      // snaps to whole px of the decoded frame. 1000 px frames; the largest of
      // 8, 4, 2 that leaves the box >= S px.
      int reduction = 1;
      for (int r : {8, 4, 2})
        if (reduction == 1 && box[2] / r >= size) reduction = r;
      ASSERT_GT(reduction, 1) << "these sizes decode reduced";
      const double frame_scale = 1.0 / reduction;
      auto expected_t = crop_transform(box, frame_scale, size);
      auto t = batch.transform[i];
      EXPECT_NEAR(t[0].item<double>(), expected_t.sx, 1e-9) << "reduction " << reduction;
      EXPECT_NEAR(t[2].item<double>(), expected_t.tx, 1e-9) << "reduction " << reduction;
      EXPECT_NEAR(t[3].item<double>(), expected_t.ty, 1e-9) << "reduction " << reduction;
      // Joints into the crop: inside it, their extent centred and
      // 1 / (1 + 2 * 0.2) of the side (bbox_from_joints' margin).
      double lo_u = 1e9, hi_u = -1e9, lo_v = 1e9, hi_v = -1e9, mean_u = 0, mean_v = 0;
      for (int k = 0; k < 17; ++k) {
        auto [u, v] = to_crop(batch.transform, i, split.pose2d[i][k][0].item<double>(), split.pose2d[i][k][1].item<double>());
        EXPECT_TRUE(u > 0 && u < size - 1 && v > 0 && v < size - 1) << "joint " << k << " at " << u << ", " << v;
        lo_u = std::min(lo_u, u), hi_u = std::max(hi_u, u), lo_v = std::min(lo_v, v), hi_v = std::max(hi_v, v);
        mean_u += u / 17, mean_v += v / 17;
      }
      const double centre = (size - 1) / 2.0;
      // Snapping moves the window by at most 0.5 decoded px (<= 0.5 * S / n crop px) and its side by 0.5.
      EXPECT_NEAR((lo_u + hi_u) / 2, centre, 1.0);
      EXPECT_NEAR((lo_v + hi_v) / 2, centre, 1.0);
      EXPECT_NEAR(std::max(hi_u - lo_u, hi_v - lo_v), size / 1.4, 1.0);
      // The mean joint is not the box centre (S5 sits: 44 camera px = 8 px at
      // 64 off in x), but it is near it.
      EXPECT_NEAR(mean_u, centre, 0.15 * size);
      EXPECT_NEAR(mean_v, centre, 0.15 * size);

      cv::Mat full = cv::imread(root + "/" + split.image[static_cast<size_t>(i)], cv::IMREAD_COLOR);
      ASSERT_FALSE(full.empty());
      auto as_tensor = [](const cv::Mat& bgr) {
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat32);
      };
      auto got = batch.images[i].to(torch::kFloat32);
      // Mean abs difference to crops of the fully decoded frame.
      // (a) The full decode cropped directly: its own window, up to 0.5 crop
      // px from the loader's (snapping), and real frames have edges, so this
      // sub-pixel shift costs a few grey levels on average.
      const double direct = (got - as_tensor(crop_square(full, box, 1.0, size))).abs().mean().item<double>();
      // (b) The full decode area-reduced by the same factor and cropped with
      // the loader's exact window: only libjpeg's DCT-domain scaling differs
      // from area averaging, about a grey level.
      cv::Mat reduced;
      cv::resize(full, reduced, cv::Size((full.cols + reduction - 1) / reduction, (full.rows + reduction - 1) / reduction),
                 0, 0, cv::INTER_AREA);
      const double same_window =
          (got - as_tensor(crop_square(reduced, box, frame_scale, size))).abs().mean().item<double>();
      // Measured: direct 1.3-4.6, same window 0.2-1.6 grey levels (on 0..255); a
      // whole-pixel shift of the crop costs 5-9 and swapped R and B over 30.
      EXPECT_LT(direct, 6.0) << "reduction " << reduction;
      EXPECT_LT(same_window, 2.5) << "reduction " << reduction;
    }
  }
}

}  // namespace
}  // namespace hpe3d::data
