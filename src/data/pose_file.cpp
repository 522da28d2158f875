#include "hpe3d/data/pose_file.h"

#include <cstdio>
#include <filesystem>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/error.h"
#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::data {
namespace {

constexpr int64_t kChunkRows = 4096;
// Human3.6M's four cameras: ids 1..4.
constexpr int64_t kMaxCamera = 4;
// |x| of a pose coordinate no person reaches (mm) and no frame holds (px).
constexpr float kAbsurdCoordinate = 1e5f;
const char* const kLabels[] = {"/subject", "/action", "/subaction", "/camera", "/frame"};

torch::Tensor PoseBatch::*label_member(int i) {
  static torch::Tensor PoseBatch::*const members[] = {&PoseBatch::subject, &PoseBatch::action,
                                                      &PoseBatch::subaction, &PoseBatch::camera,
                                                      &PoseBatch::frame};
  return members[i];
}

std::string joined_joint_names() {
  std::string s;
  for (const auto& n : geometry::joint_names()) s += (s.empty() ? "" : ",") + n;
  return s;
}

void check_shape(const H5File& f, const std::string& dataset, const std::vector<int64_t>& inner,
                 int64_t n) {
  auto shape = f.shape(dataset);
  std::vector<int64_t> expected{n};
  expected.insert(expected.end(), inner.begin(), inner.end());
  if (shape != expected) {
    auto str = [](const std::vector<int64_t>& v) {
      std::string s = "(";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
      return s + ")";
    };
    core::fail(f.path() + ": " + dataset, "expected shape " + str(expected) + ", got " + str(shape));
  }
}

// Rows to keep: selected subjects, every stride-th row of each run of equal
// (subject, action, subaction, camera).
torch::Tensor select_rows(const PoseBatch& labels, const ReadOptions& options) {
  const int64_t n = labels.subject.size(0);
  auto sub = labels.subject.accessor<int32_t, 1>();
  auto act = labels.action.accessor<int32_t, 1>();
  auto sa = labels.subaction.accessor<int32_t, 1>();
  auto cam = labels.camera.accessor<int32_t, 1>();
  std::vector<int64_t> keep;
  keep.reserve(static_cast<size_t>(n));
  int64_t run_start = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0 && (sub[i] != sub[i - 1] || act[i] != act[i - 1] || sa[i] != sa[i - 1] ||
                  cam[i] != cam[i - 1]))
      run_start = i;
    bool subject_ok = options.subjects.empty() ||
                      std::find(options.subjects.begin(), options.subjects.end(), sub[i]) !=
                          options.subjects.end();
    if (subject_ok && (i - run_start) % options.stride == 0) keep.push_back(i);
  }
  return torch::tensor(keep, torch::kLong);
}

// Reads only the selected rows: one hyperslab per run of consecutive rows (a
// subject's samples are contiguous), so a test split of a large file never
// loads the rest. Strided selections fall back to one read + index_select.
torch::Tensor read_selected(const H5File& f, const std::string& dataset, const torch::Tensor& rows, int64_t n) {
  if (rows.numel() == n) return f.read(dataset, torch::kFloat32);
  auto r = rows.accessor<int64_t, 1>();
  std::vector<std::pair<int64_t, int64_t>> runs;  // (start, count)
  for (int64_t i = 0; i < rows.numel(); ++i) {
    if (!runs.empty() && runs.back().first + runs.back().second == r[i]) ++runs.back().second;
    else runs.emplace_back(r[i], 1);
  }
  if (runs.size() > 64) return f.read(dataset, torch::kFloat32).index_select(0, rows);
  std::vector<torch::Tensor> parts;
  for (auto [start, count] : runs) parts.push_back(f.read_rows(dataset, torch::kFloat32, start, count));
  if (parts.empty()) {
    auto shape = f.shape(dataset);
    shape[0] = 0;
    return torch::empty(shape, torch::kFloat32);
  }
  return torch::cat(parts);
}

}  // namespace

