#pragma once
// The Human3.6M camera model (DESIGN.md 3.2), batched on tensors of any
// leading shape, float32 or float64 (the computation runs in the input dtype).
//
//   X_cam = R (X_world - T)
//   x = X/Z, r2 = |x|^2, radial = 1 + k1 r2 + k2 r2^2 + k3 r2^3,
//   tan = p1 x_y + p2 x_x, x_d = x (radial + tan) + (p2, p1) r2,
//   pixel = f * x_d + c
#include <array>
#include <string>

#include <torch/torch.h>

namespace hpe3d::geometry {

struct Camera {
  int subject = 0;           // Human3.6M subject id (1, 5, 6, ...)
  int index = 0;             // 1..4 in the order 54138969, 55011271, 58860488, 60457274
  std::string name;          // "54138969"
  std::array<double, 9> R{}; // world-to-camera rotation, row-major, column vectors
  std::array<double, 3> T{}; // camera centre in world coordinates, mm
  std::array<double, 2> f{}; // focal lengths, px
  std::array<double, 2> c{}; // principal point, px
  std::array<double, 3> k{}; // radial distortion k1, k2, k3
  std::array<double, 2> p{}; // tangential distortion p1, p2
  int width = 0;             // image size, px
  int height = 0;
};

// [..., 3] world mm -> [..., 3] camera frame mm.
torch::Tensor world_to_camera(const torch::Tensor& x_world, const Camera& cam);

// [..., 3] camera frame mm -> [..., 3] world mm.
torch::Tensor camera_to_world(const torch::Tensor& x_cam, const Camera& cam);

// [..., 3] camera frame mm -> [..., 2] distorted pixel coordinates.
torch::Tensor project(const torch::Tensor& x_cam, const Camera& cam);

// [..., 3] camera frame mm -> [..., 2] pixels without distortion (pinhole).
torch::Tensor project_pinhole(const torch::Tensor& x_cam, const Camera& cam);

}  // namespace hpe3d::geometry
