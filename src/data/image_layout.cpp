#include "hpe3d/data/image_layout.h"

#include <hdf5.h>

#include <cstdio>
#include <filesystem>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

namespace fs = std::filesystem;

// Unlinks datasets of a closed file. H5File has no remove(); the space of a
// replaced dataset stays allocated in the file (h5repack reclaims it), about
// 70 bytes per row for /image + /bbox.
void unlink_datasets(const std::string& path, const std::vector<std::string>& names) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) core::fail(path, "cannot open for writing");
  for (const auto& name : names) {
    if (H5Lexists(f, name.c_str(), H5P_DEFAULT) > 0 && H5Ldelete(f, name.c_str(), H5P_DEFAULT) < 0) {
      H5Fclose(f);
      core::fail(path + ": " + name, "cannot remove the old dataset");
    }
  }
  H5Fclose(f);
}

}  // namespace

std::string h36m_image_path(int subject, const std::string& action, int subaction,
                            const std::string& camera_name, int frame, int frame_offset) {
  const int number = frame + frame_offset;
  if (number < 0)
    core::fail("--frame-offset", "frame " + std::to_string(frame) + " + offset " +
                                     std::to_string(frame_offset) + " is negative");
  std::string sequence = "S" + std::to_string(subject) + "_" + action;
  if (subaction != 0) sequence += "_" + std::to_string(subaction);
  sequence += "." + camera_name;
  char digits[16];
  std::snprintf(digits, sizeof digits, "%06d", number);
  return "S" + std::to_string(subject) + "/" + sequence + "/" + sequence + "_" + digits + ".jpg";
}

std::vector<std::string> h36m_image_paths(const PoseData& data, int frame_offset) {
  const int64_t n = data.size();
  auto sub = data.subject.accessor<int32_t, 1>();
  auto act = data.action.accessor<int32_t, 1>();
  auto sa = data.subaction.accessor<int32_t, 1>();
  auto cam = data.camera.accessor<int32_t, 1>();
  auto frame = data.frame.accessor<int32_t, 1>();
  std::vector<std::string> paths;
  paths.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (!data.cameras.has(sub[i], cam[i]))
      core::fail(data.cameras.source + ": /cameras/S" + std::to_string(sub[i]) + "/" + std::to_string(cam[i]),
                 "no calibration for row " + std::to_string(i) + " (its camera name names the image folder)");
    paths.push_back(h36m_image_path(sub[i], data.action_names.at(static_cast<size_t>(act[i])), sa[i],
                                    data.cameras.get(sub[i], cam[i]).name, frame[i], frame_offset));
  }
  return paths;
}

torch::Tensor bbox_from_joints(const torch::Tensor& pose2d, double margin) {
  TORCH_CHECK(pose2d.dim() == 3 && pose2d.size(1) == geometry::kNumJoints && pose2d.size(2) == 2,
              "bbox_from_joints: pose2d must be [N, 17, 2], got ", pose2d.sizes());
  TORCH_CHECK(margin >= 0, "bbox_from_joints: margin must be >= 0, got ", margin);
  auto p = pose2d.to(torch::kFloat64);
  auto lo = std::get<0>(p.min(1)), hi = std::get<0>(p.max(1));  // [N, 2]
  auto centre = (lo + hi) / 2;
  auto side = std::get<0>((hi - lo).max(1, /*keepdim=*/true)) * (1 + 2 * margin);  // [N, 1]
  return torch::cat({centre - side / 2, side, side}, 1).to(torch::kFloat32);
}

AttachReport attach_images(const AttachOptions& options) {
  if (options.layout != "h36m") core::fail("--layout", "unknown layout \"" + options.layout + "\" (known: h36m)");
  if (!(options.margin >= 0)) core::fail("--margin", "must be >= 0");
  if (!fs::is_directory(options.image_root)) core::fail(options.image_root, "image root is not a folder");
  auto data = read_pose_file(options.data);
  auto paths = h36m_image_paths(data, options.frame_offset);
  auto bbox = bbox_from_joints(data.pose2d, options.margin);

  AttachReport report;
  report.rows = data.size();
  const fs::path root(options.image_root);
  for (const auto& p : paths) {
    if (fs::exists(root / p)) continue;
    if (static_cast<int>(report.first_missing.size()) < options.list_missing) report.first_missing.push_back(p);
    ++report.missing;
  }

  // A copy with the new datasets replaces the file only when complete.
  const std::string tmp = options.data + ".tmp";
  std::error_code ec;
  fs::copy_file(options.data, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) core::fail(tmp, "cannot copy " + options.data + ": " + ec.message());
  try {
    unlink_datasets(tmp, {"/image", "/bbox"});
    H5File f(tmp, H5File::Mode::kReadWrite);
    f.write_strings("/image", paths);
    f.write("/bbox", bbox);
    f.close();
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  core::move_into_place(tmp, options.data);
  return report;
}

std::string describe(const AttachReport& report, const AttachOptions& options) {
  std::string s = "attached " + std::to_string(report.rows) + " image paths and boxes to " + options.data + " (" +
                  std::to_string(report.missing) + " missing under " + options.image_root + ")";
  for (const auto& p : report.first_missing) s += "\n  missing: " + p;
  if (report.missing > static_cast<int64_t>(report.first_missing.size())) s += "\n  ...";
  return s;
}

}  // namespace hpe3d::data
