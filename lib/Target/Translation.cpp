//===- Translation.cpp - What every hgq-translate format shares -----------===//

#include "hgq/Target/Translation.h"
#include "hgq/Dialect/HGQ.h"

#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace {
struct HardwareCommandLine {
  llvm::cl::OptionCategory category{
      "hardware options (--emit-hls, --emit-hls4ml)"};
  llvm::cl::opt<std::string> ioType{
      "io-type",
      llvm::cl::desc("io_parallel or io_stream (--emit-hls4ml: default, the "
                     "io type the proxy was converted for)"),
      llvm::cl::init("io_parallel"), llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> reuseFactor{
      "reuse-factor",
      llvm::cl::desc("initiation interval (hls4ml's ReuseFactor)"),
      llvm::cl::init(1), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> strategy{
      "strategy", llvm::cl::desc("--emit-hls4ml: latency or resource"),
      llvm::cl::init("latency"), llvm::cl::cat(category)};
};
HardwareCommandLine &hardwareCommandLine() {
  static HardwareCommandLine options;
  return options;
}
} // namespace

hgq::HardwareOptions hgq::hardwareOptions() {
  HardwareCommandLine &cl = hardwareCommandLine();
  return {cl.ioType, cl.ioType.getNumOccurrences() > 0, cl.reuseFactor,
          cl.strategy};
}

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
  hardwareCommandLine(); // registered before the command line is parsed
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
