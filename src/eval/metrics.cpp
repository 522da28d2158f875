#include "hpe3d/eval/metrics.h"

#include <sstream>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/procrustes.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::eval {

std::string protocol_key(Protocol protocol) {
  return "p" + std::to_string(static_cast<int>(protocol));
}

std::string protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kP1: return "MPJPE";
    case Protocol::kP2: return "P-MPJPE";
    case Protocol::kP3: return "N-MPJPE";
  }
  return "?";
}

std::vector<Protocol> parse_protocols(const std::string& list, const std::string& what) {
  std::vector<Protocol> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "1") out.push_back(Protocol::kP1);
    else if (item == "2") out.push_back(Protocol::kP2);
    else if (item == "3") out.push_back(Protocol::kP3);
    else core::fail(what, "expected protocols among 1,2,3, got \"" + item + "\"");
  }
  if (out.empty()) core::fail(what, "no protocol given");
  return out;
}

torch::Tensor pose_errors(const torch::Tensor& pred, const torch::Tensor& target,
                          Protocol protocol, const MetricOptions& options) {
  TORCH_CHECK(pred.dim() == 3 && pred.size(1) == geometry::kNumJoints && pred.size(2) == 3,
              "pose_errors: expected pred [B, 17, 3], got ", pred.sizes());
  TORCH_CHECK(pred.sizes() == target.sizes(), "pose_errors: pred ", pred.sizes(),
              " and target ", target.sizes(), " differ in shape");
  TORCH_CHECK(options.joints == 17 || options.joints == 16,
              "pose_errors: joints must be 17 or 16, got ", options.joints);
  auto p = geometry::root_centre(pred);
  auto t = geometry::root_centre(target);
  if (options.joints == 16) {
    p = p.narrow(1, 1, 16);
    t = t.narrow(1, 1, 16);
  }
  switch (protocol) {
    case Protocol::kP1: break;
    case Protocol::kP2: p = geometry::align_similarity(p, t); break;
    case Protocol::kP3: p = geometry::align_scale(p, t); break;
  }
  return (p - t).norm(2, -1).mean(-1);
}

}  // namespace hpe3d::eval
