// libFuzzer harness: the pose-file reader (data::read_pose_file). The input
// does not hold HDF5 bytes (HDF5's own parser is not this project's code): it
// decides, through FuzzedDataProvider, which datasets a small file holds,
// their element class, shape and values (NaN, Inf, 1e38, wrong labels),
// the camera groups and the attributes. The file is written with the HDF5
// API to a RAM-backed temporary and read back. A file the reader accepts
// must hold what docs/data.md promises; anything else must be a one-line
// core::InputError.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "hpe3d/core/error.h"
#include "one_line.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"

namespace {

using hpe3d::data::H5File;

std::string temp_path() {
  const char* dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/hpe3d_pose_fuzz_" + std::to_string(getpid()) + ".h5";
}

double value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: return std::nan("");
    case 1: return in.ConsumeBool() ? INFINITY : -INFINITY;
    case 2: return in.ConsumeBool() ? 2.5e38 : -1e6;
    default: return in.ConsumeFloatingPointInRange<double>(-5000.0, 5000.0);
  }
}

// A dataset of `rows` x inner, of a class the input picks (mostly the right one).
void write_numeric(H5File& f, FuzzedDataProvider& in, const std::string& name, int64_t rows,
                   std::vector<int64_t> inner, bool integer) {
  const int pick = in.ConsumeIntegralInRange<int>(0, 15);
  if (pick == 0) return;  // missing
  if (pick == 1) {        // strings
    f.write_strings(name, std::vector<std::string>(static_cast<size_t>(rows), "x"));
    return;
  }
  if (pick == 2 && !inner.empty()) inner.back() += 1;                            // wrong inner shape
  if (pick == 3) rows = in.ConsumeIntegralInRange<int64_t>(0, rows + 2);          // wrong row count
  std::vector<int64_t> shape{rows};
  shape.insert(shape.end(), inner.begin(), inner.end());
  const bool as_integer = pick == 4 ? !integer : integer;                        // the other class
  auto t = torch::empty(shape, torch::kFloat64);
  auto flat = t.view({-1});
  auto* p = flat.data_ptr<double>();
  for (int64_t i = 0; i < flat.numel(); ++i)
    p[i] = integer ? static_cast<double>(in.ConsumeIntegralInRange<int>(-1, 12)) : value(in);
  if (as_integer) t = t.nan_to_num(0, 0, 0).clamp(-1e9, 1e9).to(torch::kInt32);
  else if (!integer || pick == 5) t = t.to(torch::kFloat32);
  else t = t.to(torch::kInt32);
  f.write(name, t);
}

