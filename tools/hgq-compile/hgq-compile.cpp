//===- hgq-compile.cpp - One command from a model to firmware and report --===//
//
//   hgq-compile MODEL --calibration calib.npy -o OUT/
//
// A thin driver over the libraries the other tools are made of: the
// importers (hgq-translate --import-*), the passes of --hgq-proxy-pipeline
// (hgq-opt), the executor (hgq-run), the emitters (hgq-translate --emit-*)
// and the report. It writes each stage's IR, the proxy in every format, the
// HLS project and the report into OUT/, runs the project's C simulation
// against hgq-run, and says where everything went.
//
// Exit codes: 0 success, 1 a problem with the input or the command line (one
// line naming the file or the op), 2 an internal error (a bug to report).
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Import/Hls4mlImporter.h"
#include "hgq/Import/KerasImporter.h"
#include "hgq/Import/OnnxImporter.h"
#include "hgq/Support/Npy.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Target/Hls.h"
#include "hgq/Target/Hls4ml.h"
#include "hgq/Target/KerasProxy.h"
#include "hgq/Target/OnnxExport.h"
#include "hgq/Target/Report.h"
#include "hgq/Tools/Options.h"
#include "hgq/Tools/Version.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <functional>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory compileCategory("hgq-compile options");

static cl::opt<std::string>
    modelPath(cl::Positional, cl::Required,
              cl::desc("<model: .onnx, .h5, hls4ml .json or .mlir>"),
              cl::cat(compileCategory));
static cl::opt<std::string> outputDir("o", cl::Required,
                                      cl::desc("output folder (created)"),
                                      cl::value_desc("OUT"),
                                      cl::cat(compileCategory));
static cl::opt<std::string> calibrationPath(
    "calibration",
    cl::desc("float32 .npy samples (one per model input, comma-separated): "
             "bit allocation and tracing, overflow counts, the C simulation's "
             "inputs; required unless the model is a proxy already"),
    cl::value_desc("calib.npy"), cl::cat(compileCategory));
static cl::opt<std::string> configPath(
    "config",
    cl::desc("a float model: attach HGQ's quantizers as this JSON or YAML "
             "configuration says (docs/hgq-compile.md) instead of allocating "
             "bits on the calibration data"),
    cl::value_desc("quant.yaml"), cl::cat(compileCategory));
static cl::opt<bool>
    aggressive("aggressive",
               cl::desc("proxy overflow mode WRAP (true, HGQ's default) or SAT "
                        "(--aggressive=false)"),
               cl::init(true), cl::cat(compileCategory));
static cl::opt<double>
    coverFactor("cover-factor",
                cl::desc("trace-minmax: widen every traced range by this "
                         "factor"),
                cl::init(1.0), cl::cat(compileCategory));
static cl::opt<int64_t> lutMaxTableSize(
    "lut-max-table-size",
    cl::desc("lower activations to lookup tables of at most this many "
             "entries (0: keep them)"),
    cl::init(0), cl::cat(compileCategory));
static cl::opt<std::string>
    ioType("io-type", cl::desc("io_parallel (default) or io_stream"),
           cl::init("io_parallel"), cl::cat(compileCategory));
static cl::opt<int64_t> reuseFactor("reuse-factor",
                                    cl::desc("HLS reuse factor (>= 1)"),
                                    cl::init(1), cl::cat(compileCategory));
static cl::opt<std::string> part("part", cl::desc("FPGA part"),
                                 cl::init("xcvu13p-flga2577-2-e"),
                                 cl::cat(compileCategory));
static cl::opt<double> clockPeriod("clock-period",
                                   cl::desc("clock period in ns"),
                                   cl::init(5.0), cl::cat(compileCategory));
static cl::opt<std::string>
    projectName("project-name",
                cl::desc("HLS project and top function name (default: the "
                         "model file's name)"),
                cl::cat(compileCategory));
static cl::opt<bool> noCsim("no-csim",
                            cl::desc("do not build and run the C simulation"),
                            cl::cat(compileCategory));
static cl::opt<int64_t>
    csimSamples("csim-samples",
                cl::desc("calibration samples the C simulation runs"),
                cl::init(200), cl::cat(compileCategory));
static cl::opt<std::string>
    functionName("function",
                 cl::desc("function of an .mlir model (default: the only "
                          "one, or @main)"),
                 cl::cat(compileCategory));

