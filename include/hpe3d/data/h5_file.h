#pragma once
// A small RAII layer over the HDF5 C API: whole-dataset and row-range reads
// into tensors, writes from tensors, appendable (chunked, unlimited first
// dimension) datasets, string datasets and string attributes. Every failure
// throws core::InputError naming the file and the dataset.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace hpe3d::data {

class H5File {
 public:
  enum class Mode { kRead, kCreate, kReadWrite };
  // kCreate truncates an existing file.
  H5File(const std::string& path, Mode mode);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&& other) noexcept;

  const std::string& path() const { return path_; }
  void close();

  // True if `name` ("/a/b/c") exists as a dataset or group.
  bool exists(const std::string& name) const;
  // Names of the members of a group, sorted.
  std::vector<std::string> list(const std::string& group) const;
  // Dimensions of a dataset.
  std::vector<int64_t> shape(const std::string& dataset) const;
  // The class of a dataset's element type.
  enum class ValueClass { kInteger, kFloat, kString, kOther };
  ValueClass value_class(const std::string& dataset) const;
  // Throws InputError "<file>: <dataset>: expected <what> values, got <class>"
  // unless the dataset's elements are of class `expected`.
  void require_class(const std::string& dataset, ValueClass expected) const;

  // Whole dataset, converted to `dtype` (kFloat32, kFloat64, kInt32, kInt64, kUInt8).
  torch::Tensor read(const std::string& dataset, torch::ScalarType dtype) const;
  // Reads check, before allocating, that the dataset fits in memory (a
  // "needs N GB" InputError) and that an uncompressed dataset's stored bytes
  // cover its declared shape (a file that declares 1e9 rows and holds 4 kB is
  // refused instead of read as fill values).
  // Rows [start, start + count) along the first dimension.
  torch::Tensor read_rows(const std::string& dataset, torch::ScalarType dtype, int64_t start,
                          int64_t count) const;
  // String datasets, fixed or variable length, of any shape (read in C
  // order); also an integer (or float) array of character codes of any shape, read as
  // one string without trailing NULs/spaces (the `Name` of Martinez's
  // cameras.h5: uint8 (8,), or MATLAB's (8, 1)).
  std::vector<std::string> read_strings(const std::string& dataset) const;

  // Writes a CPU tensor as a new dataset (intermediate groups are created).
  void write(const std::string& dataset, const torch::Tensor& values);
  void write_strings(const std::string& dataset, const std::vector<std::string>& values);

  // A chunked dataset with an unlimited first dimension: shape [0, inner...];
  // deflate_level 1..9 compresses each chunk (0: none).
  void create_appendable(const std::string& dataset, torch::ScalarType dtype,
                         const std::vector<int64_t>& inner_shape, int64_t chunk_rows, int deflate_level = 0);
  // Appends rows [n, inner...] (dtype converted to the dataset's).
  void append(const std::string& dataset, const torch::Tensor& rows);

  void write_attribute(const std::string& object, const std::string& name,
                       const std::string& value);
  void write_attribute(const std::string& object, const std::string& name, int64_t value);
  std::string read_string_attribute(const std::string& object, const std::string& name) const;
  int64_t read_int_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;

 private:
  [[noreturn]] void fail(const std::string& object, const std::string& what) const;
  int64_t open_dataset(const std::string& dataset) const;
  void check_stored_bytes(int64_t dataset_id, const std::string& dataset, const std::vector<int64_t>& dims) const;

  std::string path_;
  int64_t id_ = -1;  // hid_t
};

}  // namespace hpe3d::data
