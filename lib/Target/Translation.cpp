//===- Translation.cpp - What every hgq-translate format shares -----------===//

#include "hgq/Target/Translation.h"
#include "hgq/Dialect/HGQ.h"

#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static void registerDialects(DialectRegistry &registry) {
  registry.insert<hgq::HGQDialect, func::FuncDialect>();
}

void hgq::registerFileImport(StringRef flag, StringRef description,
                             FileImporter importer) {
  TranslateToMLIRRegistration registration(
      flag, description,
      [importer](llvm::SourceMgr &sourceMgr,
                 MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OwningOpRef<ModuleOp> module = importer(buffer->getBufferIdentifier(),
                                                buffer->getBuffer(), context);
        if (!module)
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      registerDialects);
}

void hgq::registerModuleEmitter(StringRef flag, StringRef description,
                                ModuleEmitter emitter) {
  TranslateFromMLIRRegistration registration(
      flag, description,
      [emitter, flag](Operation *op, raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError() << "--" << flag << " needs a module";
        return emitter(module, os);
      },
      registerDialects);
}
