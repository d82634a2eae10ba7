//===- hgq-translate.cpp - Translations into and out of hgq IR ------------===//
//
// Registers the translations of this project (importers and emitters) with
// MLIR's translate driver.
//
//===----------------------------------------------------------------------===//

#include "hgq/InitAllTranslations.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Target/Translation.h"
#include "hgq/Tools/Version.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

// Handled before MLIR's driver parses anything (below); declared so that
// --help lists it.
static llvm::cl::opt<bool> listOnnxOps(
    "list-onnx-ops",
    llvm::cl::desc("print the ONNX operators --import-onnx supports, one per "
                   "line, and exit"));

int main(int argc, char **argv) {
  hgq::setVersionPrinter("hgq-translate");
  // Outside MLIR's option parsing: a plain listing for scripts and users.
  for (int index = 1; index < argc; ++index)
    if (llvm::StringRef(argv[index]) == "--list-onnx-ops") {
      for (const std::string &name : hgq::supportedOnnxOps())
        llvm::outs() << name << "\n";
      return 0;
    }
  // MLIR's driver opens -o itself and truncates it at start-up, so a failed
  // translation would destroy the previous file: it writes to a temporary
  // beside the target instead, renamed over it only on success.
  std::vector<char *> arguments(argv, argv + argc);
  std::string temporaryArgument;
  hgq::OutputFile output;
  bool committing = false;
  for (size_t index = 1; index < arguments.size(); ++index) {
    llvm::StringRef argument = arguments[index];
    if (argument == "--")
      break;
    bool separate = argument == "-o" || argument == "--o";
    bool joined = argument.starts_with("-o=") || argument.starts_with("--o=");
    if (!separate && !joined)
      continue;
    if (separate && index + 1 == arguments.size())
      break; // the driver reports the missing value
    std::string target =
        separate ? arguments[index + 1] : argument.split('=').second.str();
    std::string error;
    if (!output.open(target, error)) {
      llvm::errs() << "hgq-translate: error: " << error << "\n";
      return 1;
    }
    if (!output.temporary().empty()) {
      temporaryArgument = (separate ? "" : "-o=") + output.temporary();
      arguments[separate ? index + 1 : index] = temporaryArgument.data();
      committing = true;
    }
    break;
  }
  hgq::registerAllTranslations();
  // MLIR's driver says "must be specified at least once!" once per
  // registered translation when none is given: one message instead.
  bool asked = false;
  for (size_t index = 1; index < arguments.size() && !asked; ++index) {
    llvm::StringRef flag = llvm::StringRef(arguments[index]).ltrim('-');
    flag = flag.split('=').first;
    asked = flag.starts_with("help") || flag == "version" ||
            llvm::is_contained(hgq::registeredTranslationFlags(), flag.str());
  }
  if (!asked) {
    llvm::errs() << "hgq-translate: error: no translation given; choose one "
                    "of";
    for (const std::string &flag : hgq::registeredTranslationFlags())
      llvm::errs() << " --" << flag;
    llvm::errs() << " (see --help)\n";
    return 1;
  }
  if (mlir::failed(
          mlir::mlirTranslateMain(int(arguments.size()), arguments.data(),
                                  "hgq-translate: hgq IR translations\n")))
    return 1;
  std::string error;
  if (committing && !output.commit(error)) {
    llvm::errs() << "hgq-translate: error: " << error << "\n";
    return 1;
  }
  return 0;
}
