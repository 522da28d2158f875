#include "hpe3d/geometry/procrustes.h"

namespace hpe3d::geometry {
namespace {

void check_pair(const torch::Tensor& pred, const torch::Tensor& target, const char* fn) {
  TORCH_CHECK(pred.dim() == 3, fn, ": expected pred [B, J, D], got ", pred.sizes());
  TORCH_CHECK(pred.sizes() == target.sizes(), fn, ": pred ", pred.sizes(), " and target ",
              target.sizes(), " differ in shape");
}

}  // namespace

torch::Tensor align_similarity(const torch::Tensor& pred, const torch::Tensor& target) {
  check_pair(pred, target, "align_similarity");
  TORCH_CHECK(pred.size(2) == 3, "align_similarity: expected 3D points, got ", pred.sizes());
  auto y = pred.to(torch::kFloat64);
  auto x = target.to(torch::kFloat64);
  auto mu_y = y.mean(1, /*keepdim=*/true);
  auto mu_x = x.mean(1, /*keepdim=*/true);
  auto y0 = y - mu_y;
  auto x0 = x - mu_x;
  // Minimise |s y0 R - x0|^2 over rotations R (row-vector convention):
  // A = y0^T x0 = U S V^T, R = U D V^T with D = diag(1, 1, det(U V^T)).
  auto a = torch::matmul(y0.transpose(1, 2), x0);  // [B, 3, 3]
  auto [u, s, vh] = torch::linalg_svd(a, /*full_matrices=*/false);
  auto det = torch::linalg_det(torch::matmul(u, vh));  // [B], +-1
  auto d = torch::ones_like(s);                         // [B, 3]
  d.select(1, 2).copy_(torch::sign(det));
  auto r = torch::matmul(u * d.unsqueeze(1), vh);  // U diag(d) V^T
  auto scale = (s * d).sum(1) / y0.pow(2).sum({1, 2}).clamp_min(1e-12);  // [B]
  auto aligned = scale.view({-1, 1, 1}) * torch::matmul(y0, r) + mu_x;
  return aligned.to(pred.scalar_type());
}

torch::Tensor align_scale(const torch::Tensor& pred, const torch::Tensor& target) {
  check_pair(pred, target, "align_scale");
  auto num = (pred * target).sum({1, 2});
  auto den = pred.pow(2).sum({1, 2}).clamp_min(1e-12);
  return (num / den).view({-1, 1, 1}) * pred;
}

}  // namespace hpe3d::geometry
