//===- KerasProxy.h - The Keras HDF5 proxy writer ---------------*- C++ -*-===//
//
// `hgq-translate --emit-keras-proxy`: a proxy-level model as the Keras 2
// HDF5 file HGQ's to_proxy_model(...).save() writes (docs/keras-proxy.md),
// the format hls4ml's Keras frontend reads. The reader is
// hgq/Import/KerasImporter.h.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_KERASPROXY_H
#define HGQ_TARGET_KERASPROXY_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace hgq {

/// Writes the HDF5 bytes of the entry function of `module` to `os`; fails
/// with a diagnostic naming the op for anything Keras cannot express.
mlir::LogicalResult emitKerasProxy(mlir::ModuleOp module,
                                   llvm::raw_ostream &os);

/// Registers --emit-keras-proxy.
void registerKerasProxyExportTranslation();

} // namespace hgq

#endif // HGQ_TARGET_KERASPROXY_H
