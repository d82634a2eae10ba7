//===- Translation.h - What every hgq-translate format shares ---*- C++ -*-===//
//
// The registration of importers (bytes of a file in, a module out) and
// emitters (a module in, bytes out) with MLIR's translate driver, so each
// format only writes its own conversion.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_TRANSLATION_H
#define HGQ_TARGET_TRANSLATION_H

#include "hgq/Dialect/EntryFunction.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace hgq {

/// Reads the bytes of a file (`path` names it in diagnostics).
using FileImporter = mlir::OwningOpRef<mlir::ModuleOp> (*)(
    llvm::StringRef path, llvm::StringRef bytes, mlir::MLIRContext *context);
/// Writes a module; diagnostics on the module's ops.
using ModuleEmitter = mlir::LogicalResult (*)(mlir::ModuleOp module,
                                              llvm::raw_ostream &os);

/// Registers `--<flag>` (both strings must outlive the registry: literals).
void registerFileImport(llvm::StringRef flag, llvm::StringRef description,
                        FileImporter importer);

/// The hardware settings the emitters share (--io-type, --reuse-factor,
/// --strategy), from hgq-translate's command line.
struct HardwareOptions {
  std::string ioType;   ///< io_parallel or io_stream
  bool ioTypeGiven;     ///< --io-type was on the command line
  int64_t reuseFactor;  ///< >= 1
  std::string strategy; ///< latency or resource
};
HardwareOptions hardwareOptions();
void registerModuleEmitter(llvm::StringRef flag, llvm::StringRef description,
                           ModuleEmitter emitter);

/// The flags registered so far (without "--"), in registration order.
const std::vector<std::string> &registeredTranslationFlags();

} // namespace hgq

#endif // HGQ_TARGET_TRANSLATION_H
