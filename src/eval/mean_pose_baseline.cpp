#include "hpe3d/eval/mean_pose_baseline.h"

#include "hpe3d/eval/error_accumulator.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::eval {

double mean_pose_mpjpe(const torch::Tensor& train_pose3d, const data::PoseSplit& test, int joints,
                       int64_t batch_size) {
  ErrorAccumulator acc;
  auto mean = geometry::add_root(train_pose3d.mean(0, /*keepdim=*/true));
  for (int64_t start = 0; start < test.size(); start += batch_size) {
    const int64_t n = std::min<int64_t>(batch_size, test.size() - start);
    auto p3 = geometry::add_root(test.pose3d.narrow(0, start, n));
    acc.add(pose_errors(mean.expand_as(p3), p3, Protocol::kP1, {joints}), test.action.narrow(0, start, n),
            test.subject.narrow(0, start, n));
  }
  return acc.mean_over_actions();
}

}  // namespace hpe3d::eval