void write_file(const std::string& path, FuzzedDataProvider& in) {
  H5File f(path, H5File::Mode::kCreate);
  if (in.ConsumeIntegralInRange<int>(0, 20) != 0) f.write_attribute("/", "format", hpe3d::data::kPoseFileFormat);
  if (in.ConsumeIntegralInRange<int>(0, 20) != 0) f.write_attribute("/", "version", in.ConsumeIntegralInRange<int64_t>(0, 2) == 0 ? 2 : 1);
  const int64_t n = in.ConsumeIntegralInRange<int64_t>(0, 24);
  write_numeric(f, in, "/pose3d", n, {17, 3}, false);
  write_numeric(f, in, "/pose2d", n, {17, 2}, false);
  for (const char* label : {"/subject", "/action", "/subaction", "/camera", "/frame"})
    write_numeric(f, in, label, n, {}, true);
  if (in.ConsumeIntegralInRange<int>(0, 10) != 0) {
    std::vector<std::string> names;
    for (int i = in.ConsumeIntegralInRange<int>(0, 4); i > 0; --i) names.push_back(in.ConsumeRandomLengthString(12));
    f.write_strings("/action_names", names);
  }
  for (int s = in.ConsumeIntegralInRange<int>(0, 3); s > 0; --s) {
    const std::string subject = in.ConsumeIntegralInRange<int>(0, 8) == 0 ? in.ConsumeRandomLengthString(6)
                                                                          : "S" + std::to_string(in.ConsumeIntegralInRange<int>(0, 11));
    for (int c = in.ConsumeIntegralInRange<int>(0, 4); c > 0; --c) {
      const std::string g = "/cameras/" + subject + "/" + std::to_string(in.ConsumeIntegralInRange<int>(0, 5));
      if (g.find('\0') != std::string::npos || g.find("//") != std::string::npos || g.find("/.") != std::string::npos)
        continue;
      try {
        for (auto [name, size] : std::vector<std::pair<const char*, int64_t>>{{"R", 9}, {"T", 3}, {"f", 2}, {"c", 2}, {"k", 3}, {"p", 2}}) {
          auto t = torch::empty({size + (in.ConsumeIntegralInRange<int>(0, 30) == 0 ? 1 : 0)}, torch::kFloat64);
          for (int64_t i = 0; i < t.numel(); ++i) t[i] = value(in);
          f.write(g + "/" + name, t);
        }
        f.write_attribute(g, "name", in.ConsumeRandomLengthString(8));
        f.write_attribute(g, "width", in.ConsumeIntegralInRange<int64_t>(-1, 2000));
        f.write_attribute(g, "height", in.ConsumeIntegralInRange<int64_t>(-1, 2000));
      } catch (const hpe3d::core::InputError&) {
        // A name HDF5 will not create (e.g. a group that is already a dataset): leave it.
      }
    }
  }
  const int image = in.ConsumeIntegralInRange<int>(0, 4);
  if (image == 1) f.write_strings("/image", std::vector<std::string>(static_cast<size_t>(n), "img.jpg"));
  if (image == 2) f.write("/image", torch::zeros({n}, torch::kInt32));
  if (image == 3) f.write_strings("/image", {"one.jpg"});
  if (in.ConsumeIntegralInRange<int>(0, 4) == 0) write_numeric(f, in, "/bbox", n, {4}, false);
}

void check_accepted(const hpe3d::data::PoseData& d) {
  const int64_t n = d.size();
  if (d.pose2d.size(0) != n || d.subject.size(0) != n || d.camera.size(0) != n || d.row.size(0) != n) std::abort();
  if (!torch::isfinite(d.pose3d).all().item<bool>() || (d.pose3d.abs() >= 1e5).any().item<bool>()) std::abort();
  if (!torch::isfinite(d.pose2d).all().item<bool>()) std::abort();
  if (!d.image.empty() && static_cast<int64_t>(d.image.size()) != n) std::abort();
  if (n == 0) return;
  if (d.camera.min().item<int>() < 1 || d.camera.max().item<int>() > 4) std::abort();
  if (d.action.min().item<int>() < 0 || d.action.max().item<int64_t>() >= static_cast<int64_t>(d.action_names.size()))
    std::abort();
  for (int64_t i = 0; i < n; ++i)
    if (!d.cameras.has(d.subject[i].item<int>(), d.camera[i].item<int>())) std::abort();
  for (const auto& c : d.cameras.all())
    if (!(c.f[0] > 0 && c.f[1] > 0) || c.width <= 0 || c.height <= 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const std::string path = temp_path();
  hpe3d::data::ReadOptions options;
  options.stride = in.ConsumeIntegralInRange<int>(0, 3);
  if (in.ConsumeBool()) options.subjects = {in.ConsumeIntegralInRange<int>(0, 11)};
  try {
    write_file(path, in);
  } catch (const hpe3d::core::InputError&) {
    return 0;  // the harness asked HDF5 for something it cannot store
  }
  try {
    check_accepted(hpe3d::data::read_pose_file(path, options));
  } catch (const hpe3d::core::InputError& e) {
    hpe3d::fuzz::require_one_line(e.what());
  }
  return 0;
}