namespace {

/// Exit codes.
constexpr int kUserError = 1, kInternalError = 2;

/// Prints the one-line message of a problem with the input; returns 1.
int userError(const llvm::Twine &message) {
  llvm::outs().flush();
  llvm::errs() << "hgq-compile: error: " << message << "\n";
  return kUserError;
}

/// Prints what went wrong inside; returns 2.
int internalError(const llvm::Twine &message) {
  llvm::outs().flush();
  llvm::errs() << "hgq-compile: internal error: " << message
               << " (please report it with the model)\n";
  return kInternalError;
}

/// The location as a reader names it: a layer or node name (as every tool
/// names it, hgq::locationName), else file:line:col, or nothing.
std::string whereText(Location loc) {
  if (std::string name = hgq::locationName(loc); !name.empty())
    return name;
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().strref() + ":" + llvm::Twine(file.getLine()) +
            ":" + llvm::Twine(file.getColumn()))
        .str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return fused.getLocations().empty()
               ? std::string()
               : whereText(fused.getLocations().front());
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return whereText(call.getCallee());
  return "";
}

/// The message, after where it happened unless it names that itself (the
/// importers' messages start with the file or node).
std::string locatedMessage(const Diagnostic &diagnostic) {
  std::string message = diagnostic.str();
  std::string where = whereText(diagnostic.getLocation());
  if (where.empty() || llvm::StringRef(message).contains(where + ":"))
    return message;
  return where + ": " + message;
}

void printDiagnostic(const Diagnostic &diagnostic) {
  llvm::outs().flush();
  const char *severity = "error";
  switch (diagnostic.getSeverity()) {
  case DiagnosticSeverity::Warning:
    severity = "warning";
    break;
  case DiagnosticSeverity::Note:
    severity = "note";
    break;
  case DiagnosticSeverity::Remark:
    severity = "remark";
    break;
  default:
    break;
  }
  llvm::errs() << "hgq-compile: " << severity << ": "
               << locatedMessage(diagnostic) << "\n";
}

/// Prints each stage as it starts; times it for the report.
class Stages {
public:
  explicit Stages(int total) : total_(total) {}
  void begin(const std::string &what) {
    finish();
    llvm::outs() << "[" << ++index_ << "/" << total_ << "] " << what << "\n";
    llvm::outs().flush();
    current_ = what;
    start_ = std::chrono::steady_clock::now();
  }
  void finish() {
    if (current_.empty())
      return;
    seconds_.emplace_back(
        current_,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count());
    current_.clear();
  }
  const std::vector<std::pair<std::string, double>> &seconds() const {
    return seconds_;
  }

private:
  int total_, index_ = 0;
  std::string current_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::pair<std::string, double>> seconds_;
};

std::string join(llvm::StringRef directory, llvm::StringRef name) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// False after a message naming the file.
bool writeFile(const std::string &path, llvm::StringRef bytes) {
  std::string error;
  if (!hgq::OutputFile::writeWhole(path, bytes, error)) {
    userError(error);
    return false;
  }
  return true;
}

std::string printed(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, OpPrintingFlags().enableDebugInfo());
  return text;
}

/// Reads any model the importers take, chosen by the file's extension; null
/// after a message naming the file (and the node).
OwningOpRef<ModuleOp> importModel(const std::string &path, MLIRContext &context,
                                  llvm::SourceMgr &sourceMgr) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer) {
    userError(path + ": cannot read: " + buffer.getError().message());
    return nullptr;
  }
  llvm::StringRef bytes = (*buffer)->getBuffer();
  std::string extension = llvm::sys::path::extension(path).lower();
  if (extension == ".onnx")
    return hgq::importOnnx(path, bytes, &context);
  if (extension == ".h5" || extension == ".hdf5" || extension == ".keras")
    return hgq::importKeras(path, bytes, &context);
  if (extension == ".json")
    return hgq::importHls4ml(path, bytes, &context);
  if (extension == ".mlir") {
    if (std::string problem = hgq::mlirInputError(bytes); !problem.empty()) {
      userError(path + ": " + problem);
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  }
  userError(path + ": unknown model format '" + extension +
            "': give an .onnx, .h5 (HGQ Keras), .json (hls4ml) or .mlir "
            "file");
  return nullptr;
}

