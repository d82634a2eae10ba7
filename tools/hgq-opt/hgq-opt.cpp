//===- hgq-opt.cpp - Parse, verify, transform and print hgq IR ------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<hgq::HGQDialect, mlir::func::FuncDialect>();
  // Generic clean-ups (canonicalize, cse, ...) run on hgq IR like on any IR.
  mlir::registerTransformsPasses();
  hgq::registerHGQPasses();
  hgq::registerProxyPipeline();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "hgq-opt: optimizer driver for the hgq dialect\n", registry));
}
