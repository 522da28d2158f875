#include "hpe3d/data/synthetic.h"

#include <gtest/gtest.h>

#include <chrono>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

using geometry::joint_index;

// Bone indices in geometry::bones() order (child - 1).
constexpr int kRPelvis = 0, kRFemur = 1, kRShin = 2, kLPelvis = 3, kLFemur = 4, kLShin = 5, kLClavicle = 10,
              kLUpperArm = 11, kLForearm = 12, kRClavicle = 13, kRUpperArm = 14, kRForearm = 15;

torch::Tensor z_of(const torch::Tensor& poses, const char* joint) {
  return poses.select(1, joint_index(joint)).select(1, 2);
}

TEST(Synthetic, ShapeAndFinite) {
  auto poses = sample_synthetic_poses(5000, 1);
  ASSERT_EQ(poses.sizes(), (std::vector<int64_t>{5000, 17, 3}));
  EXPECT_EQ(poses.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::isfinite(poses).all().item<bool>());
  EXPECT_EQ(sample_synthetic_poses(0, 1).size(0), 0);
}

TEST(Synthetic, DeterministicPerSeed) {
  auto a = sample_synthetic_poses(2000, 42);
  EXPECT_TRUE(torch::equal(a, sample_synthetic_poses(2000, 42)));
  // The global RNG plays no part.
  torch::manual_seed(123);
  EXPECT_TRUE(torch::equal(a, sample_synthetic_poses(2000, 42)));
  auto b = sample_synthetic_poses(2000, 43);
  EXPECT_GT((a - b).abs().mean().item<double>(), 10.0) << "another seed gives other poses";
  // Poses within a stream differ from each other too.
  auto root_relative = a - a.slice(1, 0, 1);
  EXPECT_GT(root_relative.std(0).mean().item<double>(), 50.0);
}

TEST(Synthetic, ChunkedEqualsWhole) {
  const int64_t n = 20000;
  auto whole = sample_synthetic_poses(n, 9);
  std::vector<torch::Tensor> chunks;
  for (int64_t offset = 0; offset < n; offset += 3000)  // uneven chunks, last one short
    chunks.push_back(sample_synthetic_poses(std::min<int64_t>(3000, n - offset), 9, offset));
  EXPECT_TRUE(torch::equal(whole, torch::cat(chunks)));
  // Thread count does not matter either.
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  auto one = sample_synthetic_poses(n, 9);
  torch::set_num_threads(2);
  auto two = sample_synthetic_poses(n, 9);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(whole, one));
  EXPECT_TRUE(torch::equal(whole, two));
}

TEST(Synthetic, HumanBoneLengthsSymmetric) {
  auto poses = sample_synthetic_poses(20000, 5);
  auto bones = geometry::bone_lengths(poses);  // [N, 16]
  auto in_range = [&](int b, double lo, double hi) {
    auto l = bones.select(1, b);
    EXPECT_GT(l.min().item<double>(), lo) << "bone " << b;
    EXPECT_LT(l.max().item<double>(), hi) << "bone " << b;
  };
  in_range(kRFemur, 350, 550);
  in_range(kRShin, 350, 550);
  in_range(kRUpperArm, 230, 350);
  in_range(kRForearm, 200, 320);
  in_range(kRPelvis, 100, 170);
  // Per-pose variation, but small.
  auto femur = bones.select(1, kRFemur);
  EXPECT_GT(femur.std().item<double>(), 5.0);
  EXPECT_LT(femur.std().item<double>(), 40.0);
  // Left and right limbs have the same length in every pose.
  for (auto [l, r] : {std::pair{kLPelvis, kRPelvis}, {kLFemur, kRFemur}, {kLShin, kRShin},
                      {kLClavicle, kRClavicle}, {kLUpperArm, kRUpperArm}, {kLForearm, kRForearm}})
    EXPECT_LT((bones.select(1, l) - bones.select(1, r)).abs().max().item<double>(), 1e-9) << l << " vs " << r;
}

