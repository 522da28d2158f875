#include "hpe3d/geometry/procrustes.h"

#include <gtest/gtest.h>

namespace hpe3d::geometry {
namespace {

torch::Tensor random_rotation(int64_t batch) {
  auto q = std::get<0>(torch::linalg_qr(torch::randn({batch, 3, 3}, torch::kFloat64)));
  auto det = torch::linalg_det(q);
  auto fix = torch::ones({batch, 1, 3}, torch::kFloat64);
  fix.select(2, 2).copy_(det.unsqueeze(1));
  return q * fix;  // det +1
}

TEST(Procrustes, RecoversASimilarityTransform) {
  torch::manual_seed(0);
  auto gt = torch::randn({8, 17, 3}, torch::kFloat64) * 300;
  auto r = random_rotation(8);
  auto s = torch::rand({8, 1, 1}, torch::kFloat64) + 0.5;
  auto t = torch::randn({8, 1, 3}, torch::kFloat64) * 1000;
  auto pred = s * torch::matmul(gt, r) + t;
  auto aligned = align_similarity(pred, gt);
  EXPECT_LT((aligned - gt).abs().max().item<double>(), 1e-8);
  // float32 in, float32 out, still accurate.
  auto aligned32 = align_similarity(pred.to(torch::kFloat32), gt.to(torch::kFloat32));
  EXPECT_EQ(aligned32.scalar_type(), torch::kFloat32);
  EXPECT_LT((aligned32.to(torch::kFloat64) - gt).abs().max().item<double>(), 1e-2);
}

TEST(Procrustes, NeverReflects) {
  torch::manual_seed(1);
  auto gt = torch::randn({4, 17, 3}, torch::kFloat64) * 300;
  auto mirrored = gt.clone();
  mirrored.select(2, 0).neg_();
  auto aligned = align_similarity(mirrored, gt);
  // A reflection would fit exactly; a rotation cannot.
  EXPECT_GT((aligned - gt).norm(2, -1).mean().item<double>(), 10.0);
  // The map applied is a proper similarity: pairwise distances scale uniformly.
  auto d_in = torch::cdist(mirrored, mirrored);
  auto d_out = torch::cdist(aligned, aligned);
  auto ratio = d_out.flatten(1).sum(1) / d_in.flatten(1).sum(1);
  EXPECT_TRUE(torch::allclose(d_out, d_in * ratio.view({-1, 1, 1}), 1e-8, 1e-6));
}

TEST(Procrustes, AlignmentNeverIncreasesTheError) {
  torch::manual_seed(2);
  auto gt = torch::randn({16, 17, 3}, torch::kFloat64) * 300;
  auto pred = gt + torch::randn_like(gt) * 50;
  auto before = (pred - gt).pow(2).sum({1, 2});
  auto after = (align_similarity(pred, gt) - gt).pow(2).sum({1, 2});
  EXPECT_TRUE((after <= before + 1e-9).all().item<bool>());
}

TEST(ScaleAlignment, GoldenValue) {
  // pred = 2 * gt -> s = 1/2 exactly.
  auto gt = torch::tensor({{{1.0, 0.0, 0.0}, {0.0, 2.0, 0.0}}}, torch::kFloat64);
  auto aligned = align_scale(gt * 2, gt);
  EXPECT_TRUE(torch::allclose(aligned, gt));
  // pred = (1,0,0),(0,1,0); gt = (2,0,0),(0,0,0): s = <p,g>/<p,p> = 2/2 = 1.
  auto p = torch::tensor({{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}}, torch::kFloat64);
  auto g = torch::tensor({{{2.0, 0.0, 0.0}, {0.0, 0.0, 0.0}}}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(align_scale(p, g), p));
}

}  // namespace
}  // namespace hpe3d::geometry
