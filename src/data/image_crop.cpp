#include "hpe3d/data/image_crop.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <opencv2/imgproc.hpp>

namespace hpe3d::data {

torch::Tensor CropTransform::apply(const torch::Tensor& points) const {
  TORCH_CHECK(points.size(-1) == 2, "CropTransform::apply: expected [..., 2] points");
  auto p = points.to(torch::kFloat64).clone();
  p.select(-1, 0).mul_(sx).add_(tx);
  p.select(-1, 1).mul_(sy).add_(ty);
  return p.to(points.scalar_type());
}

namespace {

// The integer square [x0, x0 + n) x [y0, y0 + n) of frame px around a box.
struct Window {
  int x0, y0, n;
};

Window window(const std::array<float, 4>& box, double frame_scale) {
  const double side = std::max(box[2], box[3]) * frame_scale;
  // Camera px -> frame px, pixel centres at integers in both: (x + 0.5) s - 0.5.
  const double cx = (box[0] + 0.5 * box[2] + 0.5) * frame_scale - 0.5;
  const double cy = (box[1] + 0.5 * box[3] + 0.5) * frame_scale - 0.5;
  const int n = std::max(1, static_cast<int>(std::lround(side)));
  return {static_cast<int>(std::lround(cx - 0.5 * n)), static_cast<int>(std::lround(cy - 0.5 * n)), n};
}

// The zoom by a.scale about the crop's centre, then the shift by a fraction of
// the side: crop px u -> a.scale * u + offset.
std::array<double, 2> jitter_offset(const CropAugment& a, double size) {
  const double c = 0.5 * (size - 1);
  return {c - a.scale * c - a.shift_x * size, c - a.scale * c - a.shift_y * size};
}

}  // namespace

CropTransform crop_transform(const std::array<float, 4>& box, double frame_scale, int size) {
  // cv::resize maps source x_s to (x_s + 0.5) * r - 0.5, r = size / n.
  const auto w = window(box, frame_scale);
  const double r = static_cast<double>(size) / w.n;
  // frame = (camera + 0.5) s - 0.5, crop = (frame - x0 + 0.5) r - 0.5.
  return {r * frame_scale, r * frame_scale, r * (0.5 * frame_scale - w.x0) - 0.5,
          r * (0.5 * frame_scale - w.y0) - 0.5};
}

cv::Mat crop_square(const cv::Mat& frame, const std::array<float, 4>& box, double frame_scale, int size,
                    CropTransform* transform) {
  TORCH_CHECK(!frame.empty() && size > 0 && frame_scale > 0, "crop_square: empty frame or bad size");
  // Padded with black where the square leaves the frame.
  const auto [x0, y0, n] = window(box, frame_scale);
  cv::Mat square(n, n, frame.type(), cv::Scalar::all(0));
  const cv::Rect inside = cv::Rect(x0, y0, n, n) & cv::Rect(0, 0, frame.cols, frame.rows);
  if (inside.area() > 0) frame(inside).copyTo(square(inside - cv::Point(x0, y0)));
  cv::Mat out;
  cv::resize(square, out, cv::Size(size, size), 0, 0, n > size ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (transform) *transform = crop_transform(box, frame_scale, size);
  return out;
}

CropAugment draw_augment(const AugmentRanges& ranges, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double half) { return std::uniform_real_distribution<double>(-half, half)(rng); };
  CropAugment a;
  a.scale = 1.0 + uniform(ranges.scale);
  a.shift_x = uniform(ranges.shift);
  a.shift_y = uniform(ranges.shift);
  a.brightness = 1.0 + uniform(ranges.colour);
  a.contrast = 1.0 + uniform(ranges.colour);
  a.saturation = 1.0 + uniform(ranges.colour);
  return a;
}

CropTransform pose_jitter(const CropAugment& a, const CropTransform& crop, int size) {
  // sx p' + tx = scale (sx p + tx) + offset, the same along y.
  const auto [ox, oy] = jitter_offset(a, size);
  return {a.scale, a.scale, (a.scale * crop.tx + ox - crop.tx) / crop.sx, (a.scale * crop.ty + oy - crop.ty) / crop.sy};
}

void augment_crop(cv::Mat& crop, const CropAugment& a, CropTransform* transform) {
  const double size = crop.cols;
  if (a.scale != 1.0 || a.shift_x != 0.0 || a.shift_y != 0.0) {
    const auto [tx, ty] = jitter_offset(a, size);
    cv::Mat m = (cv::Mat_<double>(2, 3) << a.scale, 0, tx, 0, a.scale, ty);
    cv::Mat out;
    cv::warpAffine(crop, out, m, crop.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    crop = out;
    if (transform)
      *transform = {a.scale * transform->sx, a.scale * transform->sy, a.scale * transform->tx + tx,
                    a.scale * transform->ty + ty};
  }
  if (a.brightness != 1.0 || a.contrast != 1.0 || a.saturation != 1.0) {
    cv::Mat f;
    crop.convertTo(f, CV_32F);
    if (a.saturation != 1.0 && f.channels() == 3) {
      cv::Mat grey, grey3;
      cv::cvtColor(f, grey, cv::COLOR_BGR2GRAY);  // channel order barely matters for the weights
      cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
      f = grey3 + a.saturation * (f - grey3);
    }
    const cv::Scalar mean = cv::mean(f);
    f = (f - mean) * a.contrast + mean;
    f *= a.brightness;
    f.convertTo(crop, CV_8U);  // saturates to 0..255
  }
  if (a.flip) {
    cv::flip(crop, crop, 1);
    if (transform) *transform = {-transform->sx, transform->sy, size - 1 - transform->tx, transform->ty};
  }
}

}  // namespace hpe3d::data
