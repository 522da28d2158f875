#include "hpe3d/data/image_crop.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_util.h"

namespace hpe3d::data {
namespace {

// The person box of 2D joints: their bounds grown by 20 % of the larger side.
std::array<float, 4> box_of(const std::vector<std::array<double, 2>>& joints) {
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (auto [x, y] : joints) {
    x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  }
  const double m = 0.2 * std::max(x1 - x0, y1 - y0);
  return {float(x0 - m), float(y0 - m), float(x1 - x0 + 2 * m), float(y1 - y0 + 2 * m)};
}

// Where a single bright pixel at (x, y) of `frame`'s size ends up in the crop:
// the intensity centroid, an independent measurement of the transform.
cv::Point2d dot_in_crop(cv::Size frame_size, int x, int y, const std::array<float, 4>& box, double scale, int size,
                        const CropAugment* augment = nullptr) {
  cv::Mat frame(frame_size, CV_8UC1, cv::Scalar(0));
  cv::circle(frame, {x, y}, 3, cv::Scalar(255), cv::FILLED);  // a disc: survives area averaging
  cv::Mat crop = crop_square(frame, box, scale, size);
  if (augment) augment_crop(crop, *augment);
  cv::Moments m = cv::moments(crop, false);
  return {m.m10 / m.m00, m.m01 / m.m00};
}

TEST(ImageCrop, RealFramesCropAroundThePersonAndTheTransformMapsTheJoints) {
  const auto json_path = test::h36m_sample_json();
  if (json_path.empty()) GTEST_SKIP() << "../shared/fixtures/h36m_sample is absent";
  const auto dir = json_path.substr(0, json_path.rfind('/'));
  auto j = nlohmann::json::parse(std::ifstream(json_path));
  for (const auto& sample : j["samples"]) {
    cv::Mat frame = cv::imread(dir + "/" + sample["image"].get<std::string>());
    ASSERT_FALSE(frame.empty()) << sample["image"];
    std::vector<std::array<double, 2>> joints;
    for (const auto& p : sample["joints2d_px"]) joints.push_back({p[0].get<double>(), p[1].get<double>()});
    const auto box = box_of(joints);
    for (int size : {64, 128, 256}) {
      CropTransform t;
      cv::Mat crop = crop_square(frame, box, 1.0, size, &t);
      ASSERT_EQ(crop.rows, size);
      ASSERT_EQ(crop.cols, size);
      double mean_x = 0, mean_y = 0;
      for (const auto& p : joints) {
        auto q = t.apply(torch::tensor({p[0], p[1]}, torch::kFloat64));
        const double u = q[0].item<double>(), v = q[1].item<double>();
        EXPECT_GT(u, 0);
        EXPECT_LT(u, size - 1);
        EXPECT_GT(v, 0);
        EXPECT_LT(v, size - 1);
        mean_x += u / joints.size(), mean_y += v / joints.size();
      }
      EXPECT_NEAR(mean_x, size / 2.0, 0.2 * size) << sample["image"] << ": the person is centred";
      EXPECT_NEAR(mean_y, size / 2.0, 0.2 * size) << sample["image"];
      // The transform against a measured dot, at each real joint.
      for (const auto& p : joints) {
        const int x = static_cast<int>(std::lround(p[0])), y = static_cast<int>(std::lround(p[1]));
        auto seen = dot_in_crop(frame.size(), x, y, box, 1.0, size);
        auto q = t.apply(torch::tensor({double(x), double(y)}, torch::kFloat64));
        EXPECT_NEAR(seen.x, q[0].item<double>(), 0.5) << sample["image"] << " size " << size;
        EXPECT_NEAR(seen.y, q[1].item<double>(), 0.5) << sample["image"] << " size " << size;
      }
    }
  }
}

TEST(ImageCrop, ScaledFramesAndPaddingOutsideTheFrame) {
  // A frame stored at a quarter of the camera's resolution, box partly outside.
  const std::array<float, 4> box{-200.0f, 100.0f, 600.0f, 500.0f};
  const double scale = 0.25;
  CropTransform t;
  cv::Mat frame(250, 250, CV_8UC3, cv::Scalar(200, 200, 200));
  cv::Mat crop = crop_square(frame, box, scale, 64, &t);
  EXPECT_EQ(crop.at<cv::Vec3b>(32, 2), cv::Vec3b(0, 0, 0)) << "left of the frame is black padding";
  EXPECT_EQ(crop.at<cv::Vec3b>(32, 60), cv::Vec3b(200, 200, 200));
  for (auto [x, y] : {std::pair{40, 120}, std::pair{70, 40}}) {
    auto seen = dot_in_crop(frame.size(), x, y, box, scale, 64);
    // Frame px (x, y) is camera px (x + 0.5) / scale - 0.5.
    auto q = t.apply(torch::tensor({(x + 0.5) / scale - 0.5, (y + 0.5) / scale - 0.5}, torch::kFloat64));
    EXPECT_NEAR(seen.x, q[0].item<double>(), 0.5);
    EXPECT_NEAR(seen.y, q[1].item<double>(), 0.5);
  }
}

TEST(ImageCrop, AugmentationKeepsTheTransformExactAndFlipsMirror) {
  const std::array<float, 4> box{300.0f, 200.0f, 400.0f, 600.0f};
  const cv::Size frame_size(1000, 1000);
  CropAugment a = draw_augment({0.2, 0.1, 0.0}, 7);
  ASSERT_NE(a.scale, 1.0);
  for (bool flip : {false, true}) {
    a.flip = flip;
    CropTransform t = crop_transform(box, 1.0, 128);
    cv::Mat crop(128, 128, CV_8UC1, cv::Scalar(0));
    augment_crop(crop, a, &t);
    for (auto [x, y] : {std::pair{450, 400}, std::pair{520, 700}, std::pair{380, 300}}) {
      auto seen = dot_in_crop(frame_size, x, y, box, 1.0, 128, &a);
      auto q = t.apply(torch::tensor({double(x), double(y)}, torch::kFloat64));
      EXPECT_NEAR(seen.x, q[0].item<double>(), 0.5) << "flip " << flip;
      EXPECT_NEAR(seen.y, q[1].item<double>(), 0.5) << "flip " << flip;
    }
  }
  // A flip alone is the mirror image of the plain crop.
  cv::Mat frame(frame_size, CV_8UC3);
  cv::randu(frame, 0, 255);
  cv::Mat plain = crop_square(frame, box, 1.0, 64), flipped = plain.clone(), mirror;
  CropAugment only_flip;
  only_flip.flip = true;
  augment_crop(flipped, only_flip);
  cv::flip(plain, mirror, 1);
  EXPECT_EQ(cv::norm(flipped, mirror, cv::NORM_INF), 0.0);
  // The pose moved by pose_jitter sits, through the plain transform, where the
  // zoomed and shifted crop (as measured with a dot) shows the original point.
  CropAugment zoom;
  zoom.scale = 1.15;
  zoom.shift_x = -0.04;
  zoom.shift_y = 0.06;
  const CropTransform plain_t = crop_transform(box, 1.0, 128);
  const CropTransform jitter = pose_jitter(zoom, plain_t, 128);
  EXPECT_EQ(jitter.sx, zoom.scale);
  for (auto [x, y] : {std::pair{450, 400}, std::pair{520, 700}, std::pair{380, 300}}) {
    auto seen = dot_in_crop(frame_size, x, y, box, 1.0, 128, &zoom);
    auto q = plain_t.apply(jitter.apply(torch::tensor({double(x), double(y)}, torch::kFloat64)));
    EXPECT_NEAR(seen.x, q[0].item<double>(), 0.5);
    EXPECT_NEAR(seen.y, q[1].item<double>(), 0.5);
  }
  // Seeded draws.
  auto b = draw_augment({0.2, 0.1, 0.3}, 7), c = draw_augment({0.2, 0.1, 0.3}, 8);
  EXPECT_EQ(draw_augment({0.2, 0.1, 0.3}, 7).contrast, b.contrast);
  EXPECT_NE(b.contrast, c.contrast);
}

}  // namespace
}  // namespace hpe3d::data
