#include "hpe3d/data/h5_file.h"

#include <hdf5.h>

#include <filesystem>
#include <sstream>
#include <type_traits>

#include <fmt/format.h>

#include "hpe3d/core/error.h"

namespace hpe3d::data {
namespace {

static_assert(std::is_same_v<hid_t, int64_t>, "hid_t must be 64-bit (HDF5 >= 1.10)");

// Closes an HDF5 handle with the matching H5*close on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

struct SilenceHdf5 {
  SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};

hid_t native_type(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return H5T_NATIVE_FLOAT;
    case torch::kFloat64: return H5T_NATIVE_DOUBLE;
    case torch::kInt32: return H5T_NATIVE_INT32;
    case torch::kInt64: return H5T_NATIVE_INT64;
    case torch::kUInt8: return H5T_NATIVE_UINT8;
    default: TORCH_CHECK(false, "H5File: unsupported dtype ", dtype);
  }
}

std::vector<hsize_t> to_hsize(const std::vector<int64_t>& v) {
  return std::vector<hsize_t>(v.begin(), v.end());
}

// Why H5Dread failed: a filtered dataset (checksum, compression) whose chunks
// do not decode is corrupted; an unfiltered one most likely ends early.
std::string read_failure(hid_t dataset_id) {
  Handle dcpl(H5Dget_create_plist(dataset_id), H5Pclose);
  if (dcpl.ok() && H5Pget_nfilters(dcpl.get()) > 0)
    return "read failed: stored chunks fail their checksum or do not decompress (file corrupted)";
  return "read failed (file truncated?)";
}

}  // namespace

