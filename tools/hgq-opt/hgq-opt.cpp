//===- hgq-opt.cpp - Parse, verify, transform and print hgq IR ------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Tools/Options.h"
#include "hgq/Tools/Version.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  hgq::setVersionPrinter("hgq-opt");
  hgq::hideLinkedOptions({});
  mlir::DialectRegistry registry;
  registry.insert<hgq::HGQDialect, mlir::func::FuncDialect>();
  // Generic clean-ups (canonicalize, cse, ...) run on hgq IR like on any IR.
  mlir::registerTransformsPasses();
  hgq::registerHGQPasses();
  hgq::registerProxyPipeline();
  auto [inputFile, outputFile] = mlir::registerAndParseCLIOptions(
      argc, argv, "hgq-opt: optimizer driver for the hgq dialect\n", registry);
  // mlir-opt's own driver, with layer names kept across every pass.
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFile, outputFile, registry));
  mlir::MlirOptMainConfig fromCommandLine = config;
  config.setPassPipelineSetupFn([fromCommandLine](mlir::PassManager &pm) {
    pm.addInstrumentation(hgq::createLayerNameInstrumentation());
    return fromCommandLine.setupPassPipeline(pm);
  });
  // Without an input file the driver reads standard input: from a terminal
  // that is a wait nobody asked for.
  if (inputFile == "-" && isatty(STDIN_FILENO)) {
    llvm::errs() << "hgq-opt: error: no input file; give a .mlir file (or pipe "
                    "IR into '-'), e.g. hgq-opt model.mlir --hgq-... -o "
                    "out.mlir\n";
    return 1;
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFile, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  // Not MLIR text (an ONNX file given by mistake), or nested deeper than
  // MLIR's recursive parser survives: checked first.
  if (std::string deep = hgq::mlirInputError(input->getBuffer());
      !deep.empty()) {
    llvm::errs() << "hgq-opt: error: " << inputFile << ": " << deep << "\n";
    return 1;
  }
  // The output (and any file a pass staged, like the BOPs JSON) replaces
  // what was there only when everything succeeded.
  hgq::OutputFile output;
  if (!output.open(outputFile, error)) {
    llvm::errs() << "hgq-opt: error: " << error << "\n";
    return 1;
  }
  llvm::raw_fd_ostream os(output.fd(), /*shouldClose=*/false);
  if (mlir::failed(mlir::MlirOptMain(os, std::move(input), registry, config)))
    return 1;
  os.flush();
  if (os.has_error()) {
    llvm::errs() << "hgq-opt: error: " << outputFile
                 << ": write failed: " << os.error().message() << "\n";
    os.clear_error();
    return 1;
  }
  if (!hgq::commitStagedOutputs(error) || !output.commit(error)) {
    llvm::errs() << "hgq-opt: error: " << error << "\n";
    return 1;
  }
  return 0;
}