/// What the pipeline has to do to a model: give a float model its
/// quantizers, trace an HGQ (layer-level) model, or nothing (a proxy).
enum class ModelLevel { Float, Layer, Proxy };

ModelLevel levelOf(func::FuncOp function) {
  bool layerLevel = false, proxy = false;
  function.walk([&](Operation *op) {
    if (!isa<hgq::HGQDialect>(op->getDialect()))
      return;
    for (NamedAttribute attribute : op->getAttrs()) {
      layerLevel |= isa<hgq::QuantizerAttr>(attribute.getValue());
      proxy |= isa<hgq::FixedAttr>(attribute.getValue());
    }
  });
  return layerLevel ? ModelLevel::Layer
                    : (proxy ? ModelLevel::Proxy : ModelLevel::Float);
}

/// The calibration files, one per input, opened (float32 files mapped).
struct Calibration {
  std::vector<std::unique_ptr<hgq::NpySamples>> files;
  std::vector<hgq::exec::InputView> inputs;
  int64_t samples = 0;
};

/// False after a message naming the file.
bool openCalibration(const std::string &paths, Calibration &calibration) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(paths).split(parts, ',', -1, false);
  for (llvm::StringRef path : parts) {
    auto samples = std::make_unique<hgq::NpySamples>();
    std::string error;
    if (!samples->open(path.str(), error)) {
      userError(error);
      return false;
    }
    if (samples->shape().empty()) {
      userError(path + ": a 0-d array has no batch dimension");
      return false;
    }
    calibration.inputs.push_back(
        hgq::exec::InputView{samples->shape(), samples->floats()});
    calibration.samples = samples->shape()[0];
    calibration.files.push_back(std::move(samples));
  }
  return true;
}

/// Runs `function` on the calibration samples into `result`, and lists the
/// op of each quantization point (RunResult::overflowCounts' order); an exit
/// code on failure, after a message.
std::optional<int> execute(func::FuncOp function,
                           const Calibration &calibration, const char *what,
                           hgq::exec::RunResult &result,
                           std::vector<Operation *> &points) {
  FailureOr<std::unique_ptr<hgq::exec::Executor>> executor =
      hgq::exec::Executor::create(function);
  if (failed(executor))
    return internalError(std::string("the executor cannot run the ") + what);
  hgq::exec::RunOptions options;
  if (isatty(STDERR_FILENO))
    options.progress = [](int64_t done, int64_t total) {
      if (total < 100000)
        return;
      llvm::errs() << "\r  " << done * 100 / std::max<int64_t>(total, 1) << "%"
                   << (done == total ? "\n" : "");
    };
  hgq::exec::Status status =
      (*executor)->run(calibration.inputs, options, result);
  if (!status.ok)
    return userError(std::string(what) +
                     " on the calibration data: " + status.message);
  points.clear();
  for (const hgq::exec::QuantizationPoint &point : (*executor)->points())
    points.push_back(point.op);
  return std::nullopt;
}

/// a * 2^-fa == b * 2^-fb, exactly (no shift that could overflow): the
/// finer one must be a multiple of the scale between them.
bool sameValue(int64_t a, int64_t fa, int64_t b, int64_t fb) {
  if (fa < fb)
    return sameValue(b, fb, a, fa);
  int64_t shift = fa - fb;
  if (shift >= 63)
    return a == 0 && b == 0;
  int64_t scale = int64_t(1) << shift;
  return a % scale == 0 && a / scale == b;
}

/// Equal value for value (the executor's exact outputs at their scales).
bool sameOutputs(const std::vector<hgq::exec::Tensor> &left,
                 const std::vector<hgq::exec::Tensor> &right) {
  if (left.size() != right.size())
    return false;
  for (size_t index = 0; index < left.size(); ++index) {
    const hgq::exec::Tensor &a = left[index], &b = right[index];
    if (a.size() != b.size())
      return false;
    for (int64_t e = 0; e < a.size(); ++e) {
      if (a.exact != b.exact) {
        if (a.valueAt(e) != b.valueAt(e))
          return false;
        continue;
      }
      if (!a.exact) {
        if (a.floats[e] != b.floats[e])
          return false;
        continue;
      }
      if (!sameValue(a.mantissas[e], a.fractionalBits, b.mantissas[e],
                     b.fractionalBits))
        return false;
    }
  }
  return true;
}