std::string pose2d_dataset(const std::string& input_2d, const std::string& key) {
  if (input_2d == "gt") return "/pose2d";
  const std::string prefix = "det/";
  if (input_2d.rfind(prefix, 0) == 0 && input_2d.size() > prefix.size() &&
      input_2d.find('/', prefix.size()) == std::string::npos)
    return "/pose2d_det/" + input_2d.substr(prefix.size());
  core::fail(key, "expected gt or det/<name>, got \"" + input_2d + "\"");
}

void write_cameras(H5File& file, const geometry::CameraSet& cameras) {
  for (const auto& c : cameras.all()) {
    const std::string g = "/cameras/S" + std::to_string(c.subject) + "/" + std::to_string(c.index);
    auto vec = [](const auto& a) {
      return torch::tensor(std::vector<double>(a.begin(), a.end()), torch::kFloat64);
    };
    file.write(g + "/R", vec(c.R).view({3, 3}));
    file.write(g + "/T", vec(c.T));
    file.write(g + "/f", vec(c.f));
    file.write(g + "/c", vec(c.c));
    file.write(g + "/k", vec(c.k));
    file.write(g + "/p", vec(c.p));
    file.write_attribute(g, "name", c.name);
    file.write_attribute(g, "width", static_cast<int64_t>(c.width));
    file.write_attribute(g, "height", static_cast<int64_t>(c.height));
  }
}

geometry::CameraSet read_cameras(const H5File& file) {
  std::vector<geometry::Camera> cams;
  if (!file.exists("/cameras")) return geometry::CameraSet(cams);
  // Group names come from the file: quoted in messages, parsed strictly.
  auto id = [&](const std::string& name, size_t skip, const std::string& group) {
    const std::string digits = name.substr(std::min(skip, name.size()));
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
      core::fail(file.path() + ": " + group, "expected " + std::string(skip ? "S<subject>" : "<camera index>") +
                                                 " groups, got " + core::quote(name));
    return std::stoi(digits);
  };
  for (const auto& s : file.list("/cameras")) {
    if (s.empty() || s[0] != 'S') id(s, 1, "/cameras");
    const int subject = id(s, 1, "/cameras");
    for (const auto& idx : file.list("/cameras/" + s)) {
      const std::string g = "/cameras/" + s + "/" + idx;
      geometry::Camera c;
      c.subject = subject;
      c.index = id(idx, 0, "/cameras/" + s);
      auto copy = [&](const std::string& name, auto& dst) {
        file.require_class(g + "/" + name, H5File::ValueClass::kFloat);
        auto t = file.read(g + "/" + name, torch::kFloat64).contiguous();
        if (t.numel() != static_cast<int64_t>(dst.size()))
          core::fail(file.path() + ": " + g + "/" + name,
                     "expected " + std::to_string(dst.size()) + " values");
        if (!torch::isfinite(t).all().item<bool>())
          core::fail(file.path() + ": " + g + "/" + name, "holds NaN or Inf");
        std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), dst.begin());
      };
      copy("R", c.R);
      copy("T", c.T);
      copy("f", c.f);
      copy("c", c.c);
      copy("k", c.k);
      copy("p", c.p);
      c.name = file.read_string_attribute(g, "name");
      c.width = static_cast<int>(file.read_int_attribute(g, "width"));
      c.height = static_cast<int>(file.read_int_attribute(g, "height"));
      if (!(c.f[0] > 0 && c.f[1] > 0)) core::fail(file.path() + ": " + g + "/f", "focal lengths must be > 0");
      if (c.width <= 0 || c.height <= 0 || c.width > 100000 || c.height > 100000)
        core::fail(file.path() + ": " + g, "frame size must be 1 to 100000 px");
      cams.push_back(c);
    }
  }
  geometry::CameraSet set(std::move(cams));
  set.source = file.path();
  return set;
}

