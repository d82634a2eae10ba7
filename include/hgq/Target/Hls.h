//===- Hls.h - The HLS C++ project of a proxy-level model -------*- C++ -*-===//
//
// `hgq-translate --emit-hls`: a complete, self-contained HLS C++ project
// (firmware, weights, testbench, test data, Vitis HLS script, Makefile for C
// simulation with g++) whose C simulation equals hgq-run on the same proxy IR
// bit for bit. docs/hls-project.md describes what is written.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_HLS_H
#define HGQ_TARGET_HLS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <map>
#include <string>

namespace hgq {

struct HlsOptions {
  std::string projectName = "myproject";
  std::string ioType = "io_parallel";
  int64_t reuseFactor = 1;
  std::string part = "xcvu13p-flga2577-2-e";
  double clockPeriod = 5.0;
  /// Samples for tb_data/: a float32 .npy file, or empty for generated ones.
  std::string testbenchInput;
  int64_t generatedSamples = 16;
  /// Dense and convolution layers with more multiplications than this are
  /// written as loops over tables of their non-zero terms instead of
  /// straight-line code (which compiles slowly past a few thousand terms).
  int64_t unrollLimit = 4096;
};

/// The project's files, relative path -> contents. Emits a diagnostic naming
/// the op on anything that cannot be emitted exactly; never changes the IR.
mlir::FailureOr<std::map<std::string, std::string>>
emitHlsProject(mlir::ModuleOp module, const HlsOptions &options);

/// Writes the files emitHlsProject() returned under `directory` (created
/// as needed); false with `error` naming the file that could not be written.
bool writeHlsFiles(const std::map<std::string, std::string> &files,
                   llvm::StringRef directory, std::string &error);

/// Registers --emit-hls (with its options) with mlir-translate.
void registerHlsTranslation();

} // namespace hgq

#endif // HGQ_TARGET_HLS_H