TEST(Synthetic, UprightOnTheFloorWithRandomYaw) {
  SyntheticPoseOptions options;
  auto poses = sample_synthetic_poses(20000, 11, 0, options);
  auto head = z_of(poses, "Head"), hip = z_of(poses, "Hip");
  auto feet = torch::min(z_of(poses, "LFoot"), z_of(poses, "RFoot"));
  EXPECT_GT(head.mean().item<double>(), hip.mean().item<double>() + 300.0);
  EXPECT_GT(hip.mean().item<double>(), feet.mean().item<double>() + 400.0);
  EXPECT_GT((head > hip).to(torch::kFloat64).mean().item<double>(), 0.95);
  // Root height of a standing-to-crouching person.
  EXPECT_GT(hip.mean().item<double>(), 650.0);
  EXPECT_LT(hip.mean().item<double>(), 1050.0);
  EXPECT_LT(hip.max().item<double>(), 1150.0);
  // Nothing below the floor; the lower ankle at ankle height in most poses.
  EXPECT_GE(poses.select(2, 2).min().item<double>(), -1e-9);
  EXPECT_GE(feet.min().item<double>(), options.ankle_height_mm - 1e-9);
  EXPECT_GT((feet < options.ankle_height_mm + 1e-6).to(torch::kFloat64).mean().item<double>(), 0.9);
  // Facing direction (left hip -> right hip, turned to forward) covers all yaws.
  auto across = poses.select(1, joint_index("RHip")) - poses.select(1, joint_index("LHip"));
  auto yaw = torch::atan2(across.select(1, 1), across.select(1, 0));  // uniform on (-pi, pi]
  auto hist = torch::histc(yaw, 8, -M_PI, M_PI) / yaw.size(0);
  EXPECT_LT((hist - 0.125).abs().max().item<double>(), 0.02) << hist;
  // Root x, y spread over the capture area around the origin.
  auto root_xy = poses.select(1, 0).slice(1, 0, 2);
  EXPECT_LT(root_xy.mean(0).abs().max().item<double>(), 30.0);
  EXPECT_LE(root_xy.abs().max().item<double>(), options.area_half_width_mm);
  EXPECT_GT(root_xy.abs().max().item<double>(), 0.9 * options.area_half_width_mm);
}

TEST(Synthetic, KneeAndElbowAnglesInHumanRange) {
  // Angle between the two segments of a limb: 0 = straight; knees bend up to
  // 140 degrees, elbows up to 145, and deep bends do occur.
  auto poses = sample_synthetic_poses(20000, 3);
  struct Limb {
    const char *a, *b, *c;
    double max_deg;
  };
  for (const Limb& limb : {Limb{"RHip", "RKnee", "RFoot", 140}, Limb{"LHip", "LKnee", "LFoot", 140},
                           Limb{"RShoulder", "RElbow", "RWrist", 145}, Limb{"LShoulder", "LElbow", "LWrist", 145}}) {
    auto upper = poses.select(1, joint_index(limb.b)) - poses.select(1, joint_index(limb.a));
    auto lower = poses.select(1, joint_index(limb.c)) - poses.select(1, joint_index(limb.b));
    auto bend = torch::acos(((upper * lower).sum(1) / (upper.norm(2, 1) * lower.norm(2, 1))).clamp(-1, 1)) * 180.0 / M_PI;
    EXPECT_LE(bend.max().item<double>(), limb.max_deg + 1e-6) << limb.b;
    EXPECT_GT(bend.max().item<double>(), limb.max_deg - 10.0) << limb.b;
    EXPECT_LT(bend.min().item<double>(), 10.0) << limb.b;
  }
}

TEST(Synthetic, MillionPosesInAFewSeconds) {
  auto start = std::chrono::steady_clock::now();
  auto poses = sample_synthetic_poses(1000000, 2);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ synthetic ] 1,000,000 poses in " << seconds << " s (" << 1e6 / seconds << " poses/s, "
            << torch::get_num_threads() << " threads)\n";
  EXPECT_EQ(poses.size(0), 1000000);
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace hpe3d::data
