#include "hpe3d/data/pose_render.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/core/seed.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

constexpr int kShift = 4;  // sub-pixel bits of the OpenCV drawing calls
constexpr double kOne = 1 << kShift;

using Rgb = std::array<uint8_t, 3>;

// A part of the figure: a capsule from joint a to joint b (a tapered capsule
// if the ends lie at different depths), or a sphere when a == b.
struct Part {
  cv::Point2d pa, pb;  // px in the frame
  double ra, rb;       // px
  double depth;        // mm, for the painter's order
  Rgb colour;
};

cv::Scalar shade(const Rgb& c, double k) {
  // k < 1 darkens, k > 1 mixes towards white; hue is kept.
  auto ch = [&](uint8_t v) { return k <= 1 ? v * k : v + (255 - v) * (k - 1); };
  return cv::Scalar(ch(c[0]), ch(c[1]), ch(c[2]));
}

cv::Point fixed(const cv::Point2d& p) {
  return cv::Point(static_cast<int>(std::lround(p.x * kOne)), static_cast<int>(std::lround(p.y * kOne)));
}

void fill_capsule(cv::Mat& img, const cv::Point2d& a, const cv::Point2d& b, double ra, double rb,
                  const cv::Scalar& colour) {
  cv::circle(img, fixed(a), static_cast<int>(std::lround(ra * kOne)), colour, cv::FILLED, cv::LINE_AA, kShift);
  cv::circle(img, fixed(b), static_cast<int>(std::lround(rb * kOne)), colour, cv::FILLED, cv::LINE_AA, kShift);
  cv::Point2d d = b - a;
  const double len = std::hypot(d.x, d.y);
  if (len < 1e-6) return;
  cv::Point2d n(-d.y / len, d.x / len);
  cv::Point quad[4] = {fixed(a + n * ra), fixed(b + n * rb), fixed(b - n * rb), fixed(a - n * ra)};
  cv::fillConvexPoly(img, quad, 4, colour, cv::LINE_AA, kShift);
}

// Three layers (dark rim, body colour, light core shifted towards the upper
// left) give a rounded look.
void draw_part(cv::Mat& img, const Part& p) {
  fill_capsule(img, p.pa, p.pb, p.ra, p.rb, shade(p.colour, 0.55));
  fill_capsule(img, p.pa, p.pb, 0.8 * p.ra, 0.8 * p.rb, shade(p.colour, 1.0));
  const cv::Point2d light(-0.2 * (p.ra + p.rb) / 2, -0.2 * (p.ra + p.rb) / 2);
  fill_capsule(img, p.pa + light, p.pb + light, 0.35 * p.ra, 0.35 * p.rb, shade(p.colour, 1.45));
}

// Which bone gets which radius and colour.
struct BoneStyle {
  int a, b;
  double FigureRadii::*radius;
  int side;  // -1 left, +1 right, 0 centre
};

const std::vector<BoneStyle>& bone_styles() {
  // Joints: 0 Hip 1 RHip 2 RKnee 3 RFoot 4 LHip 5 LKnee 6 LFoot 7 Spine 8 Thorax
  // 9 Neck/Nose 10 Head 11 LShoulder 12 LElbow 13 LWrist 14 RShoulder 15 RElbow 16 RWrist
  static const std::vector<BoneStyle> styles = {
      {0, 1, &FigureRadii::girdle, 0},     {1, 2, &FigureRadii::thigh, +1},
      {2, 3, &FigureRadii::shin, +1},      {0, 4, &FigureRadii::girdle, 0},
      {4, 5, &FigureRadii::thigh, -1},     {5, 6, &FigureRadii::shin, -1},
      {0, 7, &FigureRadii::torso, 0},      {7, 8, &FigureRadii::torso, 0},
      {8, 9, &FigureRadii::neck, 0},       {8, 11, &FigureRadii::girdle, 0},
      {11, 12, &FigureRadii::upper_arm, -1}, {12, 13, &FigureRadii::forearm, -1},
      {8, 14, &FigureRadii::girdle, 0},    {14, 15, &FigureRadii::upper_arm, +1},
      {15, 16, &FigureRadii::forearm, +1}};
  return styles;
}

