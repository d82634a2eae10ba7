//===- HlsProject.cpp - The HLS C++ project around the firmware -----------===//
//
// The files an hls4ml user expects next to the firmware: a testbench that
// reads and writes .npy, test data with the outputs hgq-run computes, a
// Makefile for C simulation with g++ (our ap_ headers, or the vendor's), the
// Vitis HLS script and a README. --emit-hls writes them into --output-dir,
// each file atomically, or (without it) prints them as one stream for tests.
//
//===----------------------------------------------------------------------===//

#include "HlsFirmware.h"

#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Support/Npy.h"
#include "hgq/Target/Hls.h"
#include "hgq/Target/Translation.h"

#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace mlir;

/// The runtime headers, embedded at build time (RuntimeHeaders.cpp.in).
extern const char *const hgqRuntimeApInt;
extern const char *const hgqRuntimeApFixed;
extern const char *const hgqRuntimeHlsStream;

namespace hgq {
namespace {

/// The .npy reader and writer the testbench needs, for float32/float64 C
/// arrays: small enough to keep the project free of dependencies.
constexpr const char *kNpyHeader =
    R"cpp(// Minimal .npy reading (float32/float64, C order) and writing (float64).
#ifndef HGQ_NPY_IO_H
#define HGQ_NPY_IO_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

struct NpyData {
  std::vector<long> shape;
  std::vector<double> values;
};

inline bool readNpy(const char *path, NpyData &data, std::string &error) {
  FILE *file = std::fopen(path, "rb");
  if (!file) {
    error = std::string(path) + ": cannot open";
    return false;
  }
  char magic[8];
  unsigned short headerLength = 0;
  bool ok = std::fread(magic, 1, 8, file) == 8 &&
            std::memcmp(magic, "\x93NUMPY", 6) == 0 && magic[6] == 1 &&
            std::fread(&headerLength, 2, 1, file) == 1;
  std::string header(headerLength, ' ');
  ok = ok && std::fread(&header[0], 1, headerLength, file) == headerLength;
  if (!ok) {
    std::fclose(file);
    error = std::string(path) + ": not a version-1 .npy file";
    return false;
  }
  bool isFloat32 = header.find("'<f4'") != std::string::npos;
  bool isFloat64 = header.find("'<f8'") != std::string::npos;
  if ((!isFloat32 && !isFloat64) ||
      header.find("'fortran_order': False") == std::string::npos) {
    std::fclose(file);
    error = std::string(path) + ": needs float32 or float64 in C order";
    return false;
  }
  size_t open = header.find('(', header.find("'shape'"));
  size_t close = header.find(')', open);
  long count = 1;
  data.shape.clear();
  for (size_t at = open + 1; at < close;) {
    while (at < close && (header[at] == ' ' || header[at] == ','))
      ++at;
    if (at >= close)
      break;
    long dim = std::strtol(header.c_str() + at, nullptr, 10);
    data.shape.push_back(dim);
    count *= dim;
    while (at < close && header[at] != ',')
      ++at;
  }
  data.values.resize(count);
  for (long index = 0; index < count && ok; ++index) {
    if (isFloat32) {
      float value;
      ok = std::fread(&value, 4, 1, file) == 1;
      data.values[index] = value;
    } else {
      ok = std::fread(&data.values[index], 8, 1, file) == 1;
    }
  }
  std::fclose(file);
  if (!ok)
    error = std::string(path) + ": shorter than its header says";
  return ok;
}

inline bool writeNpy(const char *path, const std::vector<long> &shape,
                     const std::vector<double> &values, std::string &error) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (long dim : shape)
    header += std::to_string(dim) + ", ";
  header.erase(header.size() - 1); // "(N," for one dimension, as numpy
  header += "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string partial = std::string(path) + ".partial";
  FILE *file = std::fopen(partial.c_str(), "wb");
  if (!file) {
    error = std::string(path) + ": cannot write";
    return false;
  }
  unsigned short length = header.size();
  bool ok = std::fwrite("\x93NUMPY\x01\x00", 1, 8, file) == 8 &&
            std::fwrite(&length, 2, 1, file) == 1 &&
            std::fwrite(header.data(), 1, header.size(), file) ==
                header.size() &&
            (values.empty() ||
             std::fwrite(values.data(), 8, values.size(), file) ==
                 values.size());
  ok = std::fclose(file) == 0 && ok;
  if (!ok || std::rename(partial.c_str(), path) != 0) {
    std::remove(partial.c_str());
    error = std::string(path) + ": cannot write";
    return false;
  }
  return true;
}

#endif
)cpp";

