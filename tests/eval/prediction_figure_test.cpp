#include "hpe3d/eval/prediction_figure.h"

#include <opencv2/imgcodecs.hpp>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/skeleton.h"
#include "test_util.h"

namespace hpe3d::eval {
namespace {

// Pixels of one cell that are "red" (the error segments) and "blue" (the prediction).
std::pair<int, int> red_and_blue(const cv::Mat& image, int index, const FigureOptions& o) {
  cv::Mat cell = image(cv::Rect((index % o.columns) * o.cell, (index / o.columns) * o.cell, o.cell, o.cell));
  int red = 0, blue = 0;
  for (int y = 0; y < cell.rows; ++y)
    for (int x = 0; x < cell.cols; ++x) {
      auto px = cell.at<cv::Vec3b>(y, x);  // BGR
      red += px[2] > 150 && px[1] < 100 && px[0] < 100;
      blue += px[0] > 150 && px[2] < 100;
    }
  return {red, blue};
}

TEST(PredictionFigure, DrawsEachPoseInItsCellWithErrorsInRed) {
  torch::manual_seed(0);
  auto gt = geometry::root_centre(torch::randn({7, 17, 3}) * 300);
  auto pred = gt.clone();
  pred[1] += 60.0;  // only the second pose is wrong
  const std::string path = test::temp_dir("figure") + "/grid.png";
  FigureOptions o;
  write_prediction_figure(path, pred, gt, o);

  cv::Mat image = cv::imread(path);
  ASSERT_FALSE(image.empty()) << path;
  EXPECT_EQ(image.cols, 5 * o.cell);
  EXPECT_EQ(image.rows, 2 * o.cell);  // 7 poses in rows of 5
  auto [red0, blue0] = red_and_blue(image, 0, o);
  auto [red1, blue1] = red_and_blue(image, 1, o);
  auto [red9, blue9] = red_and_blue(image, 9, o);
  EXPECT_EQ(red0, 0) << "an exact prediction has no error segments";
  EXPECT_GT(blue0, 100);
  EXPECT_GT(red1, 20) << "a wrong prediction shows its errors";
  EXPECT_EQ(red9 + blue9, 0) << "the cell after the last pose is empty";
}

TEST(PredictionFigure, UnwritablePathIsAnInputErrorNamingIt) {
  auto pose = torch::zeros({1, 17, 3});
  try {
    write_prediction_figure("/nonexistent-dir/grid.png", pose, pose);
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/grid.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::eval