PoseData read_pose_file(const std::string& path, const ReadOptions& options) {
  if (options.stride < 1) core::fail(path, "stride must be >= 1");
  H5File f(path, H5File::Mode::kRead);
  if (!f.has_attribute("/", "format") || f.read_string_attribute("/", "format") != kPoseFileFormat)
    core::fail(path, std::string("not an hpe3d pose file (root attribute format != \"") +
                         kPoseFileFormat + "\")");
  const int64_t version = f.read_int_attribute("/", "version");
  if (version != kPoseFileVersion)
    core::fail(path, "pose file version " + std::to_string(version) + " is not supported (expected " +
                         std::to_string(kPoseFileVersion) + ")");
  const int64_t n = f.shape("/pose3d").empty() ? 0 : f.shape("/pose3d")[0];
  check_shape(f, "/pose3d", {geometry::kNumJoints, 3}, n);
  check_shape(f, "/pose2d", {geometry::kNumJoints, 2}, n);
  const std::string input_2d = pose2d_dataset(options.input_2d);
  if (!f.exists(input_2d))
    core::fail(path + ": " + input_2d, "no such dataset (data.input_2d: " + options.input_2d + ")");
  check_shape(f, input_2d, {geometry::kNumJoints, 2}, n);
  for (const std::string& name : {std::string("/pose3d"), std::string("/pose2d"), input_2d})
    f.require_class(name, H5File::ValueClass::kFloat);
  core::check_allocation(path, static_cast<double>(n) * (geometry::kNumJoints * 5 * 4 + 5 * 4 + 8),
                         std::to_string(n) + " samples");

  PoseData data;
  for (int i = 0; i < 5; ++i) {
    check_shape(f, kLabels[i], {}, n);
    f.require_class(kLabels[i], H5File::ValueClass::kInteger);
    data.*label_member(i) = f.read(kLabels[i], torch::kInt32);
  }
  if (n > 0) {
    const int64_t lo = data.camera.min().item<int64_t>(), hi = data.camera.max().item<int64_t>();
    if (lo < 1 || hi > kMaxCamera)
      core::fail(path + ": /camera", "camera ids must be 1.." + std::to_string(kMaxCamera) + ", found " +
                                         std::to_string(lo) + ".." + std::to_string(hi));
    if (data.subject.min().item<int64_t>() < 0) core::fail(path + ": /subject", "subject ids must be >= 0");
  }
  auto rows = select_rows(data, options);
  const bool all_rows = rows.numel() == n;
  auto take = [&](const torch::Tensor& t) { return all_rows ? t : t.index_select(0, rows); };
  for (int i = 0; i < 5; ++i) data.*label_member(i) = take(data.*label_member(i));
  data.row = rows;
  data.pose3d = read_selected(f, "/pose3d", rows, n);
  data.pose2d = read_selected(f, input_2d, rows, n);

  for (const std::string& name : {std::string("/pose3d"), input_2d}) {
    const auto& t = name == "/pose3d" ? data.pose3d : data.pose2d;
    auto bad = torch::isfinite(t).logical_not().flatten(1).any(1).nonzero();
    if (bad.numel() > 0)
      core::fail(path + ": " + name, std::to_string(bad.numel()) +
                                         " samples hold NaN or Inf values (first at row " +
                                         std::to_string(rows[bad[0][0].item<int64_t>()].item<int64_t>()) + ")");
    auto absurd = (t.abs() >= kAbsurdCoordinate).flatten(1).any(1).nonzero();
    if (absurd.numel() > 0)
      core::fail(path + ": " + name,
                 std::to_string(absurd.numel()) + " samples hold a coordinate beyond 1e5 (" +
                     (name == "/pose3d" ? "mm" : "px") + ": not a human pose; first at row " +
                     std::to_string(rows[absurd[0][0].item<int64_t>()].item<int64_t>()) + ")");
  }
  f.require_class("/action_names", H5File::ValueClass::kString);
  data.action_names = f.read_strings("/action_names");
  if (data.size() > 0) {
    int64_t lo = data.action.min().item<int64_t>(), hi = data.action.max().item<int64_t>();
    if (lo < 0 || hi >= static_cast<int64_t>(data.action_names.size()))
      core::fail(path + ": /action", "labels must index /action_names (" +
                                         std::to_string(data.action_names.size()) + " names), found " +
                                         std::to_string(lo) + ".." + std::to_string(hi));
  }
  if (!f.exists("/cameras")) core::fail(path + ": /cameras", "group is missing (the calibrations of the cameras)");
  data.cameras = read_cameras(f);
  {
    auto sub = data.subject.accessor<int32_t, 1>();
    auto cam = data.camera.accessor<int32_t, 1>();
    for (int64_t i = 0; i < data.size(); ++i)
      if ((i == 0 || sub[i] != sub[i - 1] || cam[i] != cam[i - 1]) && !data.cameras.has(sub[i], cam[i]))
        core::fail(path + ": /cameras", "no calibration for subject " + std::to_string(sub[i]) + ", camera " +
                                            std::to_string(cam[i]) + " (row " +
                                            std::to_string(rows[i].item<int64_t>()) + ")");
  }
  data.source = f.has_attribute("/", "source") ? f.read_string_attribute("/", "source") : "";
  if (f.exists("/image")) {
    f.require_class("/image", H5File::ValueClass::kString);
    auto all = f.read_strings("/image");
    if (static_cast<int64_t>(all.size()) != n) check_shape(f, "/image", {}, n);
    auto r = rows.accessor<int64_t, 1>();
    for (int64_t i = 0; i < rows.numel(); ++i) data.image.push_back(all[static_cast<size_t>(r[i])]);
  }
  if (f.exists("/bbox")) {
    check_shape(f, "/bbox", {4}, n);
    f.require_class("/bbox", H5File::ValueClass::kFloat);
    data.bbox = take(f.read("/bbox", torch::kFloat32));
  }
  return data;
}

