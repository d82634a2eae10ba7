//===- Npy.h - Reading and writing NumPy .npy arrays ------------*- C++ -*-===//
//
// Little-endian float32/float64 arrays in C order, the format hgq-run and the
// calibration pass exchange data in. Writing is atomic: a temporary file in
// the same directory is renamed over the target only once it is complete.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_NPY_H
#define HGQ_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace hgq {

enum class NpyType { Float32, Float64 };

struct NpyArray {
  std::vector<int64_t> shape;
  NpyType type = NpyType::Float32;
  std::vector<double> values; ///< row-major, converted exactly to double
};

/// Reads `path`. On failure returns false and says why in `error` (the message
/// names the file).
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// The bytes of a .npy file holding `values` (row-major, `shape`) as `type`.
std::string encodeNpy(const std::vector<int64_t> &shape,
                      const std::vector<double> &values, NpyType type);

/// Writes `values` (row-major, `shape`) as `type`, atomically.
bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const std::vector<double> &values, NpyType type,
              std::string &error);

} // namespace hgq

#endif // HGQ_SUPPORT_NPY_H
