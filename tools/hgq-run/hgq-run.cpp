//===- hgq-run.cpp - Run hgq IR bit-accurately on .npy batches ------------===//
//
//   hgq-run model.mlir --input x.npy --output y.npy [--report-overflow]
//
// Inputs and outputs are matched by position or by name (`name=path`): the
// location name of a function argument, or of the op producing a result.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Support/Npy.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Tools/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

/// hgq-run's own options: --help lists these, not LLVM's backend options.
static cl::OptionCategory runCategory("hgq-run options");

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir>"),
                                      cl::cat(runCategory));
static cl::list<std::string>
    inputPaths("input", cl::desc("input batch as .npy (path or name=path)"),
               cl::value_desc("[name=]x.npy"), cl::cat(runCategory));
static cl::list<std::string>
    outputPaths("output",
                cl::desc("where to write an output (path or "
                         "name=path)"),
                cl::value_desc("[name=]y.npy"), cl::cat(runCategory));
static cl::opt<std::string>
    functionName("function",
                 cl::desc("function to run (default: the only "
                          "one, or @main)"),
                 cl::cat(runCategory));
static cl::opt<bool> reportOverflow(
    "report-overflow",
    cl::desc("count, per quantizer, the elements its overflow mode changed"),
    cl::cat(runCategory));
static cl::opt<unsigned> threadCount("workers",
                                     cl::desc("worker threads (0: one per "
                                              "core)"),
                                     cl::init(0), cl::cat(runCategory));
static cl::opt<std::string>
    outputType("output-type",
               cl::desc("dtype of the written arrays: f64 (default, exact "
                        "up to 53 significant bits) or f32"),
               cl::init("f64"), cl::cat(runCategory));

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "hgq-run: error: " << message << "\n";
  return 1;
}

/// Splits "name=path" into its parts; a plain path has no name.
std::pair<std::string, std::string> splitBinding(const std::string &text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos)
    return {"", text};
  return {text.substr(0, equals), text.substr(equals + 1)};
}

/// Resolves bindings to positions among `names`; returns false with a
/// message on a bad name, a duplicate or too many bindings.
bool bindFiles(const std::vector<std::string> &bindings,
               const std::vector<std::string> &names, const char *what,
               std::vector<std::string> &paths, std::string &error) {
  paths.assign(names.size(), "");
  size_t position = 0;
  for (const std::string &binding : bindings) {
    auto [name, path] = splitBinding(binding);
    size_t index;
    if (name.empty()) {
      while (position < names.size() && !paths[position].empty())
        ++position;
      index = position;
    } else {
      auto found = std::find(names.begin(), names.end(), name);
      if (found == names.end()) {
        error = std::string("no model ") + what + " is named '" + name +
                "'; the " + what + "s are:";
        for (const std::string &known : names)
          error += " " + known;
        return false;
      }
      index = size_t(found - names.begin());
    }
    if (index >= names.size()) {
      error = std::string("too many --") + what + " arguments: the model has " +
              std::to_string(names.size()) + " " + what + "(s)";
      return false;
    }
    if (!paths[index].empty()) {
      error = std::string(what) + " '" + names[index] + "' is given twice";
      return false;
    }
    paths[index] = path;
  }
  return true;
}

