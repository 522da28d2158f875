#include "hpe3d/data/synthetic_poses.h"

#include <ATen/CPUGeneratorImpl.h>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/camera_views.h"
#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {
namespace {

constexpr int64_t kBlock = 4096;  // poses per generator block of the stream
constexpr double kDeg = M_PI / 180.0;

using torch::Tensor;

// [n] angles -> [n, 3, 3] rotations about one axis.
Tensor rotation(const Tensor& a, int axis) {
  auto c = a.cos(), s = a.sin(), o = torch::ones_like(a), z = torch::zeros_like(a);
  std::vector<Tensor> m;
  if (axis == 0) m = {o, z, z, z, c, -s, z, s, c};
  else if (axis == 1) m = {c, z, s, z, o, z, -s, z, c};
  else m = {c, -s, z, s, c, z, z, z, o};
  return torch::stack(m, 1).view({-1, 3, 3});
}

Tensor apply(const Tensor& r, const Tensor& v) { return torch::matmul(r, v.unsqueeze(-1)).squeeze(-1); }

// One block of kBlock poses from its own generator.
Tensor sample_block(uint64_t seed, int64_t block) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(block) + 1);
  const auto f64 = torch::TensorOptions(torch::kFloat64);
  const int64_t n = kBlock;
  auto uniform = [&](double lo, double hi) { return torch::rand({n}, gen, f64) * (hi - lo) + lo; };
  auto normal = [&](double mean, double sd) { return torch::randn({n}, gen, f64) * sd + mean; };
  auto vec = [&](double x, double y, double z) {
    return torch::tensor({x, y, z}, f64).expand({n, 3});
  };
  auto scale = normal(1.0, 0.05).clamp(0.85, 1.15).unsqueeze(1);  // body size
  auto bone = [&](double x, double y, double z) { return vec(x, y, z) * scale; };

  // Heading and torso.
  auto yaw = uniform(-M_PI, M_PI);
  auto r_pelvis = torch::matmul(rotation(yaw, 2), rotation(normal(0, 5 * kDeg), 1));
  auto r_spine = torch::matmul(r_pelvis, torch::matmul(rotation(-uniform(-10 * kDeg, 40 * kDeg), 0),
                                                       rotation(normal(0, 8 * kDeg), 1)));
  auto r_chest = torch::matmul(r_spine, torch::matmul(rotation(-uniform(-5 * kDeg, 20 * kDeg), 0),
                                                      rotation(normal(0, 15 * kDeg), 2)));
  auto r_head = torch::matmul(r_chest, torch::matmul(rotation(-uniform(-20 * kDeg, 40 * kDeg), 0),
                                                     rotation(normal(0, 25 * kDeg), 2)));
  auto joints = torch::zeros({n, 17, 3}, f64);
  auto set = [&](int j, const Tensor& p) { joints.select(1, j).copy_(p); };
  auto get = [&](int j) { return joints.select(1, j); };
  set(7, apply(r_spine, bone(0, 0, 233)));
  set(8, get(7) + apply(r_chest, bone(0, 0, 257)));
  set(9, get(8) + apply(r_head, bone(0, 25, 115)));
  set(10, get(9) + apply(r_head, bone(0, 0, 115)));

  // Legs: hip flexion (forward), abduction (outward), knee flexion (backward).
  for (int side : {+1, -1}) {  // +1: right (+x in the body frame), -1: left
    const int hip = side > 0 ? 1 : 4;
    set(hip, apply(r_pelvis, bone(side * 133, 0, 0)));
    auto r_thigh = torch::matmul(
        r_pelvis, torch::matmul(rotation(uniform(-30 * kDeg, 100 * kDeg), 0),
                                rotation(-side * uniform(-10 * kDeg, 40 * kDeg), 1)));
    set(hip + 1, get(hip) + apply(r_thigh, bone(0, 0, -450)));
    auto r_shin = torch::matmul(r_thigh, rotation(-uniform(0, 130 * kDeg), 0));
    set(hip + 2, get(hip + 1) + apply(r_shin, bone(0, 0, -445)));
  }
  // Arms: forward raise, abduction, elbow flexion (forward).
  for (int side : {+1, -1}) {
    const int shoulder = side > 0 ? 14 : 11;
    set(shoulder, get(8) + apply(r_chest, bone(side * 150, 0, -10)));
    auto r_upper = torch::matmul(
        r_chest, torch::matmul(rotation(-side * uniform(0, 100 * kDeg), 1),
                               rotation(uniform(-40 * kDeg, 150 * kDeg), 0)));
    set(shoulder + 1, get(shoulder) + apply(r_upper, bone(0, 0, -280)));
    auto r_fore = torch::matmul(r_upper, rotation(uniform(0, 140 * kDeg), 0));
    set(shoulder + 2, get(shoulder + 1) + apply(r_fore, bone(0, 0, -250)));
  }
  // Feet (ankles) 90 mm above the floor at the lowest; body near the centre.
  auto lowest = torch::minimum(get(3).select(1, 2), get(6).select(1, 2));
  auto shift = torch::stack({uniform(-1000, 1000), uniform(-1000, 1000), 90 - lowest}, 1);
  return joints + shift.unsqueeze(1);
}

}  // namespace

torch::Tensor sample_synthetic_poses(int64_t n, uint64_t seed, int64_t offset) {
  TORCH_CHECK(n >= 0 && offset >= 0, "sample_synthetic_poses: n and offset must be >= 0");
  std::vector<Tensor> parts;
  for (int64_t block = offset / kBlock; block * kBlock < offset + n; ++block) {
    auto b = sample_block(seed, block);
    const int64_t lo = std::max(offset, block * kBlock) - block * kBlock;
    const int64_t hi = std::min(offset + n, (block + 1) * kBlock) - block * kBlock;
    parts.push_back(b.narrow(0, lo, hi - lo));
  }
  if (parts.empty()) return torch::zeros({0, 17, 3}, torch::kFloat64);
  return torch::cat(parts, 0);
}

int64_t prepare_synthetic(const SyntheticOptions& options, const std::string& out) {
  if (options.poses < 1) core::fail("--n", "must be >= 1");
  if (options.subjects.empty()) core::fail("--subjects", "at least one subject is needed");
  auto cameras = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  for (int s : options.subjects)
    if (cameras.indices(s).empty())
      core::fail("--subjects", "no Human3.6M cameras for subject " + std::to_string(s));
  PoseFileWriter writer(out, "synthetic:seed=" + std::to_string(options.seed), {"Synthetic"}, cameras);
  const int64_t per_subject = (options.poses + static_cast<int64_t>(options.subjects.size()) - 1) /
                              static_cast<int64_t>(options.subjects.size());
  constexpr int64_t kChunk = 65536;
  int64_t rows = 0, done = 0;
  for (size_t si = 0; si < options.subjects.size() && done < options.poses; ++si) {
    const int64_t count = std::min(per_subject, options.poses - done);
    for (int64_t start = 0; start < count; start += kChunk) {
      WorldSequence seq;
      seq.subject = options.subjects[si];
      seq.action = "Synthetic";
      const int64_t m = std::min(kChunk, count - start);
      seq.joints = sample_synthetic_poses(m, options.seed, done + start);
      for (int64_t i = 0; i < m; ++i) seq.frames.push_back(static_cast<int>(start + i));
      rows += append_camera_views(writer, seq, 0, cameras);
    }
    done += count;
  }
  writer.finish();
  core::logger("data")->info("wrote {}: {} synthetic poses, {} camera views", out, done, rows);
  return rows;
}

}  // namespace hpe3d::data
