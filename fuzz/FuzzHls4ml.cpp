//===- FuzzHls4ml.cpp - hls4ml JSON documents into the importer -----------===//

#include "FuzzCommon.h"
#include "hgq/Import/Hls4mlImporter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::OwningOpRef<mlir::ModuleOp> module = hgq::importHls4ml(
      "fuzz.json", llvm::StringRef(reinterpret_cast<const char *>(data), size),
      &hgq::fuzz::context());
  return 0;
}
