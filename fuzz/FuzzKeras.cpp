//===- FuzzKeras.cpp - Keras HDF5 bytes into the importer -----------------===//
//
// The importer opens the bytes through HDF5's file-image API, as
// hgq-translate does with the file it read.

#include "FuzzCommon.h"
#include "hgq/Import/KerasImporter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::OwningOpRef<mlir::ModuleOp> module = hgq::importKeras(
      "fuzz.h5", llvm::StringRef(reinterpret_cast<const char *>(data), size),
      &hgq::fuzz::context());
  return 0;
}
