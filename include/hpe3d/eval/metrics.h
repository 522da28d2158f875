#pragma once
// Human3.6M pose errors, per pose, in the units of the input (mm).
//   P1  MPJPE:   mean joint distance after centring both poses on the root.
//   P2  P-MPJPE: after a similarity (Procrustes with scale) alignment.
//   P3  N-MPJPE: after a scale-only alignment (Rhodin et al. 2018).
// By default all 17 joints, the root (zero after centring) included, are in
// the denominator (the Martinez / VideoPose3D convention); joints = 16 leaves
// the root out of alignment and mean.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::eval {

enum class Protocol { kP1 = 1, kP2 = 2, kP3 = 3 };

// "p1" / "p2" / "p3"
std::string protocol_key(Protocol protocol);
// "MPJPE" / "P-MPJPE" / "N-MPJPE"
std::string protocol_name(Protocol protocol);
// Parses "1,2,3"; throws core::InputError naming `what` on anything else.
std::vector<Protocol> parse_protocols(const std::string& list, const std::string& what);

struct MetricOptions {
  int joints = 17;  // 17 (root included in the mean) or 16 (root left out)
};

// pred, target: [B, 17, 3] -> [B] error per pose.
torch::Tensor pose_errors(const torch::Tensor& pred, const torch::Tensor& target,
                          Protocol protocol, const MetricOptions& options = {});

}  // namespace hpe3d::eval