// pose3d, pose2d: pointers to 17*3 and 17*2 floats.
void draw_figure(cv::Mat& img, const float* pose3d, const float* pose2d, double focal_px, double scale,
                 const FigureColours& colours, const FigureRadii& radii) {
  // Camera px -> frame px with pixel centres at integers in both: (x + 0.5) s - 0.5.
  auto point = [&](int j) {
    return cv::Point2d((pose2d[2 * j] + 0.5) * scale - 0.5, (pose2d[2 * j + 1] + 0.5) * scale - 0.5);
  };
  auto depth = [&](int j) { return std::max(1.0, static_cast<double>(pose3d[3 * j + 2])); };
  auto px = [&](double mm, double z) { return focal_px * mm / z * scale; };
  std::vector<Part> parts;
  for (const auto& s : bone_styles()) {
    const Rgb& c = s.side < 0 ? colours.left : s.side > 0 ? colours.right : colours.centre;
    const double r = radii.*s.radius;
    parts.push_back({point(s.a), point(s.b), px(r, depth(s.a)), px(r, depth(s.b)),
                     (depth(s.a) + depth(s.b)) / 2, c});
  }
  const cv::Point2d head = (point(9) + point(10)) * 0.5;
  const double head_z = (depth(9) + depth(10)) / 2;
  parts.push_back({head, head, px(radii.head, head_z), px(radii.head, head_z), head_z, colours.centre});
  std::stable_sort(parts.begin(), parts.end(), [](const Part& x, const Part& y) { return x.depth > y.depth; });
  for (const auto& p : parts) draw_part(img, p);
}

cv::Mat background_mat(int width, int height, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  auto colour = [&] { return cv::Vec3d(uniform(20, 235), uniform(20, 235), uniform(20, 235)); };
  const cv::Vec3d c0 = colour(), c1 = colour();
  const double angle = uniform(0, 2 * M_PI), ux = std::cos(angle), uy = std::sin(angle);
  const double extent = std::abs(ux) * width + std::abs(uy) * height;
  cv::Mat3d img(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double t = ((x - width / 2.0) * ux + (y - height / 2.0) * uy) / extent + 0.5;
      img(y, x) = c0 * (1 - t) + c1 * t;
    }
  const int rects = 3 + static_cast<int>(rng() % 4);
  for (int i = 0; i < rects; ++i) {
    const int w = static_cast<int>(uniform(0.05, 0.4) * width), h = static_cast<int>(uniform(0.05, 0.4) * height);
    const int x0 = static_cast<int>(uniform(0, width - w)), y0 = static_cast<int>(uniform(0, height - h));
    const cv::Vec3d c = colour();
    const double alpha = uniform(0.3, 0.8);
    for (int y = y0; y < y0 + h; ++y)
      for (int x = x0; x < x0 + w; ++x) img(y, x) = img(y, x) * (1 - alpha) + c * alpha;
  }
  cv::Mat3b out(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        const double noise = static_cast<double>(rng() % 13) - 6;  // mild sensor-like noise, +-6
        out(y, x)[ch] = cv::saturate_cast<uint8_t>(img(y, x)[ch] + noise);
      }
  return out;
}

torch::Tensor to_tensor(const cv::Mat& rgb) {
  return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).clone();
}

cv::Mat to_mat(const torch::Tensor& rgb) {
  TORCH_CHECK(rgb.dim() == 3 && rgb.size(2) == 3 && rgb.scalar_type() == torch::kUInt8,
              "render_figure: background must be [H, W, 3] uint8, got ", rgb.sizes(), " ", rgb.scalar_type());
  auto c = rgb.contiguous();
  return cv::Mat(static_cast<int>(c.size(0)), static_cast<int>(c.size(1)), CV_8UC3, c.data_ptr()).clone();
}

// Rows kept by the stride rule of ReadOptions::stride.
std::vector<int64_t> strided_rows(const PoseData& d, int stride) {
  auto sub = d.subject.accessor<int32_t, 1>(), act = d.action.accessor<int32_t, 1>();
  auto sa = d.subaction.accessor<int32_t, 1>(), cam = d.camera.accessor<int32_t, 1>();
  std::vector<int64_t> rows;
  int64_t start = 0;
  for (int64_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (sub[i] != sub[i - 1] || act[i] != act[i - 1] || sa[i] != sa[i - 1] || cam[i] != cam[i - 1]))
      start = i;
    if ((i - start) % stride == 0) rows.push_back(i);
  }
  return rows;
}

}  // namespace

uint64_t background_seed(uint64_t seed, int subject, int action, int subaction, int camera) {
  // splitmix64 over the key: nearby keys give unrelated backgrounds.
  uint64_t h = seed;
  for (int64_t v : {subject, action, subaction, camera}) h = core::splitmix64(h + static_cast<uint64_t>(v));
  return h;
}

torch::Tensor render_background(int width, int height, uint64_t seed) {
  TORCH_CHECK(width > 0 && height > 0, "render_background: size must be positive, got ", width, "x", height);
  return to_tensor(background_mat(width, height, seed));
}

