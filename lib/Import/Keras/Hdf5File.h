//===- Hdf5File.h - The little of HDF5 a Keras model file needs -*- C++ -*-===//
//
// A read-only view of an HDF5 file held in memory (the HDF5 C library's file
// image API): string attributes, the datasets under a group, and their
// contents as float32. Errors are returned as text; HDF5's own error
// printing is switched off.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_KERAS_HDF5FILE_H
#define HGQ_IMPORT_KERAS_HDF5FILE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hgq::keras_import {

/// A dataset's contents, row-major, with its shape.
template <typename T> struct Array {
  std::vector<int64_t> shape;
  std::vector<T> values;
};

class Hdf5File {
public:
  /// Opens `bytes` (a whole .h5 file) or sets `error`.
  Hdf5File(llvm::StringRef bytes, std::string &error);
  ~Hdf5File();
  Hdf5File(const Hdf5File &) = delete;
  Hdf5File &operator=(const Hdf5File &) = delete;
  bool isOpen() const { return file >= 0; }

  /// A string attribute of the object at `path` (fixed or variable length),
  /// or nullopt when there is none.
  std::optional<std::string> stringAttribute(const std::string &path,
                                             const std::string &name) const;
  bool hasGroup(const std::string &path) const;
  /// Every dataset under the group at `path`, at any depth, by its own name
  /// (the last path component, e.g. "kernel:0") to its full path.
  std::map<std::string, std::string> datasets(const std::string &path) const;
  /// A dataset of numbers, converted to float32 by HDF5 (exact for the
  /// int8 bit widths and the float32 weights Keras stores).
  bool readFloats(const std::string &path, Array<float> &out,
                  std::string &error) const;

private:
  int64_t file = -1; // hid_t
};

} // namespace hgq::keras_import

#endif // HGQ_IMPORT_KERAS_HDF5FILE_H