H5File::H5File(const std::string& path, Mode mode) : path_(path) {
  static SilenceHdf5 silence;
  if (mode == Mode::kCreate) {
    id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (id_ < 0) core::fail(path, "cannot create HDF5 file");
    return;
  }
  if (!std::filesystem::exists(path)) core::fail(path, "no such file");
  id_ = H5Fopen(path.c_str(), mode == Mode::kRead ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
  if (id_ < 0) core::fail(path, "not a readable HDF5 file (truncated or another format?)");
}

H5File::~H5File() { close(); }

H5File::H5File(H5File&& other) noexcept : path_(std::move(other.path_)), id_(other.id_) {
  other.id_ = -1;
}

H5File& H5File::operator=(H5File&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

void H5File::close() {
  if (id_ >= 0) H5Fclose(id_);
  id_ = -1;
}

void H5File::fail(const std::string& object, const std::string& what) const {
  core::fail(path_ + ": " + object, what);
}

bool H5File::exists(const std::string& name) const {
  if (name.empty() || name == "/") return true;
  // H5Lexists needs every intermediate link to exist: walk the path.
  std::string partial;
  std::stringstream ss(name);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    if (H5Lexists(id_, partial.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Oexists_by_name(id_, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> H5File::list(const std::string& group) const {
  if (!exists(group)) fail(group, "no such group");
  Handle g(H5Gopen2(id_, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) fail(group, "not a group");
  H5G_info_t info;
  H5Gget_info(g.get(), &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                     H5P_DEFAULT);
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), len + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

void H5File::check_stored_bytes(int64_t dataset_id, const std::string& dataset, const std::vector<int64_t>& dims) const {
  Handle dcpl(H5Dget_create_plist(dataset_id), H5Pclose);
  if (!dcpl.ok() || H5Pget_nfilters(dcpl.get()) > 0) return;  // compressed: no size to expect
  Handle ftype(H5Dget_type(dataset_id), H5Tclose);
  double declared = static_cast<double>(H5Tget_size(ftype.get()));
  for (int64_t s : dims) declared *= static_cast<double>(s);
  const double stored = static_cast<double>(H5Dget_storage_size(dataset_id));
  if (stored < declared)
    fail(dataset, fmt::format("declares {} rows ({:.0f} bytes) but the file stores {:.0f} bytes of it (truncated "
                              "or never written)",
                              dims.empty() ? 1 : dims[0], declared, stored));
}

int64_t H5File::open_dataset(const std::string& dataset) const {
  if (!exists(dataset)) fail(dataset, "dataset is missing");
  hid_t d = H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) fail(dataset, "not a dataset");
  return d;
}

std::vector<int64_t> H5File::shape(const std::string& dataset) const {
  Handle d(open_dataset(dataset), H5Dclose);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

H5File::ValueClass H5File::value_class(const std::string& dataset) const {
  Handle d(open_dataset(dataset), H5Dclose);
  Handle ftype(H5Dget_type(d.get()), H5Tclose);
  switch (H5Tget_class(ftype.get())) {
    case H5T_INTEGER: return ValueClass::kInteger;
    case H5T_FLOAT: return ValueClass::kFloat;
    case H5T_STRING: return ValueClass::kString;
    default: return ValueClass::kOther;
  }
}

void H5File::require_class(const std::string& dataset, ValueClass expected) const {
  static const char* const names[] = {"integer", "floating-point", "string", "other"};
  const ValueClass got = value_class(dataset);
  if (got != expected)
    fail(dataset, std::string("expected ") + names[static_cast<int>(expected)] + " values, got " +
                      names[static_cast<int>(got)] + " values");
}

torch::Tensor H5File::read(const std::string& dataset, torch::ScalarType dtype) const {
  auto dims = shape(dataset);
  return read_rows(dataset, dtype, 0, dims.empty() ? 1 : dims[0]);
}

torch::Tensor H5File::read_rows(const std::string& dataset, torch::ScalarType dtype,
                                int64_t start, int64_t count) const {
  auto dims = shape(dataset);
  Handle d(open_dataset(dataset), H5Dclose);
  Handle ftype(H5Dget_type(d.get()), H5Tclose);
  H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail(dataset, "expected a numeric dataset");
  if (dims.empty()) {  // scalar
    auto out = torch::empty({}, torch::TensorOptions().dtype(dtype));
    if (H5Dread(d.get(), native_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) < 0)
      fail(dataset, read_failure(d.get()));
    return out;
  }
  if (start < 0 || count < 0 || start + count > dims[0])
    fail(dataset, "rows [" + std::to_string(start) + ", " + std::to_string(start + count) +
                      ") out of range (" + std::to_string(dims[0]) + " rows)");
  std::vector<int64_t> out_shape = dims;
  out_shape[0] = count;
  double elements = 1;
  for (int64_t s : out_shape) elements *= static_cast<double>(s);
  core::check_allocation(path_ + ": " + dataset, elements * static_cast<double>(torch::elementSize(dtype)),
                         "reading it");
  check_stored_bytes(d.get(), dataset, dims);
  auto out = torch::empty(out_shape, torch::TensorOptions().dtype(dtype));
  if (count == 0) return out;
  Handle fspace(H5Dget_space(d.get()), H5Sclose);
  std::vector<hsize_t> offset(dims.size(), 0), extent = to_hsize(out_shape);
  offset[0] = static_cast<hsize_t>(start);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, offset.data(), nullptr, extent.data(), nullptr);
  Handle mspace(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), H5Sclose);
  if (H5Dread(d.get(), native_type(dtype), mspace.get(), fspace.get(), H5P_DEFAULT,
              out.data_ptr()) < 0)
    fail(dataset, read_failure(d.get()));
  return out;
}

std::vector<std::string> H5File::read_strings(const std::string& dataset) const {
  auto dims = shape(dataset);
  Handle d(open_dataset(dataset), H5Dclose);
  Handle ftype(H5Dget_type(d.get()), H5Tclose);
  // Any shape is read in C order: MATLAB writes (1, 1) strings and (8, 1) codes.
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  std::vector<std::string> out;
  H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls == H5T_INTEGER || cls == H5T_FLOAT) {  // character codes (MATLAB: doubles too), one string;
                                                 // trailing NULs and spaces are padding
    auto codes = read(dataset, torch::kInt64).reshape(-1);
    std::string s;
    for (int64_t i = 0; i < codes.numel(); ++i) {
      const int64_t c = codes[i].item<int64_t>();
      if (c < 0 || c > 255) fail(dataset, "character code " + std::to_string(c) + " is not a byte");
      s.push_back(static_cast<char>(c));
    }
    s.erase(s.find_last_not_of(std::string(" \0", 2)) + 1);
    return {s};
  }
  if (cls != H5T_STRING) fail(dataset, "expected a string dataset");
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.get(), H5T_VARIABLE);
    H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get()));
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(d.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail(dataset, "read failed");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    Handle space(H5Dget_space(d.get()), H5Sclose);
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  size_t width = H5Tget_size(ftype.get());
  std::vector<char> buf(n * width);
  if (H5Dread(d.get(), ftype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    fail(dataset, "read failed");
  for (size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * width, width);
    s.erase(s.find_last_not_of('\0') + 1);
    out.push_back(s);
  }
  return out;
}

namespace {

hid_t link_props() {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

}  // namespace

void H5File::write(const std::string& dataset, const torch::Tensor& values) {
  auto v = values.contiguous().cpu();
  std::vector<hsize_t> dims(v.sizes().begin(), v.sizes().end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  Handle lcpl(link_props(), H5Pclose);
  hid_t type = native_type(v.scalar_type());
  Handle d(H5Dcreate2(id_, dataset.c_str(), type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  if (!d.ok()) fail(dataset, "cannot create dataset");
  if (v.numel() > 0 && H5Dwrite(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data_ptr()) < 0)
    fail(dataset, "write failed");
}

void H5File::write_strings(const std::string& dataset, const std::vector<std::string>& values) {
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle lcpl(link_props(), H5Pclose);
  Handle d(H5Dcreate2(id_, dataset.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT,
                      H5P_DEFAULT),
           H5Dclose);
  if (!d.ok()) fail(dataset, "cannot create dataset");
  std::vector<const char*> ptrs;
  for (const auto& s : values) ptrs.push_back(s.c_str());
  if (n > 0 && H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    fail(dataset, "write failed");
}

void H5File::create_appendable(const std::string& dataset, torch::ScalarType dtype,
                               const std::vector<int64_t>& inner_shape, int64_t chunk_rows, int deflate_level) {
  std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{static_cast<hsize_t>(chunk_rows)};
  for (int64_t s : inner_shape) {
    dims.push_back(static_cast<hsize_t>(s));
    maxdims.push_back(static_cast<hsize_t>(s));
    chunk.push_back(static_cast<hsize_t>(s));
  }
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()),
               H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  if (deflate_level > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level));
  Handle lcpl(link_props(), H5Pclose);
  Handle d(H5Dcreate2(id_, dataset.c_str(), native_type(dtype), space.get(), lcpl.get(), dcpl.get(),
                      H5P_DEFAULT),
           H5Dclose);
  if (!d.ok()) fail(dataset, "cannot create dataset");
}

void H5File::append(const std::string& dataset, const torch::Tensor& rows) {
  Handle d(open_dataset(dataset), H5Dclose);
  Handle ftype(H5Dget_type(d.get()), H5Tclose);
  Handle fspace0(H5Dget_space(d.get()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(fspace0.get());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(fspace0.get(), dims.data(), nullptr);
  TORCH_CHECK(rows.dim() == rank, "H5File::append: ", dataset, " has rank ", rank, ", rows ",
              rows.sizes());
  for (int i = 1; i < rank; ++i)
    TORCH_CHECK(static_cast<hsize_t>(rows.size(i)) == dims[i], "H5File::append: ", dataset,
                " row shape mismatch: ", rows.sizes());
  if (rows.size(0) == 0) return;
  // Convert to the dataset's own type in memory: one native type per class.
  torch::ScalarType dtype = H5Tget_class(ftype.get()) == H5T_FLOAT
                                ? (H5Tget_size(ftype.get()) == 4 ? torch::kFloat32 : torch::kFloat64)
                                : (H5Tget_size(ftype.get()) == 1   ? torch::kUInt8
                                   : H5Tget_size(ftype.get()) == 4 ? torch::kInt32
                                                                   : torch::kInt64);
  auto v = rows.to(torch::kCPU, dtype).contiguous();
  std::vector<hsize_t> offset(dims.size(), 0), count(v.sizes().begin(), v.sizes().end());
  offset[0] = dims[0];
  dims[0] += count[0];
  if (H5Dset_extent(d.get(), dims.data()) < 0) fail(dataset, "cannot extend dataset");
  Handle fspace(H5Dget_space(d.get()), H5Sclose);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr);
  Handle mspace(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
  if (H5Dwrite(d.get(), native_type(dtype), mspace.get(), fspace.get(), H5P_DEFAULT,
               v.data_ptr()) < 0)
    fail(dataset, "write failed (disk full?)");
}

void H5File::write_attribute(const std::string& object, const std::string& name,
                             const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT);
  Handle a(H5Acreate_by_name(id_, object.c_str(), name.c_str(), type.get(), space.get(),
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (!a.ok()) fail(object + "@" + name, "cannot create attribute");
  const char* p = value.c_str();
  H5Awrite(a.get(), type.get(), &p);
}

void H5File::write_attribute(const std::string& object, const std::string& name, int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT);
  Handle a(H5Acreate_by_name(id_, object.c_str(), name.c_str(), H5T_NATIVE_INT64, space.get(),
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (!a.ok()) fail(object + "@" + name, "cannot create attribute");
  H5Awrite(a.get(), H5T_NATIVE_INT64, &value);
}

bool H5File::has_attribute(const std::string& object, const std::string& name) const {
  return exists(object) && H5Aexists_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string H5File::read_string_attribute(const std::string& object, const std::string& name) const {
  if (!has_attribute(object, name)) fail(object + "@" + name, "attribute is missing");
  Handle a(H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Handle ftype(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail(object + "@" + name, "expected a string");
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.get(), H5T_VARIABLE);
    H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get()));
    char* p = nullptr;
    H5Aread(a.get(), mtype.get(), &p);
    std::string out = p ? p : "";
    H5free_memory(p);
    return out;
  }
  std::string out(H5Tget_size(ftype.get()), '\0');
  H5Aread(a.get(), ftype.get(), out.data());
  out.erase(out.find_last_not_of('\0') + 1);
  return out;
}

int64_t H5File::read_int_attribute(const std::string& object, const std::string& name) const {
  if (!has_attribute(object, name)) fail(object + "@" + name, "attribute is missing");
  Handle a(H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  int64_t value = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &value) < 0) fail(object + "@" + name, "expected an integer");
  return value;
}

}  // namespace hpe3d::data
