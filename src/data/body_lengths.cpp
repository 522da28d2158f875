#include "hpe3d/data/body_lengths.h"

#include <fmt/format.h>

#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

// Bones of geometry::bones() (index j - 1 ends at joint j), as left/right pairs.
constexpr int kFemur[2] = {4, 1};      // LHip-LKnee, RHip-RKnee
constexpr int kShin[2] = {5, 2};       // LKnee-LFoot, RKnee-RFoot
constexpr int kUpperArm[2] = {11, 14};  // LShoulder-LElbow, RShoulder-RElbow
constexpr int kForearm[2] = {12, 15};   // LElbow-LWrist, RElbow-RWrist
constexpr int kTorsoAndHead[4] = {6, 7, 8, 9};  // Hip-Spine, Spine-Thorax, Thorax-Neck/Nose, Neck/Nose-Head

struct BoneRange {
  const char* name;
  const int* bones;
  double lo, hi;
};

}  // namespace

std::string BodyLengths::text(double scale, const std::string& unit) const {
  return fmt::format("femur {:.1f}, shin {:.1f}, upper arm {:.1f}, forearm {:.1f}, stature {:.1f}{}", femur * scale,
                     shin * scale, upper_arm * scale, forearm * scale, stature * scale, unit.empty() ? "" : " " + unit);
}

BodyLengths measure_body(const torch::Tensor& poses) {
  TORCH_CHECK(poses.dim() == 3 && poses.size(1) == geometry::kNumJoints && poses.size(2) == 3,
              "measure_body: expected [T, 17, 3], got ", poses.sizes());
  const int64_t T = poses.size(0);
  auto sampled = T > 2000 ? poses.index_select(0, torch::linspace(0, T - 1, 2000).to(torch::kLong)) : poses;
  auto bones = geometry::bone_lengths(sampled.to(torch::kFloat64));  // [t, 16]
  auto pair = [&](const int* b) {
    return ((bones.select(1, b[0]) + bones.select(1, b[1])) / 2).median().item<double>();
  };
  BodyLengths l;
  l.femur = pair(kFemur);
  l.shin = pair(kShin);
  l.upper_arm = pair(kUpperArm);
  l.forearm = pair(kForearm);
  auto stature = (bones.select(1, kFemur[0]) + bones.select(1, kFemur[1]) + bones.select(1, kShin[0]) +
                  bones.select(1, kShin[1])) / 2;
  for (int b : kTorsoAndHead) stature = stature + bones.select(1, b);
  l.stature = stature.median().item<double>();
  return l;
}

const std::vector<LengthUnit>& length_units() {
  static const std::vector<LengthUnit> units = {
      {"mm", 1.0}, {"cm", 10.0}, {"m", 1000.0}, {"inch", 25.4}, {"cmu", 25.4 / 0.45}};
  return units;
}

LengthUnit length_unit(const std::string& name, const std::string& where) {
  std::string known;
  for (const auto& u : length_units()) {
    if (u.name == name) return u;
    known += (known.empty() ? "" : ", ") + u.name;
  }
  core::fail(where, "unknown unit '" + name + "' (expected one of " + known + ")");
}

LengthUnit choose_length_unit(const BodyLengths& lengths, const std::string& where) {
  std::vector<LengthUnit> fits;
  for (const auto& u : length_units()) {
    const double femur = lengths.femur * u.mm, stature = lengths.stature * u.mm;
    if (femur >= kFemurMin && femur <= kFemurMax && stature >= kStatureMin && stature <= kStatureMax)
      fits.push_back(u);
  }
  const std::string measured =
      fmt::format("measured in file units: {}; a human needs femur {:.1f}-{:.1f} mm and stature {:.1f}-{:.1f} mm "
                  "(ankle to head top)",
                  lengths.text(), kFemurMin, kFemurMax, kStatureMin, kStatureMax);
  if (fits.empty()) core::fail(where, "no length unit (mm, cm, m, inch, cmu) gives a human body (" + measured + "); use --units");
  if (fits.size() > 1)
    core::fail(where, "ambiguous length unit: " + fits[0].name + " and " + fits[1].name + " both give a human body (" +
                          measured + "); use --units");
  return fits[0];
}

void check_human_lengths(const torch::Tensor& poses_mm, const std::string& where) {
  TORCH_CHECK(poses_mm.dim() == 3 && poses_mm.size(1) == geometry::kNumJoints && poses_mm.size(2) == 3,
              "check_human_lengths: expected [T, 17, 3], got ", poses_mm.sizes());
  static const BoneRange ranges[] = {{"femur", kFemur, 250, 650},
                                     {"shin", kShin, 250, 650},
                                     {"upper arm", kUpperArm, 180, 450},
                                     {"forearm", kForearm, 150, 400}};
  auto bones = geometry::bone_lengths(poses_mm.to(torch::kFloat64));  // [T, 16]
  for (const auto& r : ranges) {
    for (int side = 0; side < 2; ++side) {
      auto length = bones.select(1, r.bones[side]);
      auto bad = (length < r.lo).logical_or(length > r.hi);
      const int64_t count = bad.sum().item<int64_t>();
      if (count == 0) continue;
      const int64_t first = bad.nonzero()[0][0].item<int64_t>();
      core::fail(where, fmt::format("{} {} of {:.1f} mm at frame {} is outside the human range {:.1f}-{:.1f} mm ({} of {} "
                                    "frames); wrong units or joint map? (--units, --skeleton)",
                                    side == 0 ? "left" : "right", r.name, length[first].item<double>(), first, r.lo,
                                    r.hi, count, length.size(0)));
    }
  }
}

}  // namespace hpe3d::data
