//===- Translation.cpp - What every hgq-translate format shares -----------===//

#include "hgq/Target/Translation.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Support/TextNesting.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Tools/ParseUtilities.h"
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

static std::vector<std::string> &flags() {
  static std::vector<std::string> registered;
  return registered;
}

const std::vector<std::string> &hgq::registeredTranslationFlags() {
  return flags();
}

static void registerDialects(DialectRegistry &registry) {
  registry.insert<hgq::HGQDialect, func::FuncDialect>();
}

void hgq::registerFileImport(StringRef flag, StringRef description,
                             FileImporter importer) {
  flags().push_back(flag.str());
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
  flags().push_back(flag.str());
  hardwareCommandLine(); // registered before the command line is parsed
  // TranslateFromMLIRRegistration would hand the text straight to MLIR's
  // parser, which recurses once per nested bracket: the nesting is checked
  // first, then the module is parsed and verified as it would do.
  TranslateRegistration registration(
      flag, description,
      [emitter, flag](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
                      raw_ostream &os, MLIRContext *context) -> LogicalResult {
        DialectRegistry registry;
        registerDialects(registry);
        context->appendDialectRegistry(registry);
        const llvm::MemoryBuffer *buffer =
            sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
        if (std::string deep = hgq::mlirInputError(buffer->getBuffer());
            !deep.empty())
          return emitError(UnknownLoc::get(context))
                 << buffer->getBufferIdentifier() << ": " << deep;
        OwningOpRef<Operation *> op =
            parseSourceFileForTool(sourceMgr, context,
                                   /*insertImplicitModule=*/true);
        if (!op || failed(verify(*op)))
          return failure();
        auto module = dyn_cast<ModuleOp>(*op);
        if (!module)
          return op->emitError() << "--" << flag << " needs a module";
        return emitter(module, os);
      });
}