/// An output without --output: its first samples on standard output, one
/// line each, every value exactly (17 significant digits), and where the
/// whole array would go.
/// `first` holds the first work item's samples of the `batch`.
void printOutput(const std::string &name, const hgq::exec::Tensor &first,
                 int64_t batch) {
  constexpr int64_t kShown = 10;
  int64_t rows = first.shape.empty() ? 1 : first.shape[0];
  int64_t perSample = rows ? first.size() / rows : 0;
  llvm::outs() << "output '" << name << "' (" << batch;
  for (size_t d = 1; d < first.shape.size(); ++d)
    llvm::outs() << " x " << first.shape[d];
  llvm::outs() << "):\n";
  for (int64_t sample = 0; sample < std::min(rows, kShown); ++sample) {
    llvm::outs() << "  [" << sample << "]";
    for (int64_t element = 0; element < perSample; ++element)
      llvm::outs() << " "
                   << llvm::format("%.17g",
                                   first.valueAt(sample * perSample + element));
    llvm::outs() << "\n";
  }
  if (batch > kShown)
    llvm::outs() << "  ... " << batch - kShown << " more samples\n";
  llvm::outs() << "  (--output " << name
               << "=FILE.npy writes all of them as .npy)\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  hgq::setVersionPrinter("hgq-run");
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "hgq-run: bit-accurate execution of hgq IR on .npy batches\n");
  if (outputType != "f64" && outputType != "f32")
    return fail("--output-type must be f64 or f32, got '" + outputType + "'");

  DialectRegistry registry;
  registry.insert<hgq::HGQDialect, func::FuncDialect>();
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string readError;
  std::unique_ptr<llvm::MemoryBuffer> text =
      mlir::openInputFile(modelPath, &readError);
  if (!text)
    return fail(readError);
  // Not MLIR text (an ONNX file given by mistake), or nested deeper than
  // MLIR's recursive parser survives: checked first.
  if (std::string deep = hgq::mlirInputError(text->getBuffer()); !deep.empty())
    return fail(modelPath + ": " + deep);
  sourceMgr.AddNewSourceBuffer(std::move(text), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return fail("cannot read a valid hgq model from " + modelPath);

  func::FuncOp function = hgq::findEntryFunction(*module, functionName);
  if (!function && !functionName.empty())
    return fail(modelPath + " has no function @" + functionName);
  if (!function) {
    auto functions = module->getOps<func::FuncOp>();
    return fail(modelPath + " has " +
                llvm::Twine(std::distance(functions.begin(), functions.end())) +
                " functions and none is @main: choose one with --function");
  }

  FailureOr<std::unique_ptr<hgq::exec::Executor>> executor =
      hgq::exec::Executor::create(function);
  if (failed(executor))
    return 1; // the diagnostic is printed

  std::vector<std::string> inputFiles, outputFiles;
  std::string error;
  if (!bindFiles({inputPaths.begin(), inputPaths.end()},
                 (*executor)->inputNames(), "input", inputFiles, error) ||
      !bindFiles({outputPaths.begin(), outputPaths.end()},
                 (*executor)->outputNames(), "output", outputFiles, error))
    return fail(error);

  // float32 files are mapped and read in place, a work item at a time;
  // float64 ones are read and rounded to float32.
  std::vector<std::unique_ptr<hgq::NpySamples>> files;
  std::vector<hgq::exec::InputView> inputs;
  for (size_t index = 0; index < inputFiles.size(); ++index) {
    if (inputFiles[index].empty())
      return fail("no --input for model input '" +
                  (*executor)->inputNames()[index] + "'");
    auto samples = std::make_unique<hgq::NpySamples>();
    if (!samples->open(inputFiles[index], error))
      return fail(error);
    // Models take float32 inputs, as the source frameworks do.
    if (samples->rounded())
      llvm::errs() << "hgq-run: note: " << inputFiles[index] << ": "
                   << samples->rounded()
                   << " float64 values were rounded to float32\n";
    if (samples->shape().empty())
      return fail(inputFiles[index] + ": a 0-d array has no batch dimension");
    inputs.push_back(hgq::exec::InputView{samples->shape(), samples->floats()});
    files.push_back(std::move(samples));
  }

  hgq::exec::RunOptions options;
  options.threads = threadCount;
  if (isatty(STDERR_FILENO))
    options.progress = [](int64_t done, int64_t total) {
      if (total >= 100000)
        llvm::errs() << "\rhgq-run: " << (total ? done * 100 / total : 100)
                     << "%";
      if (done == total && total >= 100000)
        llvm::errs() << "\n";
    };
  // Outputs are written as work items finish, in sample order, so memory
  // stays flat however many samples run; each file appears whole once the
  // run succeeded (an error leaves no partial file). An output without a
  // file keeps its first work item's samples for printing.
  hgq::NpyType type =
      outputType == "f32" ? hgq::NpyType::Float32 : hgq::NpyType::Float64;
  int64_t batch = inputs.empty() ? 0 : inputs.front().batch();
  size_t outputCount = outputFiles.size();
  std::vector<hgq::NpyWriter> writers(outputCount);
  std::vector<hgq::exec::Tensor> shown(outputCount);
  std::vector<int64_t> inexact(outputCount, 0);
  std::vector<double> values;
  options.consumeOutputs =
      [&](int64_t begin,
          const std::vector<hgq::exec::Tensor> &outputs) -> hgq::exec::Status {
    for (size_t index = 0; index < outputCount; ++index) {
      const hgq::exec::Tensor &tensor = outputs[index];
      if (outputFiles[index].empty()) {
        if (begin == 0)
          shown[index] = tensor;
        continue;
      }
      std::string error;
      if (begin == 0) {
        std::vector<int64_t> shape = tensor.shape;
        shape[0] = batch;
        if (!writers[index].open(outputFiles[index], shape, type, error))
          return hgq::exec::Status::error(error);
      }
      int64_t count = tensor.size();
      values.resize(size_t(count));
      // mantissa * 2^-f: one power-of-two product (what valueAt computes
      // with ldexp, as exactly: fractional bits stay far from double's
      // exponent limits).
      double scale = std::ldexp(1.0, -int(tensor.fractionalBits));
      for (int64_t element = 0; element < count; ++element) {
        values[element] = tensor.exact
                              ? double(tensor.mantissas[element]) * scale
                              : double(tensor.floats[element]);
        if (tensor.exact) {
          // Exact in double only up to 53 significant bits.
          int64_t mantissa = tensor.mantissas[element];
          inexact[index] += mantissa != int64_t(double(mantissa));
        }
        if (type == hgq::NpyType::Float32)
          inexact[index] += double(float(values[element])) != values[element];
      }
      if (!writers[index].append(values.data(), values.size(), error))
        return hgq::exec::Status::error(error);
    }
    return hgq::exec::Status::success();
  };
  hgq::exec::RunResult result;
  hgq::exec::Status status = (*executor)->run(inputs, options, result);
  if (!status.ok)
    return fail(status.message);

  for (size_t index = 0; index < outputCount; ++index) {
    const std::string &name = (*executor)->outputNames()[index];
    if (outputFiles[index].empty()) {
      printOutput(name, shown[index], batch);
      continue;
    }
    if (inexact[index])
      llvm::errs() << "hgq-run: warning: output '" << name
                   << "': " << inexact[index]
                   << " values are not exactly representable as "
                   << (type == hgq::NpyType::Float32 ? "float32" : "float64")
                   << " and were rounded\n";
    std::string error;
    if (!writers[index].commit(error))
      return fail(error);
  }

  if (reportOverflow) {
    const auto &points = (*executor)->points();
    llvm::outs() << "overflow report: elements changed by each quantizer's "
                    "overflow mode\n";
    int64_t total = 0;
    for (size_t point = 0; point < points.size(); ++point) {
      int64_t perSample = 1;
      for (int64_t dim : points[point].featureShape)
        perSample *= dim;
      int64_t elements = perSample * (inputs.empty() ? 0 : inputs[0].batch());
      int64_t count = result.overflowCounts[point];
      total += count;
      llvm::outs()
          << llvm::format(
                 "  %-24s %-14s %-6s %10lld of %lld",
                 points[point].name.c_str(),
                 points[point].op->getName().getStringRef().str().c_str(),
                 points[point].layerLevel ? "layer" : "proxy", (long long)count,
                 (long long)elements)
          << "\n";
    }
    llvm::outs() << "  total: " << total << "\n";
  }
  return 0;
}
