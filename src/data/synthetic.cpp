#include "hpe3d/data/synthetic.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "hpe3d/core/seed.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

// Plain loops per pose, not tensor ops: a pose is ~20 small 3x3 products, and
// per-pose scalar code keeps every pose bit-identical however the stream is
// chunked (vectorised sin/cos can differ in the last bit between a tensor's
// body and its tail).

struct Vec {
  double x, y, z;
};
Vec operator+(Vec a, Vec b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec operator*(double s, Vec a) { return {s * a.x, s * a.y, s * a.z}; }
Vec unit(Vec a) { return (1.0 / std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z)) * a; }

using Mat = std::array<double, 9>;  // row-major

Mat operator*(const Mat& a, const Mat& b) {
  Mat c;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return c;
}
Vec operator*(const Mat& a, Vec v) {
  return {a[0] * v.x + a[1] * v.y + a[2] * v.z, a[3] * v.x + a[4] * v.y + a[5] * v.z,
          a[6] * v.x + a[7] * v.y + a[8] * v.z};
}
Mat rx(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {1, 0, 0, 0, c, -s, 0, s, c};
}
Mat ry(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {c, 0, s, 0, 1, 0, -s, 0, c};
}
Mat rz(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {c, -s, 0, s, c, 0, 0, 0, 1};
}

// The splitmix64 finaliser alone (core::splitmix64 without its increment),
// as the recorded synthetic sets were drawn with it.
uint64_t splitmix(uint64_t z) { return core::splitmix64(z - 0x9e3779b97f4a7c15ULL); }

// Random numbers drawn per pose.
constexpr int kDraws = 39;

// Bone lengths (mm) of Human3.6M subject S1 (the shared fixture):
// pelvis half-width, femur, shin, lower spine (Hip-Spine), upper spine
// (Spine-Thorax), Thorax-Neck/Nose, Neck/Nose-Head, clavicle, upper arm, forearm.
constexpr std::array<double, 10> kBoneMm = {133, 443, 454, 233, 257, 121, 115, 151, 279, 252};
enum Bone { kPelvis, kFemur, kShin, kSpineLow, kSpineHigh, kNeck, kHead, kClavicle, kUpperArm, kForearm };

constexpr double kDeg = M_PI / 180.0;

// One pose into out[17 * 3]. Body frame: x = the person's right, y = forward, z = up.
void make_pose(const double* u, const SyntheticPoseOptions& o, double* out) {
  auto U = [&](int k, double lo, double hi) { return lo + (hi - lo) * u[k]; };
  auto deg = [&](int k, double lo, double hi) { return U(k, lo, hi) * kDeg; };
  const double scale = U(0, 1 - o.body_scale_spread, 1 + o.body_scale_spread);
  std::array<double, 10> len;
  for (int b = 0; b < 10; ++b) len[b] = kBoneMm[b] * scale * U(1 + b, 1 - o.bone_jitter, 1 + o.bone_jitter);

  std::array<Vec, geometry::kNumJoints> p{};
  const Mat pelvis = rz(U(11, -M_PI, M_PI));  // yaw; spine and legs hang from the pelvis
  // Spine in two segments, then the neck: twist, side bend, forward bend (rx(-a) leans forward).
  const Mat lower = pelvis * rz(deg(16, -20, 20)) * ry(deg(15, -15, 15)) * rx(-deg(14, -15, 45));
  const Mat upper = lower * rz(deg(19, -20, 20)) * ry(deg(18, -10, 10)) * rx(-deg(17, -10, 30));
  const Mat neck = upper * rz(deg(22, -60, 60)) * ry(deg(21, -25, 25)) * rx(-deg(20, -30, 45));
  p[0] = {0, 0, 0};
  p[7] = p[0] + len[kSpineLow] * (lower * Vec{0, 0, 1});
  p[8] = p[7] + len[kSpineHigh] * (upper * Vec{0, 0, 1});
  p[9] = p[8] + len[kNeck] * (neck * unit({0, 0.35, 1}));  // the nose is ahead of the neck
  p[10] = p[9] + len[kHead] * (neck * unit({0, -0.15, 1}));

  for (int side = 0; side < 2; ++side) {  // 0: right (+x), 1: left (-x); left mirrors right
    const double sgn = side == 0 ? 1.0 : -1.0;
    const int hip = side == 0 ? 1 : 4, sh = side == 0 ? 14 : 11;
    const int k = 23 + 4 * side, a = 31 + 4 * side;
    // Leg: abduction (out to the side), flexion (forward), twist about the femur; knee bends back.
    const Mat leg = pelvis * ry(-sgn * deg(k + 1, -10, 40)) * rx(deg(k, -25, 110)) * rz(sgn * deg(k + 2, -20, 20));
    p[hip] = p[0] + len[kPelvis] * (pelvis * Vec{sgn, 0, 0});
    p[hip + 1] = p[hip] + len[kFemur] * (leg * Vec{0, 0, -1});
    p[hip + 2] = p[hip + 1] + len[kShin] * ((leg * rx(-deg(k + 3, 0, 140))) * Vec{0, 0, -1});
    // Arm: raised by elevation e (0 = hanging) in the vertical plane at azimuth
    // alpha (0 = sideways, 90 = forward), humeral twist; the elbow bends forward.
    const Mat arm = upper * rz(sgn * deg(a, -30, 110)) * ry(-sgn * deg(a + 1, 0, 160)) * rz(sgn * deg(a + 2, -45, 90));
    p[sh] = p[8] + len[kClavicle] * (upper * unit({sgn, 0, -0.2}));
    p[sh + 1] = p[sh] + len[kUpperArm] * (arm * Vec{0, 0, -1});
    p[sh + 2] = p[sh + 1] + len[kForearm] * ((arm * rx(deg(a + 3, 0, 145))) * Vec{0, 0, -1});
  }

  // Lower ankle at ankle height, unless something else would go below the floor.
  double lowest = p[0].z;
  for (const Vec& v : p) lowest = std::min(lowest, v.z);
  const double dz = std::max(o.ankle_height_mm - std::min(p[3].z, p[6].z), -lowest);
  const Vec shift = {U(12, -o.area_half_width_mm, o.area_half_width_mm),
                     U(13, -o.area_half_width_mm, o.area_half_width_mm), dz};
  for (int j = 0; j < geometry::kNumJoints; ++j) {
    const Vec v = p[j] + shift;
    out[j * 3] = v.x;
    out[j * 3 + 1] = v.y;
    out[j * 3 + 2] = v.z;
  }
}

}  // namespace

torch::Tensor sample_synthetic_poses(int64_t n, uint64_t seed, int64_t offset, const SyntheticPoseOptions& options) {
  TORCH_CHECK(n >= 0 && offset >= 0, "sample_synthetic_poses: n and offset must be >= 0, got ", n, ", ", offset);
  auto poses = torch::empty({n, geometry::kNumJoints, 3}, torch::kFloat64);
  double* out = poses.data_ptr<double>();
  const uint64_t key = splitmix(seed ^ 0x5eed5eed5eed5eedULL);
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
    std::array<double, kDraws> u;
    for (int64_t i = begin; i < end; ++i) {
      const uint64_t counter = static_cast<uint64_t>(offset + i) * kDraws;
      for (int k = 0; k < kDraws; ++k)  // SplitMix64 at position counter + k of stream `key`
        u[k] = static_cast<double>(splitmix(key + (counter + k + 1) * 0x9e3779b97f4a7c15ULL) >> 11) * 0x1.0p-53;
      make_pose(u.data(), options, out + i * geometry::kNumJoints * 3);
    }
  });
  return poses;
}

}  // namespace hpe3d::data