/// Runs `make -s -C DIR csim`: whether it passed (unset: it could not run)
/// and its output's last line, or why it did not run.
std::pair<std::optional<bool>, std::string>
runCsim(const std::string &directory) {
  llvm::ErrorOr<std::string> make = llvm::sys::findProgramByName("make");
  if (!make)
    return {std::nullopt, "not run: make is not installed"};
  if (!llvm::sys::findProgramByName("g++"))
    return {std::nullopt, "not run: g++ is not installed"};
  llvm::SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("hgq-compile-csim", "log", log))
    return {std::nullopt,
            "not run: cannot create a temporary file: " + ec.message()};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string message;
  int code =
      llvm::sys::ExecuteAndWait(*make, {"make", "-s", "-C", directory, "csim"},
                                std::nullopt, redirects, 0, 0, &message);
  auto text = llvm::MemoryBuffer::getFile(log);
  llvm::sys::fs::remove(log);
  std::string output = text ? (*text)->getBuffer().str() : "";
  llvm::StringRef trimmed = llvm::StringRef(output).rtrim();
  std::string last = trimmed.rsplit('\n').second.empty()
                         ? trimmed.str()
                         : trimmed.rsplit('\n').second.str();
  if (code != 0) {
    llvm::errs() << output;
    return {false, "failed (exit " + std::to_string(code) +
                       "): " + (last.empty() ? message : last)};
  }
  return {true, last};
}

} // namespace

