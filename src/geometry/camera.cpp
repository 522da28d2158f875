#include "hpe3d/geometry/camera.h"

namespace hpe3d::geometry {
namespace {

template <size_t N>
torch::Tensor as_tensor(const std::array<double, N>& a, const torch::Tensor& like) {
  return torch::tensor(std::vector<double>(a.begin(), a.end()), torch::kFloat64)
      .to(like.options());
}

void check_points(const torch::Tensor& x, const char* fn) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == 3, fn, ": expected [..., 3], got ", x.sizes());
  TORCH_CHECK(x.is_floating_point(), fn, ": expected a floating-point tensor, got ", x.dtype());
}

torch::Tensor rotation(const Camera& cam, const torch::Tensor& like) {
  return as_tensor(cam.R, like).view({3, 3});
}

}  // namespace

torch::Tensor world_to_camera(const torch::Tensor& x_world, const Camera& cam) {
  check_points(x_world, "world_to_camera");
  // Row vectors: (R (X - T))^T = (X - T)^T R^T
  return torch::matmul(x_world - as_tensor(cam.T, x_world), rotation(cam, x_world).t());
}

torch::Tensor camera_to_world(const torch::Tensor& x_cam, const Camera& cam) {
  check_points(x_cam, "camera_to_world");
  return torch::matmul(x_cam, rotation(cam, x_cam)) + as_tensor(cam.T, x_cam);
}

torch::Tensor project_pinhole(const torch::Tensor& x_cam, const Camera& cam) {
  check_points(x_cam, "project_pinhole");
  auto xy = x_cam.narrow(-1, 0, 2) / x_cam.narrow(-1, 2, 1);
  return xy * as_tensor(cam.f, x_cam) + as_tensor(cam.c, x_cam);
}

torch::Tensor project(const torch::Tensor& x_cam, const Camera& cam) {
  check_points(x_cam, "project");
  auto xy = x_cam.narrow(-1, 0, 2) / x_cam.narrow(-1, 2, 1);  // [..., 2]
  auto r2 = xy.pow(2).sum(-1, /*keepdim=*/true);               // [..., 1]
  auto radial = 1 + cam.k[0] * r2 + cam.k[1] * r2.pow(2) + cam.k[2] * r2.pow(3);
  auto x = xy.narrow(-1, 0, 1);
  auto y = xy.narrow(-1, 1, 1);
  auto tan = cam.p[0] * y + cam.p[1] * x;
  std::array<double, 2> p_swapped = {cam.p[1], cam.p[0]};
  auto distorted = xy * (radial + tan) + as_tensor(p_swapped, x_cam) * r2;
  return distorted * as_tensor(cam.f, x_cam) + as_tensor(cam.c, x_cam);
}

}  // namespace hpe3d::geometry
