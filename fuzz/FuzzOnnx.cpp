//===- FuzzOnnx.cpp - ONNX model bytes into the importer ------------------===//

#include "FuzzCommon.h"
#include "hgq/Import/OnnxImporter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The path only locates external data: a folder holding nothing.
  hgq::fuzz::context();
  mlir::OwningOpRef<mlir::ModuleOp> module = hgq::importOnnx(
      "/nonexistent/fuzz.onnx",
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      &hgq::fuzz::context());
  return 0;
}
