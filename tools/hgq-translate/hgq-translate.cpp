//===- hgq-translate.cpp - Translations into and out of hgq IR ------------===//
//
// Registers the translations of this project (importers and emitters) with
// MLIR's translate driver.
//
//===----------------------------------------------------------------------===//

#include "hgq/Import/OnnxImporter.h"
#include "hgq/Target/FormatReport.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  hgq::registerFormatReportTranslation();
  hgq::registerOnnxImportTranslation();
  return mlir::failed(mlir::mlirTranslateMain(
             argc, argv, "hgq-translate: hgq IR translations\n"))
             ? 1
             : 0;
}
