//===- FuzzCommon.h - What every libFuzzer target of hgq-mlir shares -----===//
//
// Each target feeds the bytes libFuzzer gives it to one reader, the way a
// tool would: a refusal (a diagnostic) is a correct answer; a crash, a
// sanitizer report, a hang or unbounded memory is a finding.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FUZZ_FUZZCOMMON_H
#define HGQ_FUZZ_FUZZCOMMON_H

#include "hgq/Dialect/HGQ.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace hgq::fuzz {

/// A context with the dialects the tools load, whose diagnostics are
/// dropped (a refusal is not a finding, and printing slows the search).
inline mlir::MLIRContext &context() {
  static mlir::MLIRContext *instance = [] {
    mlir::DialectRegistry registry;
    registry.insert<hgq::HGQDialect, mlir::func::FuncDialect>();
    auto *created = new mlir::MLIRContext(registry);
    created->loadAllAvailableDialects();
    created->disableMultithreading();
    created->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
    return created;
  }();
  return *instance;
}

/// The bytes as a file (for readers that take a path): one per process in
/// /dev/shm (or /tmp), rewritten on every input.
inline std::string asFile(const uint8_t *data, size_t size,
                          const char *suffix) {
  static const std::string folder =
      access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string path = folder + "/hgq-fuzz-" + std::to_string(getpid()) + suffix;
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return path;
  if (size)
    std::fwrite(data, 1, size, file);
  std::fclose(file);
  return path;
}

} // namespace hgq::fuzz

#endif // HGQ_FUZZ_FUZZCOMMON_H
