//===- FuzzMlir.cpp - hgq IR text through the verifier, passes, executor --===//
//
// What parses and verifies goes through each pass that needs no file, on a
// copy of its own, and is compiled by the executor and run on a few samples
// of zeros and ones: a verified module must never crash any of them.

#include "FuzzCommon.h"
#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Support/Shape.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = (hgq::registerHGQPasses(), true);
  (void)registered;
  mlir::MLIRContext &context = hgq::fuzz::context();
  // MLIR's lexer reads up to a terminating NUL, as a file's buffer has.
  std::string text(reinterpret_cast<const char *>(data), size);
  // As every tool does before parsing.
  if (!hgq::mlirInputError(text).empty())
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text,
                                              mlir::ParserConfig(&context));
  if (!module)
    return 0;
  for (const char *pipeline :
       {"hgq-fuse-batchnorm", "hgq-lower-unary-lut",
        "hgq-estimate-bops{quiet=true}", "hgq-attach-quantizers",
        "hgq-to-proxy"}) {
    mlir::OwningOpRef<mlir::ModuleOp> copy = module->clone();
    mlir::PassManager manager(&context);
    if (mlir::succeeded(mlir::parsePassPipeline(pipeline, manager)))
      (void)manager.run(*copy);
  }
  mlir::func::FuncOp function = hgq::findEntryFunction(*module, "");
  if (!function)
    return 0;
  mlir::FailureOr<std::unique_ptr<hgq::exec::Executor>> executor =
      hgq::exec::Executor::create(function);
  if (mlir::failed(executor))
    return 0;
  std::vector<hgq::exec::Tensor> inputs;
  int64_t total = 0;
  for (const std::vector<int64_t> &shape : (*executor)->inputShapes()) {
    std::vector<int64_t> full = {3};
    full.insert(full.end(), shape.begin(), shape.end());
    std::optional<int64_t> elements = hgq::elementCount(full);
    if (!elements)
      return 0;
    int64_t count = *elements;
    if ((total += count) > (int64_t(1) << 20))
      return 0; // too large to run on every input
    hgq::exec::Tensor tensor = hgq::exec::Tensor::makeFloat(full);
    for (int64_t index = 0; index < count; ++index)
      tensor.floats[index] = float(index % 3) - 1.0f;
    inputs.push_back(std::move(tensor));
  }
  hgq::exec::RunOptions options;
  options.threads = 1;
  hgq::exec::RunResult result;
  (void)(*executor)->run(inputs, options, result);
  return 0;
}
