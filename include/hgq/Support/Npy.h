//===- Npy.h - Reading and writing NumPy .npy arrays ------------*- C++ -*-===//
//
// Little-endian float32/float64 arrays in C order, the format hgq-run and the
// calibration pass exchange data in. Writing is atomic: a temporary file in
// the same directory is renamed over the target only once it is complete.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_NPY_H
#define HGQ_SUPPORT_NPY_H

#include "hgq/Support/OutputFile.h"

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

/// Reads `path` straight into float32 `values` (the executor's input type)
/// without a float64 copy: float32 data as it is, float64 data rounded, with
/// `rounded` counting the values that changed.
bool readNpyFloat32(const std::string &path, std::vector<int64_t> &shape,
                    std::vector<float> &values, int64_t &rounded,
                    std::string &error);

/// A float32 .npy file mapped into memory (read-only): its samples are read
/// in place, so a calibration set larger than memory streams from the page
/// cache. Other dtypes are refused (`isFloat32` false, no error): read them
/// with readNpyFloat32.
class NpyMapping {
public:
  NpyMapping() = default;
  NpyMapping(const NpyMapping &) = delete;
  NpyMapping &operator=(const NpyMapping &) = delete;
  ~NpyMapping();
  /// Maps `path`; false with `error` set when it is not a valid .npy file.
  bool open(const std::string &path, std::string &error);
  bool isFloat32() const { return floats_ != nullptr; }
  const std::vector<int64_t> &shape() const { return shape_; }
  const float *floats() const { return floats_; }

private:
  std::vector<int64_t> shape_;
  const float *floats_ = nullptr;
  void *base_ = nullptr;
  size_t length_ = 0;
};

/// Samples as the executor reads them: a float32 file mapped in place, a
/// float64 one read and rounded to float32 (`rounded` counts the values that
/// changed). The one way every tool opens sample files.
class NpySamples {
public:
  bool open(const std::string &path, std::string &error);
  const std::vector<int64_t> &shape() const { return shape_; }
  const float *floats() const { return floats_; }
  int64_t rounded() const { return rounded_; }

private:
  NpyMapping mapping_;
  std::vector<float> converted_;
  std::vector<int64_t> shape_;
  const float *floats_ = nullptr;
  int64_t rounded_ = 0;
};

/// The bytes of a .npy file holding `values` (row-major, `shape`) as `type`.
std::string encodeNpy(const std::vector<int64_t> &shape,
                      const std::vector<double> &values, NpyType type);

/// Writes a .npy file whose shape is known before its values, which come a
/// block at a time (the executor's outputs as work items finish). The file
/// appears whole at commit(), or not at all.
class NpyWriter {
public:
  bool open(const std::string &path, const std::vector<int64_t> &shape,
            NpyType type, std::string &error);
  /// The next `count` values in row-major order.
  bool append(const double *values, size_t count, std::string &error);
  /// Fails, naming the file, unless exactly the shape's values were appended.
  bool commit(std::string &error);

private:
  OutputFile file_;
  std::string path_;
  NpyType type_ = NpyType::Float64;
  uint64_t expected_ = 0, written_ = 0;
};

/// Writes `values` (row-major, `shape`) as `type`, atomically.
bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const std::vector<double> &values, NpyType type,
              std::string &error);

} // namespace hgq

#endif // HGQ_SUPPORT_NPY_H
