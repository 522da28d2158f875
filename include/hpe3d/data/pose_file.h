#pragma once
// The hpe3d pose file (HDF5, format "hpe3d-poses", version 1; DESIGN.md 3.1,
// docs/data.md). One file holds every sample of one source; configs select
// the split by subject.
//
//   /pose3d   float32 [N, 17, 3]  camera frame, mm, root not removed
//   /pose2d   float32 [N, 17, 2]  pixels, distorted projection
//   /subject /action /subaction /camera /frame   int32 [N]
//   /action_names   string [A]    (/action indexes it)
//   /cameras/S<subject>/<index>/{R [3,3], T [3], f [2], c [2], k [3], p [2]}
//                                 attributes name, width, height
//   /image string [N], /bbox float32 [N, 4]   optional
//   /pose2d_det/<name> float32 [N, 17, 2]    optional detected 2D (e.g. cpn)
//   root attributes: format, version, source, joint_names, units
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hpe3d/data/h5_file.h"
#include "hpe3d/geometry/camera_set.h"

namespace hpe3d::data {

inline constexpr const char* kPoseFileFormat = "hpe3d-poses";
inline constexpr int64_t kPoseFileVersion = 1;

// A block of samples: all tensors have N rows.
struct PoseBatch {
  torch::Tensor pose3d;     // [N, 17, 3] float32
  torch::Tensor pose2d;     // [N, 17, 2] float32
  torch::Tensor subject;    // [N] int32
  torch::Tensor action;     // [N] int32
  torch::Tensor subaction;  // [N] int32
  torch::Tensor camera;     // [N] int32
  torch::Tensor frame;      // [N] int32
  int64_t size() const { return pose3d.defined() ? pose3d.size(0) : 0; }
};

// A whole (or subject-filtered) file in memory.
struct PoseData : PoseBatch {
  std::vector<std::string> action_names;
  geometry::CameraSet cameras;
  std::string source;
  std::vector<std::string> image;  // empty unless the file has /image
  torch::Tensor bbox;              // [N, 4] float32, undefined unless the file has /bbox
  torch::Tensor row;               // [N] int64: row of each sample in the file
};

struct ReadOptions {
  std::vector<int> subjects;  // empty: all subjects
  int stride = 1;             // keep every stride-th frame of each (sequence, camera)
  std::string input_2d = "gt";  // PoseData::pose2d from /pose2d ("gt") or /pose2d_det/<name> ("det/<name>")
};

// The dataset that holds the 2D input "gt" or "det/<name>"; throws
// core::InputError naming `key` for anything else.
std::string pose2d_dataset(const std::string& input_2d, const std::string& key = "data.input_2d");

// Reads and validates a pose file: every dataset present with N rows and the
// right shape, finite poses, action labels inside /action_names. Throws
// core::InputError naming the file and dataset otherwise.
PoseData read_pose_file(const std::string& path, const ReadOptions& options = {});

// Writes a pose file by appending batches; the file appears under its final
// name only after finish() (it is written to "<path>.tmp" and renamed), so an
// interrupted run never leaves a partial file behind.
class PoseFileWriter {
 public:
  PoseFileWriter(const std::string& path, std::string source,
                 std::vector<std::string> action_names, geometry::CameraSet cameras);
  ~PoseFileWriter();  // removes the temporary file unless finish() ran

  void append(const PoseBatch& batch);
  int64_t rows() const { return rows_; }
  void finish();

 private:
  std::string path_, tmp_path_;
  std::unique_ptr<H5File> file_;
  std::vector<std::string> action_names_;
  geometry::CameraSet cameras_;
  int64_t rows_ = 0;
};

// Writes the camera calibrations under /cameras of an open file, and reads them back.
void write_cameras(H5File& file, const geometry::CameraSet& cameras);
geometry::CameraSet read_cameras(const H5File& file);

}  // namespace hpe3d::data
