#include "hpe3d/eval/prediction_figure.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::eval {

void write_prediction_figure(const std::string& path, const torch::Tensor& pred, const torch::Tensor& gt,
                             const FigureOptions& o, const torch::Tensor& images) {
  TORCH_CHECK(pred.dim() == 3 && pred.size(1) == geometry::kNumJoints && pred.size(2) == 3 &&
                  pred.sizes() == gt.sizes(),
              "write_prediction_figure: expected pred and gt [M, 17, 3]");
  const int64_t m = pred.size(0);
  if (m == 0) core::fail(path, "no poses to draw");
  const bool crops = images.defined();
  TORCH_CHECK(!crops || (images.dim() == 4 && images.size(0) == m && images.size(1) == 3),
              "write_prediction_figure: expected images [M, 3, S, S]");
  const int rows = static_cast<int>((m + o.columns - 1) / o.columns);
  const int pitch = crops ? 2 * o.cell : o.cell;  // a cell: [crop] pose
  cv::Mat image(rows * o.cell, o.columns * pitch, CV_8UC3, cv::Scalar(255, 255, 255));

  // Camera frame (x right, y down, z forward) turned about the vertical axis,
  // then drawn orthographically: u = x', v = y.
  const double a = o.view_degrees * M_PI / 180.0, ca = std::cos(a), sa = std::sin(a);
  const double scale = 0.5 * o.cell / o.half_extent;
  auto p = pred.to(torch::kFloat64).contiguous(), g = gt.to(torch::kFloat64).contiguous();
  auto pa = p.accessor<double, 3>(), ga = g.accessor<double, 3>();
  const cv::Scalar grey(160, 160, 160), blue(200, 90, 20), red(30, 30, 220);  // BGR
  for (int64_t i = 0; i < m; ++i) {
    const int left = static_cast<int>(i % o.columns) * pitch + (crops ? o.cell : 0);
    const cv::Point2d origin(left + 0.5 * o.cell, (static_cast<double>(i / o.columns) + 0.5) * o.cell);
    if (crops) {
      auto hwc = images[i].permute({1, 2, 0}).to(torch::kUInt8).contiguous();
      cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr<uint8_t>()), bgr;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      cv::resize(bgr, image(cv::Rect(left - o.cell, static_cast<int>(i / o.columns) * o.cell, o.cell, o.cell)),
                 cv::Size(o.cell, o.cell), 0, 0, cv::INTER_NEAREST);
    }
    auto to_px = [&](const at::TensorAccessor<double, 2>& pose, int j) {
      const double x = ca * pose[j][0] - sa * pose[j][2], y = pose[j][1];
      return cv::Point(static_cast<int>(std::lround(origin.x + scale * x)),
                       static_cast<int>(std::lround(origin.y + scale * y)));
    };
    double error = 0.0;
    for (int j = 0; j < geometry::kNumJoints; ++j) {
      double d2 = 0.0;
      for (int k = 0; k < 3; ++k) d2 += (pa[i][j][k] - ga[i][j][k]) * (pa[i][j][k] - ga[i][j][k]);
      error += std::sqrt(d2) / geometry::kNumJoints;
    }
    for (auto [parent, child] : geometry::bones())
      cv::line(image, to_px(ga[i], parent), to_px(ga[i], child), grey, 3, cv::LINE_AA);
    for (auto [parent, child] : geometry::bones())
      cv::line(image, to_px(pa[i], parent), to_px(pa[i], child), blue, 2, cv::LINE_AA);
    for (int j = 0; j < geometry::kNumJoints; ++j)
      if (to_px(pa[i], j) != to_px(ga[i], j)) cv::line(image, to_px(pa[i], j), to_px(ga[i], j), red, 1, cv::LINE_AA);
    char label[32];
    std::snprintf(label, sizeof label, "%.1f mm", error);
    cv::putText(image, label, cv::Point(static_cast<int>(origin.x) - o.cell / 2 + 6,
                                        static_cast<int>(origin.y) - o.cell / 2 + 18),
                cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::rectangle(image, cv::Rect(static_cast<int>(origin.x) - o.cell / 2, static_cast<int>(origin.y) - o.cell / 2,
                                  o.cell, o.cell),
                  cv::Scalar(220, 220, 220), 1);
  }
  const std::string tmp = path + ".tmp.png";
  bool ok = false;
  try {
    ok = cv::imwrite(tmp, image);
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    core::fail(path, "cannot write the PNG");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace hpe3d::eval
