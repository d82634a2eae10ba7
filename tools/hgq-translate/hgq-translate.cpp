//===- hgq-translate.cpp - Translations into and out of hgq IR ------------===//
//
// Registers the translations of this project (importers and emitters) with
// MLIR's translate driver.
//
//===----------------------------------------------------------------------===//

#include "hgq/InitAllTranslations.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Target/Translation.h"
#include "hgq/Tools/Options.h"
#include "hgq/Tools/Version.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

#include <unistd.h>

// Handled before MLIR's driver parses anything (below); declared so that
// --help lists it.
static llvm::cl::opt<bool> listOnnxOps(
    "list-onnx-ops",
    llvm::cl::desc("print the ONNX operators --import-onnx supports, one per "
                   "line, and exit"));

/// True when the command line names an input (a positional argument, '-'
/// included). An option given as `--name value` takes the next argument as
/// its value when the option requires one (-o is MLIR's driver's, registered
/// only once it runs).
static bool hasInputFile(const std::vector<char *> &arguments) {
  const auto &options = llvm::cl::getRegisteredOptions();
  for (size_t index = 1; index < arguments.size(); ++index) {
    llvm::StringRef argument = arguments[index];
    if (argument == "--")
      return index + 1 < arguments.size();
    if (argument == "-" || !argument.starts_with("-"))
      return true;
    if (argument.contains('='))
      continue;
    if (argument == "-o" || argument == "--o") { // the driver's own option
      ++index;
      continue;
    }
    auto found = options.find(argument.ltrim('-'));
    if (found != options.end() &&
        found->second->getValueExpectedFlag() == llvm::cl::ValueRequired)
      ++index;
  }
  return false;
}

int main(int argc, char **argv) {
  hgq::setVersionPrinter("hgq-translate");
  hgq::hideLinkedOptions({"list-onnx-ops"});
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
  bool asked = false, informational = false;
  for (size_t index = 1; index < arguments.size(); ++index) {
    llvm::StringRef flag = llvm::StringRef(arguments[index]).ltrim('-');
    flag = flag.split('=').first;
    informational |= flag.starts_with("help") || flag == "version";
    asked |= llvm::is_contained(hgq::registeredTranslationFlags(), flag.str());
  }
  asked |= informational;
  if (!asked) {
    llvm::errs() << "hgq-translate: error: no translation given; choose one "
                    "of";
    for (const std::string &flag : hgq::registeredTranslationFlags())
      llvm::errs() << " --" << flag;
    llvm::errs() << " (see --help)\n";
    return 1;
  }
  // Without an input file the driver reads standard input: from a terminal
  // that is a silent wait nobody asked for.
  if (!informational && !hasInputFile(arguments) && isatty(STDIN_FILENO)) {
    llvm::errs() << "hgq-translate: error: no input file; give one (or pipe "
                    "it into '-'), e.g. hgq-translate --import-onnx "
                    "model.onnx -o model.mlir\n";
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