torch::Tensor render_figure(const torch::Tensor& background, const torch::Tensor& pose3d, const torch::Tensor& pose2d,
                            double focal_px, double scale, const FigureColours& colours, const FigureRadii& radii) {
  TORCH_CHECK(pose3d.sizes() == torch::IntArrayRef({geometry::kNumJoints, 3}), "render_figure: pose3d must be [17, 3], got ",
              pose3d.sizes());
  TORCH_CHECK(pose2d.sizes() == torch::IntArrayRef({geometry::kNumJoints, 2}), "render_figure: pose2d must be [17, 2], got ",
              pose2d.sizes());
  cv::Mat img = to_mat(background);
  auto p3 = pose3d.to(torch::kFloat32).contiguous(), p2 = pose2d.to(torch::kFloat32).contiguous();
  draw_figure(img, p3.data_ptr<float>(), p2.data_ptr<float>(), focal_px, scale, colours, radii);
  return to_tensor(img);
}

RenderReport render_pose_images(const RenderOptions& options) {
  if (options.size < 8) core::fail("--size", "must be >= 8");
  if (options.stride < 1) core::fail("--stride", "must be >= 1");
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) core::fail("--quality", "must be 1..100");
  const auto start = std::chrono::steady_clock::now();
  auto data = read_pose_file(options.data);
  const auto paths = h36m_image_paths(data, kDefaultFrameOffset);
  const double scale = options.size / 500.0;
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) core::fail(options.out_dir, "cannot create the image folder: " + ec.message());

  auto sub = data.subject.accessor<int32_t, 1>(), act = data.action.accessor<int32_t, 1>();
  auto sa = data.subaction.accessor<int32_t, 1>(), cam = data.camera.accessor<int32_t, 1>();
  const auto pose3d = data.pose3d.contiguous(), pose2d = data.pose2d.contiguous();
  const float* p3 = pose3d.data_ptr<float>();
  const float* p2 = pose2d.data_ptr<float>();
  const std::vector<int> jpeg{cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
  RenderReport report;
  report.rows = data.size();
  cv::Mat background, rgb, bgr;
  std::vector<uint8_t> bytes;
  int64_t last_key_row = -1;
  for (int64_t i : strided_rows(data, options.stride)) {
    const auto& camera = data.cameras.get(sub[i], cam[i]);
    const bool new_sequence = last_key_row < 0 || sub[i] != sub[last_key_row] || act[i] != act[last_key_row] ||
                              sa[i] != sa[last_key_row] || cam[i] != cam[last_key_row];
    if (new_sequence) {
      background = background_mat(static_cast<int>(std::lround(camera.width * scale)),
                                  static_cast<int>(std::lround(camera.height * scale)),
                                  background_seed(options.seed, sub[i], act[i], sa[i], cam[i]));
      last_key_row = i;
      fs::create_directories(fs::path(options.out_dir) / fs::path(paths[static_cast<size_t>(i)]).parent_path(), ec);
      if (ec) core::fail(options.out_dir, "cannot create " + paths[static_cast<size_t>(i)] + "'s folder: " + ec.message());
    }
    background.copyTo(rgb);
    draw_figure(rgb, p3 + i * geometry::kNumJoints * 3, p2 + i * geometry::kNumJoints * 2,
                (camera.f[0] + camera.f[1]) / 2, scale, FigureColours{}, FigureRadii{});
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imencode(".jpg", bgr, bytes, jpeg)) core::fail(paths[static_cast<size_t>(i)], "JPEG encoding failed");
    const std::string file = (fs::path(options.out_dir) / paths[static_cast<size_t>(i)]).string();
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) core::fail(file, "cannot write");
    ++report.rendered;
    report.bytes += static_cast<int64_t>(bytes.size());
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  AttachOptions attach;
  attach.data = options.data;
  attach.image_root = options.out_dir;
  attach.margin = options.margin;
  report.attach = attach_images(attach);
  return report;
}

std::string describe(const RenderReport& report, const RenderOptions& options) {
  char line[512];
  std::snprintf(line, sizeof line,
                "rendered %lld of %lld rows (stride %d, scale %.3f, JPEG q%d) under %s: %.1f MB, %.1f s "
                "(%.0f frames/s). These are renders of a capsule figure, not photographs.",
                static_cast<long long>(report.rendered), static_cast<long long>(report.rows), options.stride,
                options.size / 500.0, options.jpeg_quality, options.out_dir.c_str(), report.bytes / 1e6, report.seconds,
                report.seconds > 0 ? report.rendered / report.seconds : 0.0);
  AttachOptions attach;
  attach.data = options.data;
  attach.image_root = options.out_dir;
  return std::string(line) + "\n" + describe(report.attach, attach);
}

}  // namespace hpe3d::data