static int compile() {
  if (ioType != "io_parallel" && ioType != "io_stream")
    return userError("--io-type must be io_parallel or io_stream, got '" +
                     ioType + "'");
  if (reuseFactor < 1)
    return userError("--reuse-factor must be at least 1");
  if (csimSamples < 1)
    return userError("--csim-samples must be at least 1");

  DialectRegistry registry;
  registry.insert<hgq::HGQDialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // A failing pass names the op in its message; the whole module printed
  // after it would bury that line.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  // One line per diagnostic, as the tool's own messages: where (the node,
  // layer or file) and what.
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diagnostic) {
    printDiagnostic(diagnostic);
    for (const Diagnostic &note : diagnostic.getNotes())
      printDiagnostic(note);
    return success();
  });

  std::string error;
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return userError(outputDir + ": cannot create: " + ec.message());
  std::string name = projectName;
  if (name.empty()) {
    name = llvm::sys::path::stem(modelPath).str();
    for (char &c : name)
      if (!llvm::isAlnum(c))
        c = '_';
    if (name.empty() || llvm::isDigit(name.front()))
      name = "model_" + name;
  }

  Stages stages(calibrationPath.empty() ? 7 : 8);
  stages.begin("importing " + modelPath);
  OwningOpRef<ModuleOp> module = importModel(modelPath, context, sourceMgr);
  if (!module)
    return kUserError; // the importer named the file and the node
  func::FuncOp function = hgq::findEntryFunction(*module, functionName);
  if (!function)
    return userError(modelPath + ": no entry function" +
                     (functionName.empty()
                          ? std::string(" (@main or the only one)")
                          : " @" + functionName.getValue()));
  std::vector<std::string> files, skipped;
  if (!writeFile(join(outputDir, "model.mlir"), printed(*module)))
    return kUserError;
  files.push_back("model.mlir");

  ModelLevel level = levelOf(function);
  bool calibrate = level != ModelLevel::Proxy;
  if (calibrate && calibrationPath.empty())
    return userError(
        modelPath +
        (level == ModelLevel::Float
             ? " is a float model: give --calibration samples (a float32 "
               ".npy) to allocate its bits on"
             : " has HGQ quantizers without integer bits: give "
               "--calibration samples (a float32 .npy) to trace them on"));
  if (level != ModelLevel::Float && !configPath.empty())
    return userError("--config attaches quantizers to a float model, but " +
                     modelPath + " has its formats already");
  Calibration calibration;
  if (!calibrationPath.empty() &&
      !openCalibration(calibrationPath, calibration))
    return kUserError;

  hgq::ProxyPipelineConfig config;
  config.calibration = calibrationPath;
  config.coverFactor = coverFactor;
  config.attachQuantizers = !configPath.empty();
  config.config = configPath;
  config.aggressive = aggressive;
  config.maxTableSize = lutMaxTableSize;
  config.ioType = ioType;
  config.quiet = true;

  OwningOpRef<ModuleOp> layerLevel;
  if (calibrate) {
    stages.begin(level == ModelLevel::Layer
                     ? "integer bits traced on " + calibrationPath +
                           " (trace-minmax)"
                 : configPath.empty()
                     ? "float model: bits allocated on " + calibrationPath +
                           " (allocate-bits), then traced"
                     : "float model: quantizers from " + configPath +
                           ", traced on " + calibrationPath);
    PassManager manager(&context);
    manager.addInstrumentation(hgq::createLayerNameInstrumentation());
    hgq::addLayerLevelPasses(manager, config);
    if (failed(manager.run(*module)))
      return kUserError; // the pass's diagnostic names the op
    layerLevel = module->clone();
    if (!writeFile(join(outputDir, "model.traced.mlir"), printed(*module)))
      return kUserError;
    files.push_back("model.traced.mlir");
  } else {
    stages.begin("the model is a proxy already: no calibration needed");
  }

  stages.begin("proxy: explicit per-element formats" +
               std::string(lutMaxTableSize > 0 ? ", lookup tables" : "") +
               ", BOPs and EBOPs");
  {
    PassManager manager(&context);
    manager.addInstrumentation(hgq::createLayerNameInstrumentation());
    hgq::addProxyPasses(manager, config);
    if (failed(manager.run(*module)))
      return kUserError;
  }
  function = hgq::findEntryFunction(*module, functionName);
  if (!writeFile(join(outputDir, "model.proxy.mlir"), printed(*module)))
    return kUserError;
  files.push_back("model.proxy.mlir");

  hgq::ReportRun run;
  run.model = modelPath;
  run.calibration = calibrationPath;
  if (!calibration.inputs.empty()) {
    stages.begin("bit-accurate run on " + std::to_string(calibration.samples) +
                 " calibration samples" +
                 (layerLevel ? ", layer level against proxy" : ""));
    hgq::exec::RunResult proxyResult, layerResult;
    std::vector<Operation *> points, layerPoints;
    if (std::optional<int> code = execute(
            function, calibration, "the proxy model", proxyResult, points))
      return *code;
    run.samples = calibration.samples;
    for (size_t point = 0; point < points.size(); ++point)
      run.overflows.emplace_back(points[point],
                                 proxyResult.overflowCounts[point]);
    if (layerLevel) {
      if (std::optional<int> code = execute(
              hgq::findEntryFunction(*layerLevel, functionName), calibration,
              "the layer-level model", layerResult, layerPoints))
        return *code;
      run.layerEqualsProxy =
          sameOutputs(layerResult.outputs, proxyResult.outputs);
      llvm::outs() << "  layer-level and proxy outputs "
                   << (*run.layerEqualsProxy
                           ? "are identical"
                           : "DIFFER (see the overflow counts in the report)")
                   << "\n";
    }
  }

  stages.begin("the proxy as hls4ml document, HGQ Keras proxy and ONNX");
  hgq::HardwareOptions hardware{ioType, /*ioTypeGiven=*/true, reuseFactor,
                                "latency"};
  struct Document {
    const char *file;
    std::function<LogicalResult(ModuleOp, llvm::raw_ostream &)> emit;
  };
  // A document a format cannot express (a padding Keras has no name for,
  // say) is skipped with a warning: the others and the HLS project are
  // still written.
  for (const Document &document :
       {Document{"model.hls4ml.json",
                 [&](ModuleOp proxy, llvm::raw_ostream &os) {
                   return hgq::emitHls4ml(proxy, os, hardware);
                 }},
        Document{"model.proxy.h5", hgq::emitKerasProxy},
        Document{"model.proxy.onnx", hgq::emitOnnx}}) {
    std::string bytes, reasons;
    llvm::raw_string_ostream os(bytes);
    LogicalResult emitted = failure();
    {
      ScopedDiagnosticHandler collect(&context, [&](Diagnostic &diagnostic) {
        if (diagnostic.getSeverity() != DiagnosticSeverity::Error)
          return failure(); // warnings and notes as usual
        reasons += (reasons.empty() ? "" : "; ") + locatedMessage(diagnostic);
        return success();
      });
      emitted = document.emit(*module, os);
    }
    if (failed(emitted)) {
      llvm::outs().flush();
      llvm::errs() << "hgq-compile: warning: " << document.file
                   << " not written: " << reasons << "\n";
      skipped.push_back(document.file);
      continue;
    }
    if (!writeFile(join(outputDir, document.file), bytes))
      return kUserError;
    files.push_back(document.file);
  }

  stages.begin("HLS C++ project (" + ioType + ", reuse factor " +
               std::to_string(reuseFactor) + ", " + part + ")");
  hgq::HlsOptions hls;
  hls.projectName = name;
  hls.ioType = ioType;
  hls.reuseFactor = reuseFactor;
  hls.part = part;
  hls.clockPeriod = clockPeriod;
  if (calibration.inputs.size() == 1)
    hls.testbenchInput = calibrationPath;
  hls.generatedSamples = csimSamples;
  FailureOr<std::map<std::string, std::string>> project =
      hgq::emitHlsProject(*module, hls);
  if (failed(project))
    return kUserError;
  // A fresh folder, swapped in only once it is complete.
  std::string hlsDir = join(outputDir, "hls");
  std::string partial = hlsDir + ".partial";
  llvm::sys::fs::remove_directories(partial);
  if (!hgq::writeHlsFiles(*project, partial, error)) {
    llvm::sys::fs::remove_directories(partial);
    return userError(error);
  }
  llvm::sys::fs::remove_directories(hlsDir);
  if (std::error_code ec = llvm::sys::fs::rename(partial, hlsDir))
    return userError(hlsDir + ": cannot replace: " + ec.message());
  files.push_back("hls/");

  stages.begin("C simulation of the HLS project against hgq-run");
  if (noCsim) {
    run.csimSummary = "not run (--no-csim)";
  } else {
    auto [passed, summary] = runCsim(hlsDir);
    run.csimEqual = passed;
    run.csimSummary = summary;
  }
  llvm::outs() << "  " << run.csimSummary << "\n";
  // The project failed to build or its outputs differ from hgq-run's: a
  // bug in hgq-mlir either way (its output is on standard error).
  if (run.csimEqual && !*run.csimEqual)
    return internalError("the C simulation of " + hlsDir +
                         " failed: " + run.csimSummary);

  // The report's own stage is not in it (it is being written).
  stages.begin("report");
  run.files = files;
  run.skipped = skipped;
  for (const char *report : {"report.html", "report.md", "report.json"})
    run.files.push_back(report);
  run.stageSeconds = stages.seconds();
  FailureOr<llvm::json::Value> report = hgq::buildReport(function, run);
  if (failed(report))
    return internalError("the report's figures could not be worked out");
  std::string jsonText, markdown, html;
  {
    llvm::raw_string_ostream os(jsonText);
    os << llvm::formatv("{0:2}", *report) << "\n";
  }
  {
    llvm::raw_string_ostream os(markdown);
    hgq::writeReportMarkdown(*report, os);
  }
  {
    llvm::raw_string_ostream os(html);
    hgq::writeReportHtml(*report, os);
  }
  if (!writeFile(join(outputDir, "report.json"), jsonText) ||
      !writeFile(join(outputDir, "report.md"), markdown) ||
      !writeFile(join(outputDir, "report.html"), html))
    return kUserError;

  const llvm::json::Object &totals =
      *report->getAsObject()->getObject("totals");
  llvm::outs() << llvm::formatv(
      "EBOPs {0}, BOPs {1}, {2} parameters ({3} pruned), {4} overflows on "
      "the calibration data\n",
      int64_t(totals.getNumber("ebops").value_or(0)),
      int64_t(totals.getNumber("bops").value_or(0)),
      totals.getInteger("parameters").value_or(0),
      totals.getInteger("pruned_weights").value_or(0),
      totals.getInteger("overflows").value_or(0));
  llvm::outs() << "wrote " << llvm::StringRef(outputDir).rtrim('/') << ": ";
  for (size_t index = 0; index < run.files.size(); ++index)
    llvm::outs() << (index ? ", " : "") << run.files[index];
  llvm::outs() << "\nreport: " << join(outputDir, "report.html") << "\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  hgq::setVersionPrinter("hgq-compile");
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "hgq-compile: a model to a bit-exact HLS project, the proxy in every "
      "format, and a report of where the bits went\n");
  return compile();
}
