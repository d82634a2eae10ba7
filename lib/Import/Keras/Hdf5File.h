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
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hgq::keras_import {

/// A dataset's contents, row-major, with its shape.
template <typename T> struct Array {
  std::vector<int64_t> shape;
  std::vector<T> values;
};

/// What a Keras model file holds, read once when it is opened: the string
/// attributes of the root group and every group and dataset under
/// /model_weights. libhdf5 parses the file in a child process: its parser
/// trusts the file (fuzzing found infinite loops and out-of-bounds reads in
/// libhdf5 1.10 that no check of ours can rule out), so a crash, a hang (a
/// CPU-time limit) or an unbounded allocation there becomes an error naming
/// the file instead of taking the tool down.
class Hdf5File {
public:
  /// Opens `bytes` (a whole .h5 file) or sets `error`.
  Hdf5File(llvm::StringRef bytes, std::string &error);
  bool isOpen() const { return open; }

  /// A string attribute of the root group (fixed or variable length), or
  /// nullopt when there is none.
  std::optional<std::string> rootStringAttribute(const std::string &name) const;
  /// Whether `path` (/model_weights or below) is a group.
  bool hasGroup(const std::string &path) const;
  /// Every dataset under the group at `path`, at any depth, by its own name
  /// (the last path component, e.g. "kernel:0") to its full path; the first
  /// one in name order wins.
  std::map<std::string, std::string> datasets(const std::string &path) const;
  /// A dataset of numbers, converted to float32 by HDF5 (exact for the
  /// int8 bit widths and the float32 weights Keras stores).
  bool readFloats(const std::string &path, Array<float> &out,
                  std::string &error) const;

  /// The CPU time libhdf5 may take to read one file (default 60 s).
  static void setCpuLimit(unsigned seconds);

private:
  struct Dataset {
    Array<float> array;
    std::string error; ///< why it cannot be read, if it cannot
  };
  bool open = false;
  std::map<std::string, std::string> rootAttributes;
  std::set<std::string> groups;
  std::map<std::string, Dataset> contents;
  /// The paths of `contents` in the order libhdf5 visits them (by name,
  /// depth first), which decides between datasets of the same name.
  std::vector<std::string> order;
};

} // namespace hgq::keras_import

#endif // HGQ_IMPORT_KERAS_HDF5FILE_H