std::string testbench(const HlsOptions &options, const hls::Firmware &fw) {
  const std::string &name = options.projectName;
  std::string text;
  llvm::raw_string_ostream os(text);
  size_t inputs = fw.inputs.size(), outputs = fw.outputs.size();
  os << "// Testbench of " << name << ": reads the inputs from .npy files "
     << "(float32 or float64,\n// one sample per row), runs the top function "
     << "sample by sample and writes\n// the outputs as float64 .npy (exact "
     << "for every format up to 53 bits).\n"
     << "//   " << name
     << "_test IN.npy... OUT.npy... [--expect EXPECTED.npy...]\n"
     << "// With --expect it compares every output bit for bit and exits 1 on "
     << "a difference.\n"
     << "#include \"firmware/" << name << ".h\"\n#include \"npy_io.h\"\n\n"
     << "#include <cstdio>\n#include <cstring>\n\n"
     << "int main(int argc, char **argv) {\n"
     << "  const int inputs = " << inputs << ", outputs = " << outputs << ";\n"
     << "  const long inputSizes[] = {";
  for (const hls::Port &port : fw.inputs)
    os << port.size << ", ";
  os << "};\n  const long outputSizes[] = {";
  for (const hls::Port &port : fw.outputs)
    os << port.size << ", ";
  os << "};\n  const std::vector<long> outputShapes[] = {";
  for (const hls::Port &port : fw.outputs) {
    os << "{";
    for (int64_t dim : port.shape)
      os << dim << ", ";
    os << "}, ";
  }
  os << R"cpp(};
  bool expect = argc == 1 + inputs + 2 * outputs + 1 &&
                std::strcmp(argv[1 + inputs + outputs], "--expect") == 0;
  if (argc != 1 + inputs + outputs && !expect) {
    std::fprintf(stderr, "usage: %s IN.npy... OUT.npy... [--expect EXPECTED.npy...]\n",
                 argv[0]);
    return 2;
  }
  std::string error;
  NpyData in[inputs > 0 ? inputs : 1];
  long samples = -1;
  for (int i = 0; i < inputs; ++i) {
    if (!readNpy(argv[1 + i], in[i], error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
    long rows = in[i].shape.empty() ? 0 : in[i].shape[0];
    if (in[i].values.size() != size_t(rows * inputSizes[i]) ||
        (samples >= 0 && rows != samples)) {
      std::fprintf(stderr, "error: %s: expected %ld values per sample and the "
                   "same number of samples in every input\n", argv[1 + i],
                   inputSizes[i]);
      return 1;
    }
    samples = rows;
  }
  std::vector<double> out[outputs];
  for (int o = 0; o < outputs; ++o)
    out[o].resize(samples * outputSizes[o]);
  for (long n = 0; n < samples; ++n) {
)cpp";
  bool stream = options.ioType == "io_stream";
  for (auto [index, port] : llvm::enumerate(fw.inputs)) {
    std::string value = port.type + "(in[" + std::to_string(index) +
                        "].values[n * " + std::to_string(port.size) + " + i])";
    if (!stream) {
      os << "    " << port.type << " " << port.name << "[" << port.size
         << "];\n    for (long i = 0; i < " << port.size << "; ++i)\n      "
         << port.name << "[i] = " << value << ";\n";
      continue;
    }
    // One pixel (the channels of one position) per write.
    int64_t channels = port.shape.empty() ? 1 : port.shape.back();
    os << "    hls::stream<" << port.pixel << "> " << port.name << ";\n"
       << "    for (long i = 0; i < " << port.size << "; i += " << channels
       << ") {\n      " << port.pixel << " pixel;\n      for (long c = 0; c < "
       << channels << "; ++c)\n        pixel.data[c] = " << port.type << "(in["
       << index << "].values[n * " << port.size << " + i + c]);\n      "
       << port.name << ".write(pixel);\n    }\n";
  }
  for (const hls::Port &port : fw.outputs)
    if (stream)
      os << "    hls::stream<" << port.pixel << "> " << port.name << ";\n";
    else
      os << "    " << port.type << " " << port.name << "[" << port.size
         << "];\n";
  os << "    " << name << "(";
  bool first = true;
  for (const hls::Port &port : fw.inputs) {
    os << (first ? "" : ", ") << port.name;
    first = false;
  }
  for (const hls::Port &port : fw.outputs) {
    os << (first ? "" : ", ") << port.name;
    first = false;
  }
  os << ");\n";
  for (auto [index, port] : llvm::enumerate(fw.outputs)) {
    if (!stream) {
      os << "    for (long i = 0; i < " << port.size << "; ++i)\n      out["
         << index << "][n * " << port.size << " + i] = " << port.name
         << "[i].to_double();\n";
      continue;
    }
    int64_t channels = port.shape.empty() ? 1 : port.shape.back();
    os << "    for (long i = 0; i < " << port.size << "; i += " << channels
       << ") {\n      " << port.pixel << " pixel = " << port.name
       << ".read();\n      for (long c = 0; c < " << channels
       << "; ++c)\n        out[" << index << "][n * " << port.size
       << " + i + c] = pixel.data[c].to_double();\n    }\n";
  }
  os << R"cpp(  }
  for (int o = 0; o < outputs; ++o) {
    std::vector<long> shape = outputShapes[o];
    shape.insert(shape.begin(), samples);
    if (!writeNpy(argv[1 + inputs + o], shape, out[o], error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
  }
  if (!expect) {
    std::printf("csim: %ld samples -> %d output file(s)\n", samples, outputs);
    return 0;
  }
  long differences = 0, compared = 0;
  for (int o = 0; o < outputs; ++o) {
    NpyData expected;
    const char *path = argv[2 + inputs + outputs + o];
    if (!readNpy(path, expected, error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
    if (expected.values.size() != out[o].size()) {
      std::fprintf(stderr, "error: %s: holds %zu values, the C simulation "
                   "wrote %zu\n", path, expected.values.size(), out[o].size());
      return 1;
    }
    for (size_t i = 0; i < out[o].size(); ++i, ++compared)
      if (std::memcmp(&out[o][i], &expected.values[i], sizeof(double)) != 0) {
        if (differences++ < 5)
          std::printf("output %d, sample %ld, element %ld: csim %.17g, "
                      "expected %.17g\n", o, long(i / outputSizes[o]),
                      long(i % outputSizes[o]), out[o][i], expected.values[i]);
      }
  }
  if (differences) {
    std::printf("csim: %ld of %ld output values differ from hgq-run\n",
                differences, compared);
    return 1;
  }
  std::printf("csim: %ld samples, all %ld output values equal hgq-run bit for "
              "bit\n", samples, compared);
  return 0;
}
)cpp";
  return text;
}

std::string makefile(const HlsOptions &options, const hls::Firmware &fw) {
  const std::string &name = options.projectName;
  std::string inputs, outputs, expected;
  for (size_t index = 0; index < fw.inputs.size(); ++index)
    inputs += (index ? " " : "") + std::string("tb_data/input_") +
              std::to_string(index + 1) + ".npy";
  for (size_t index = 0; index < fw.outputs.size(); ++index) {
    outputs += (index ? " " : "") + std::string("tb_data/csim_output_") +
               std::to_string(index + 1) + ".npy";
    expected += (index ? " " : "") + std::string("tb_data/expected_output_") +
                std::to_string(index + 1) + ".npy";
  }
  return llvm::formatv(R"mk(# C simulation of {0} with g++, without Vitis.
#   make csim [AP_TYPES_DIR=path] [INPUT=in.npy OUTPUT=out.npy]
#   make build [AP_TYPES_DIR=path]      (only compile the simulation)
# Without INPUT/OUTPUT it runs tb_data/ and checks every output against the
# values hgq-run computed, bit for bit. AP_TYPES_DIR selects the ap_fixed.h and
# ap_int.h to compile against (default: the project's own, in ap_types/;
# hls_stream.h comes from AP_TYPES_DIR when it has one, else from ap_types/).
# Several inputs or outputs: space-separated lists, in port order.

AP_TYPES_DIR ?= ap_types
CXX ?= g++
CXXFLAGS ?= -O1
INPUT ?=
OUTPUT ?=

SOURCES := firmware/{0}.cpp {0}_test.cpp
HEADERS := $(wildcard firmware/*.h firmware/weights/*.h) npy_io.h
BUILD := build/$(subst /,_,$(abspath $(AP_TYPES_DIR)))

.PHONY: csim build clean

build: $(BUILD)/{0}_test

$(BUILD)/{0}_test: $(SOURCES) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CXX) $(CXXFLAGS) -std=c++17 -w -I$(AP_TYPES_DIR) -Iap_types -Ifirmware -I. $(SOURCES) -o $@

csim: $(BUILD)/{0}_test
ifneq ($(strip $(INPUT)),)
	$(BUILD)/{0}_test $(INPUT) $(OUTPUT)
else
	$(BUILD)/{0}_test {1} {2} --expect {3}
endif

clean:
	rm -rf build tb_data/csim_output_*.npy
)mk",
                       name, inputs, outputs, expected)
      .str();
}

std::string buildTcl(const HlsOptions &options, const hls::Firmware &fw) {
  const std::string &name = options.projectName;
  std::string arguments;
  for (size_t index = 0; index < fw.inputs.size(); ++index)
    arguments +=
        " [file normalize tb_data/input_" + std::to_string(index + 1) + ".npy]";
  for (size_t index = 0; index < fw.outputs.size(); ++index)
    arguments += " [file normalize tb_data/csim_output_" +
                 std::to_string(index + 1) + ".npy]";
  arguments += " --expect";
  for (size_t index = 0; index < fw.outputs.size(); ++index)
    arguments += " [file normalize tb_data/expected_output_" +
                 std::to_string(index + 1) + ".npy]";
  return llvm::formatv(
             R"tcl(# Vitis HLS script for {0}: vitis_hls -f build_prj.tcl [steps]
# Steps (default "csim csynth"): any of csim csynth cosim export.
# Part {1}, clock period {2} ns (from --part and --clock-period).
# Vitis compiles against its own ap_fixed.h: the project's ap_types/ is only
# for `make csim` without Vitis.

set steps [expr {{[llength $argv] > 0 ? $argv : {{csim csynth}}]
set tb_args "{3}"

open_project -reset {0}_prj
set_top {0}
add_files firmware/{0}.cpp -cflags "-std=c++14 -Ifirmware"
add_files -tb {0}_test.cpp -cflags "-std=c++14 -Ifirmware -I."
add_files -tb npy_io.h
add_files -tb tb_data
open_solution -reset "solution1" -flow_target vivado
set_part {{{1}}
create_clock -period {2} -name default

if {{[lsearch $steps csim] >= 0}} {{
  csim_design -argv [subst $tb_args]
}
if {{[lsearch $steps csynth] >= 0}} {{
  csynth_design
}
if {{[lsearch $steps cosim] >= 0}} {{
  cosim_design -argv [subst $tb_args]
}
if {{[lsearch $steps export] >= 0}} {{
  export_design -format ip_catalog
}
exit
)tcl",
             name, options.part, options.clockPeriod, arguments)
      .str();
}

std::string readme(const HlsOptions &options, const hls::Firmware &fw,
                   int64_t samples) {
  const std::string &name = options.projectName;
  return llvm::formatv(
             R"md(# {0}: HLS C++ project

Generated by `hgq-translate --emit-hls` from proxy-level hgq IR
({7}, reuse factor {1}, part `{2}`, clock period {3} ns). Every
element is computed in its own exact fixed-point format, so the C simulation
equals `hgq-run` on the same IR bit for bit.

| path | what |
|---|---|
| `firmware/{0}.cpp`, `firmware/{0}.h` | the top function `{0}`, one function per layer |
| `firmware/defines.h` | the ap_fixed types: one per array, weight, bias, table and port |
| `firmware/parameters.h` | per-layer sizes, reuse factor, multiplication counts |
| `firmware/weights/` | kernels, biases and lookup tables as exact decimals |
| `{0}_test.cpp`, `npy_io.h` | the testbench: .npy in, float64 .npy out, bit-exact check |
| `tb_data/` | {4} input samples and the outputs hgq-run computed for them |
| `ap_types/` | hgq-mlir's own `ap_fixed.h`/`ap_int.h` for C simulation without Vitis |
| `Makefile` | `make csim` with g++ |
| `build_prj.tcl` | Vitis HLS: csim, csynth, cosim, export |

The design has {5} multiplications; {6} more were left out because their
weight is zero or their input element is dead (always 0).

## C simulation without Vitis

    make csim                                   # tb_data/, compared with hgq-run
    make csim AP_TYPES_DIR=/path/to/ap_types    # with the vendor's headers
    make csim INPUT=in.npy OUTPUT=out.npy       # your samples (float32/float64)

## Vitis HLS

    vitis_hls -f build_prj.tcl                  # csim and csynth
    vitis_hls -f build_prj.tcl "csim csynth cosim export"
)md",
             name, options.reuseFactor, options.part, options.clockPeriod,
             samples, fw.multiplications, fw.skippedMultiplications,
             options.ioType)
      .str();
}

/// Deterministic float32 samples across the input port's range and 50%
/// beyond it on both sides, so that overflow is exercised too.
std::vector<double> generatedInputs(const hls::Port &port, int64_t samples,
                                    unsigned seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  double magnitude = std::ldexp(1.0, port.format.integerBits);
  std::vector<double> values(samples * port.size);
  for (double &value : values)
    value = double(float(uniform(engine) * magnitude));
  return values;
}

} // namespace

FailureOr<std::map<std::string, std::string>>
emitHlsProject(ModuleOp module, const HlsOptions &options) {
  func::FuncOp function = findEntryFunction(module);
  if (!function)
    return failure();
  if (options.ioType != "io_parallel" && options.ioType != "io_stream")
    return mlir::emitError(module.getLoc())
           << "--emit-hls: io-type must be io_parallel or io_stream, got '"
           << options.ioType << "'";
  if (options.reuseFactor < 1)
    return mlir::emitError(module.getLoc())
           << "--emit-hls: reuse-factor must be at least 1";
  if (options.projectName.empty() ||
      !llvm::all_of(options.projectName,
                    [](char c) { return std::isalnum(c) || c == '_'; }) ||
      std::isdigit(static_cast<unsigned char>(options.projectName[0])))
    return mlir::emitError(module.getLoc())
           << "--emit-hls: project-name must be a C identifier, got '"
           << options.projectName << "'";
  FailureOr<hls::Firmware> firmware = hls::emitFirmware(function, options);
  if (failed(firmware))
    return failure();
  std::map<std::string, std::string> files = firmware->files;

  // Test data: the given samples or generated ones, and hgq-run's outputs.
  std::vector<exec::Tensor> inputs;
  for (auto [index, port] : llvm::enumerate(firmware->inputs)) {
    exec::Tensor tensor;
    if (!options.testbenchInput.empty()) {
      if (firmware->inputs.size() != 1)
        return mlir::emitError(module.getLoc())
               << "--emit-hls: --tb-input gives one input; the model has "
               << firmware->inputs.size();
      NpyArray array;
      std::string error;
      if (!readNpy(options.testbenchInput, array, error))
        return mlir::emitError(module.getLoc()) << "--emit-hls: " << error;
      int64_t perSample = 1;
      for (size_t d = 1; d < array.shape.size(); ++d)
        perSample *= array.shape[d];
      if (array.shape.empty() || perSample != port.size)
        return mlir::emitError(module.getLoc())
               << "--emit-hls: " << options.testbenchInput << " has "
               << perSample << " values per sample; the input takes "
               << port.size;
      int64_t rows =
          std::min<int64_t>(array.shape[0], options.generatedSamples);
      std::vector<int64_t> shape{rows};
      shape.insert(shape.end(), port.shape.begin(), port.shape.end());
      tensor = exec::Tensor::makeFloat(shape);
      for (int64_t i = 0; i < rows * port.size; ++i)
        tensor.floats[i] = float(array.values[i]);
    } else {
      std::vector<int64_t> shape{options.generatedSamples};
      shape.insert(shape.end(), port.shape.begin(), port.shape.end());
      tensor = exec::Tensor::makeFloat(shape);
      std::vector<double> values =
          generatedInputs(port, options.generatedSamples, 1234 + index);
      for (size_t i = 0; i < values.size(); ++i)
        tensor.floats[i] = float(values[i]);
    }
    inputs.push_back(std::move(tensor));
  }
  FailureOr<std::unique_ptr<exec::Executor>> executor =
      exec::Executor::create(function);
  if (failed(executor))
    return failure();
  exec::RunOptions runOptions;
  runOptions.threads = 1;
  exec::RunResult result;
  if (exec::Status status = (*executor)->run(inputs, runOptions, result);
      !status.ok)
    return mlir::emitError(module.getLoc())
           << "--emit-hls: computing the expected outputs: " << status.message;
  for (auto [index, tensor] : llvm::enumerate(inputs)) {
    std::vector<double> values(tensor.floats.begin(), tensor.floats.end());
    files["tb_data/input_" + std::to_string(index + 1) + ".npy"] =
        encodeNpy(tensor.shape, values, NpyType::Float32);
  }
  for (auto [index, tensor] : llvm::enumerate(result.outputs)) {
    std::vector<double> values(tensor.size());
    for (int64_t i = 0; i < tensor.size(); ++i)
      values[i] = tensor.valueAt(i);
    files["tb_data/expected_output_" + std::to_string(index + 1) + ".npy"] =
        encodeNpy(tensor.shape, values, NpyType::Float64);
  }

  files[options.projectName + "_test.cpp"] = testbench(options, *firmware);
  files["npy_io.h"] = kNpyHeader;
  files["Makefile"] = makefile(options, *firmware);
  files["build_prj.tcl"] = buildTcl(options, *firmware);
  files["README.md"] =
      readme(options, *firmware, inputs.empty() ? 0 : inputs[0].batch());
  files["ap_types/ap_int.h"] = hgqRuntimeApInt;
  files["ap_types/ap_fixed.h"] = hgqRuntimeApFixed;
  files["ap_types/hls_stream.h"] = hgqRuntimeHlsStream;
  return files;
}

namespace {

struct HlsCommandLine {
  llvm::cl::OptionCategory category{"--emit-hls options"};
  llvm::cl::opt<std::string> outputDir{
      "output-dir",
      llvm::cl::desc("--emit-hls: write the project into this directory "
                     "(without it, every file is printed to the output)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> projectName{
      "project-name",
      llvm::cl::desc("--emit-hls: top function and project name"),
      llvm::cl::init("myproject"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> part{
      "part", llvm::cl::desc("--emit-hls: FPGA part for build_prj.tcl"),
      llvm::cl::init("xcvu13p-flga2577-2-e"), llvm::cl::cat(category)};
  llvm::cl::opt<double> clockPeriod{
      "clock-period", llvm::cl::desc("--emit-hls: clock period in ns"),
      llvm::cl::init(5.0), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> tbInput{
      "tb-input",
      llvm::cl::desc("--emit-hls: float32 .npy samples for tb_data/ "
                     "(default: generated samples)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> unrollLimit{
      "unroll-limit",
      llvm::cl::desc("--emit-hls: layers with more multiplications are "
                     "written as loops over term tables"),
      llvm::cl::init(4096), llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> tbSamples{
      "tb-samples", llvm::cl::desc("--emit-hls: samples in tb_data/"),
      llvm::cl::init(16), llvm::cl::cat(category)};
};

HlsCommandLine &commandLine() {
  static HlsCommandLine options;
  return options;
}

LogicalResult writeProject(ModuleOp module, raw_ostream &os) {
  HlsCommandLine &cl = commandLine();
  HlsOptions options;
  options.projectName = cl.projectName;
  HardwareOptions hardware = hardwareOptions();
  options.ioType = hardware.ioType;
  options.reuseFactor = hardware.reuseFactor;
  options.part = cl.part;
  options.clockPeriod = cl.clockPeriod;
  options.testbenchInput = cl.tbInput;
  options.generatedSamples = cl.tbSamples;
  options.unrollLimit = cl.unrollLimit;
  if (options.generatedSamples < 1)
    return mlir::emitError(module.getLoc())
           << "--emit-hls: tb-samples must be at least 1";
  FailureOr<std::map<std::string, std::string>> files =
      emitHlsProject(module, options);
  if (failed(files))
    return failure();
  if (cl.outputDir.empty()) {
    for (auto &[path, text] : *files) {
      if (StringRef(path).ends_with(".npy"))
        continue; // binary
      os << "// ----- " << path << "\n" << text;
    }
    return success();
  }
  std::string error;
  if (!writeHlsFiles(*files, cl.outputDir, error))
    return mlir::emitError(module.getLoc()) << "--emit-hls: " << error;
  os << "wrote " << files->size() << " files to " << cl.outputDir << "\n";
  return success();
}

} // namespace

bool writeHlsFiles(const std::map<std::string, std::string> &files,
                   StringRef directory, std::string &error) {
  for (auto &[path, text] : files) {
    SmallString<256> full(directory);
    llvm::sys::path::append(full, path);
    if (std::error_code ec = llvm::sys::fs::create_directories(
            llvm::sys::path::parent_path(full))) {
      error = "cannot create the directory of " + full.str().str() + ": " +
              ec.message();
      return false;
    }
    if (llvm::Error failure =
            llvm::writeToOutput(full, [&](raw_ostream &out) -> llvm::Error {
              out << text;
              return llvm::Error::success();
            })) {
      error = "cannot write " + full.str().str() + ": " +
              llvm::toString(std::move(failure));
      return false;
    }
  }
  return true;
}

void registerHlsTranslation() {
  commandLine();
  registerModuleEmitter("emit-hls",
                        "proxy-level IR to an HLS C++ project (--output-dir)",
                        writeProject);
}

} // namespace hgq
