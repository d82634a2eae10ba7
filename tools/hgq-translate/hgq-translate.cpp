//===- hgq-translate.cpp - Translations into and out of hgq IR ------------===//
//
// Registers the translations of this project (importers and emitters) with
// MLIR's translate driver.
//
//===----------------------------------------------------------------------===//

#include "hgq/Import/KerasImporter.h"
#include "hgq/Import/OnnxImporter.h"
#include "hgq/Target/FormatReport.h"
#include "hgq/Target/Hls.h"
#include "hgq/Target/Hls4ml.h"
#include "hgq/Target/OnnxExport.h"

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
  hgq::registerFormatReportTranslation();
  hgq::registerOnnxImportTranslation();
  hgq::registerHls4mlTranslations();
  hgq::registerHlsTranslation();
  hgq::registerOnnxExportTranslation();
  hgq::registerKerasImportTranslation();
  return mlir::failed(mlir::mlirTranslateMain(
             argc, argv, "hgq-translate: hgq IR translations\n"))
             ? 1
             : 0;
}
