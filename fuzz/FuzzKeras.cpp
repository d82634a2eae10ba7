//===- FuzzKeras.cpp - Keras HDF5 bytes into the importer -----------------===//
//
// The importer opens the bytes through HDF5's file-image API, as
// hgq-translate does with the file it read.

#include "FuzzCommon.h"
#include "hgq/Import/KerasImporter.h"

// libhdf5 sizes the metadata it reads from what the file declares and checks
// what malloc returns: a refused allocation of a terabyte is its error path
// (the release tools report "damaged or truncated"), not a finding. ASan
// aborts on such requests unless it may return null; allocations that
// succeed are still bounded by libFuzzer's -rss_limit_mb and -malloc_limit_mb.
extern "C" const char *__asan_default_options() {
  return "allocator_may_return_null=1";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // libhdf5 runs in a child process; one that hangs is stopped well inside
  // libFuzzer's -timeout.
  static bool limited = (hgq::setKerasReaderCpuLimit(5), true);
  (void)limited;
  mlir::OwningOpRef<mlir::ModuleOp> module = hgq::importKeras(
      "fuzz.h5", llvm::StringRef(reinterpret_cast<const char *>(data), size),
      &hgq::fuzz::context());
  return 0;
}
