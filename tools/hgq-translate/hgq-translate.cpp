//===- hgq-translate.cpp - Translations into and out of hgq IR ------------===//
//
// Registers the translations of this project (importers and emitters) with
// MLIR's translate driver.
//
//===----------------------------------------------------------------------===//

#include "hgq/InitAllTranslations.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  // Outside MLIR's option parsing: a plain listing for scripts and users.
  for (int index = 1; index < argc; ++index)
    if (llvm::StringRef(argv[index]) == "--list-onnx-ops") {
      for (const std::string &name : hgq::supportedOnnxOps())
        llvm::outs() << name << "\n";
      return 0;
    }
  hgq::registerAllTranslations();
  return mlir::failed(mlir::mlirTranslateMain(
             argc, argv, "hgq-translate: hgq IR translations\n"))
             ? 1
             : 0;
}
