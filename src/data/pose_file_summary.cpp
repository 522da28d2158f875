#include "hpe3d/data/pose_file_summary.h"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

std::map<int, int64_t> counts(const torch::Tensor& labels) {
  std::map<int, int64_t> out;
  auto a = labels.accessor<int32_t, 1>();
  for (int64_t i = 0; i < labels.size(0); ++i) ++out[a[i]];
  return out;
}

}  // namespace

std::string summarize(const PoseData& data) {
  std::string s = fmt::format("source: {}\nsamples: {}\n", data.source, data.size());
  if (data.size() == 0) return s;
  s += "subjects:";
  for (auto [k, n] : counts(data.subject)) s += fmt::format(" S{}={}", k, n);
  s += "\ncameras:";
  for (auto [k, n] : counts(data.camera)) s += fmt::format(" {}={}", k, n);
  s += "\nactions:\n";
  for (auto [k, n] : counts(data.action))
    s += fmt::format("  {:<14} {:>9}\n", data.action_names.at(static_cast<size_t>(k)), n);

  const char* axes = "xyz";
  s += "pose3d (camera frame, mm):";
  for (int d = 0; d < 3; ++d) {
    auto v = data.pose3d.select(2, d);
    s += fmt::format(" {} [{:.1f}, {:.1f}]", axes[d], v.min().item<float>(), v.max().item<float>());
  }
  s += "\npose2d (px):";
  for (int d = 0; d < 2; ++d) {
    auto v = data.pose2d.select(2, d);
    s += fmt::format(" {} [{:.1f}, {:.1f}]", axes[d], v.min().item<float>(), v.max().item<float>());
  }
  s += "\nbone lengths (mm): median, std, min, max (over all rows; a clip whose bones change length shows here)\n";
  // [N, 16], computed in float64 a block at a time so that a full-size file
  // (3.6 M samples) needs no float64 copy of all its poses.
  constexpr int64_t kBlock = 65536;
  std::vector<torch::Tensor> blocks;
  for (int64_t start = 0; start < data.size(); start += kBlock)
    blocks.push_back(geometry::bone_lengths(data.pose3d.slice(0, start, start + kBlock).to(torch::kFloat64))
                         .to(torch::kFloat32));
  auto lengths = torch::cat(blocks);
  auto median = std::get<0>(lengths.median(0));
  auto stddev = lengths.std(0);
  auto lo = std::get<0>(lengths.min(0)), hi = std::get<0>(lengths.max(0));
  const auto& names = geometry::joint_names();
  for (size_t b = 0; b < geometry::bones().size(); ++b) {
    auto [parent, child] = geometry::bones()[b];
    const auto i = static_cast<int64_t>(b);
    s += fmt::format("  {:>9} -> {:<9} {:8.1f} {:7.2f} {:8.1f} {:8.1f}\n", names[parent], names[child],
                     median[i].item<double>(), stddev[i].item<double>(), lo[i].item<double>(), hi[i].item<double>());
  }
  return s;
}

}  // namespace hpe3d::data