PoseFileWriter::PoseFileWriter(const std::string& path, std::string source,
                               std::vector<std::string> action_names, geometry::CameraSet cameras)
    : path_(path),
      tmp_path_(path + ".tmp"),
      action_names_(std::move(action_names)),
      cameras_(std::move(cameras)) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    core::fail(path, "output folder " + parent.string() + " does not exist");
  file_ = std::make_unique<H5File>(tmp_path_, H5File::Mode::kCreate);
  file_->create_appendable("/pose3d", torch::kFloat32, {geometry::kNumJoints, 3}, kChunkRows);
  file_->create_appendable("/pose2d", torch::kFloat32, {geometry::kNumJoints, 2}, kChunkRows);
  for (const char* name : kLabels) file_->create_appendable(name, torch::kInt32, {}, kChunkRows);
  file_->write_attribute("/", "source", source);
}

PoseFileWriter::~PoseFileWriter() {
  if (file_) {
    file_.reset();
    std::remove(tmp_path_.c_str());
  }
}

void PoseFileWriter::append(const PoseBatch& batch) {
  const int64_t n = batch.size();
  TORCH_CHECK(batch.pose3d.sizes() == torch::IntArrayRef({n, geometry::kNumJoints, 3}),
              "PoseFileWriter: pose3d must be [N, 17, 3], got ", batch.pose3d.sizes());
  TORCH_CHECK(batch.pose2d.sizes() == torch::IntArrayRef({n, geometry::kNumJoints, 2}),
              "PoseFileWriter: pose2d must be [N, 17, 2], got ", batch.pose2d.sizes());
  file_->append("/pose3d", batch.pose3d);
  file_->append("/pose2d", batch.pose2d);
  for (int i = 0; i < 5; ++i) {
    const auto& t = batch.*label_member(i);
    TORCH_CHECK(t.dim() == 1 && t.size(0) == n, "PoseFileWriter: ", kLabels[i], " must be [", n,
                "], got ", t.sizes());
    file_->append(kLabels[i], t);
  }
  rows_ += n;
}

void PoseFileWriter::finish() {
  TORCH_CHECK(file_, "PoseFileWriter::finish called twice");
  file_->write_strings("/action_names", action_names_);
  write_cameras(*file_, cameras_);
  file_->write_attribute("/", "format", kPoseFileFormat);
  file_->write_attribute("/", "version", kPoseFileVersion);
  file_->write_attribute("/", "joint_names", joined_joint_names());
  file_->write_attribute("/", "units", "pose3d: mm (camera frame); pose2d: px; cameras T: mm");
  file_->close();
  file_.reset();
  core::move_into_place(tmp_path_, path_);
}

}  // namespace hpe3d::data
