#pragma once
// A set of calibrated cameras keyed by (subject, index), read from and written
// to YAML (configs/cameras/h36m.yaml holds the 44 published Human3.6M cameras).
#include <string>
#include <vector>

#include "hpe3d/geometry/camera.h"

namespace hpe3d::geometry {

class CameraSet {
 public:
  CameraSet() = default;
  explicit CameraSet(std::vector<Camera> cameras);

  // Throws core::InputError naming the file and key on any problem.
  static CameraSet load_yaml(const std::string& path);
  void save_yaml(const std::string& path) const;

  // Throws core::InputError if (subject, index) is not in the set.
  const Camera& get(int subject, int index) const;
  bool has(int subject, int index) const;
  std::vector<int> subjects() const;
  // Camera indices of a subject, ascending.
  std::vector<int> indices(int subject) const;
  const std::vector<Camera>& all() const { return cameras_; }

  // Where the set came from, for error messages ("configs/cameras/h36m.yaml").
  std::string source;

 private:
  std::vector<Camera> cameras_;
};

// configs/cameras/h36m.yaml of this source tree (overridable with the
// HPE3D_CAMERAS environment variable).
std::string default_h36m_cameras_path();

}  // namespace hpe3d::geometry
