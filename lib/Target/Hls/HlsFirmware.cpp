//===- HlsFirmware.cpp - The firmware of the HLS project ------------------===//
//
// io_parallel firmware for a proxy-level function: one function per layer,
// straight-line code in which every element keeps its own exact format.
// Each value is tracked as a C array whose elements have known formats (the
// container type of the array holds all of them exactly): a per-element
// quantizer becomes one cast per element to that element's ap_fixed, a dead
// element is the constant 0, zero weights and dead inputs never reach a
// multiplication, and every accumulator is declared exactly as wide as the
// interval of all its partial sums (lib/Fixed/Interval), so the arithmetic
// is the proxy's, exactly. What cannot be written exactly is refused with a
// diagnostic on the op; the IR is only read. For io_stream the same code is
// scheduled pixel by pixel behind a line buffer (lineBufferWrapper).
//
//===----------------------------------------------------------------------===//

#include "HlsFirmware.h"

#include "hgq/Analysis/ElementFormats.h"
#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/ActivationTables.h"
#include "hgq/Fixed/Interval.h"
#include "hgq/Fixed/Range.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <set>

using namespace mlir;
using hgq::fixed::Format;
using hgq::fixed::Interval;

namespace hgq::hls {

std::string apType(Format format, fixed::Rounding rounding,
                   fixed::Overflow overflow) {
  // TRN and WRAP are ap_fixed's defaults: written only when different.
  std::optional<fixed::Modes> modes;
  if (rounding != fixed::Rounding::TRN || overflow != fixed::Overflow::WRAP)
    modes = fixed::Modes{rounding, overflow};
  return fixed::typeString(format, fixed::TypeSyntax::ApTypes, modes);
}

std::string exactDecimal(double value) {
  if (value == 0)
    return "0";
  int exponent = 0;
  std::frexp(value, &exponent);
  // value = m * 2^(exponent - 53): at most 53 - exponent fractional digits.
  int digits = std::max(0, 53 - exponent);
  std::vector<char> buffer(digits + 400);
  std::snprintf(buffer.data(), buffer.size(), "%.*f", digits, value);
  std::string text(buffer.data());
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0')
      text.pop_back();
    if (text.back() == '.')
      text.pop_back();
  }
  return text;
}

namespace {

/// Widths the runtime headers (and this emitter's exact arithmetic) hold.
constexpr int kMaxWidth = 126;

/// A value of the function: a C array of `formats.size()` elements (the
/// shape without the batch), each element exactly in its own format (dead:
/// the constant 0), stored in `container`.
struct ArrayValue {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<Format> formats;
  Format container;
  std::string typeName;
};

/// The container of a set of element formats: max k, max i, max f over the
/// live elements (a 1-bit unsigned type when every element is dead).
Format containerOf(const std::vector<Format> &formats) {
  std::vector<Format> live;
  for (const Format &format : formats)
    if (!format.isDead())
      live.push_back(format);
  if (live.empty())
    return Format{0, 1, 0};
  return fixed::collapse(live.data(), live.size());
}

/// The code of a layer is a list of blocks, each computing some output
/// elements from some input elements. Blocks name elements by markers
/// (`inRef`, `outRef`) that are resolved when the layer is written: as
/// `inN[J]`/`out[K]` in the io_parallel layer function, as line-buffer slots
/// and pixel fields in an io_stream wrapper. The markers also give each
/// block's dependencies, from which the stream wrapper schedules it.
std::string inRef(int operand, int64_t index) {
  return "\x01" + std::to_string(operand) + ":" + std::to_string(index) +
         "\x02";
}
std::string outRef(int64_t index) {
  return "\x03" + std::to_string(index) + "\x02";
}

/// `code` with every marker replaced by `input(operand, index)` or
/// `output(index)`.
std::string
resolve(StringRef code,
        llvm::function_ref<std::string(int operand, int64_t index)> input,
        llvm::function_ref<std::string(int64_t index)> output) {
  std::string text;
  text.reserve(code.size());
  while (!code.empty()) {
    size_t marker = code.find_first_of("\x01\x03");
    text += code.take_front(marker).str();
    if (marker == StringRef::npos)
      break;
    bool isInput = code[marker] == '\x01';
    size_t end = code.find('\x02', marker);
    StringRef body = code.slice(marker + 1, end);
    code = code.drop_front(end + 1);
    if (isInput) {
      auto [operand, index] = body.split(':');
      text += input(std::stoi(operand.str()), std::stoll(index.str()));
    } else {
      text += output(std::stoll(body.str()));
    }
  }
  return text;
}

/// True when a convolution computes fewer positions at once
/// (parallel_factor) than it has: io_parallel then shares one position's
/// hardware between them (writeLinear).
bool sharesPositions(ConvOp conv) {
  int64_t positions = 1;
  for (int64_t dim : featuresOf(conv.getOutput()).drop_back())
    positions *= dim;
  return int64_t(conv.getParallelFactor()) < positions;
}

/// One term of a sum: input element `input` times weight `weight`.
using Term = LinearTerm;

/// A layer in table form: the input element of every term, the end of each
/// output's run of terms, and the code that computes output `o` from the
/// terms at `t` on (the input and output markers have index -1).
struct TermLoop {
  std::vector<int64_t> inputs, ends;
  std::string body;
};

class FirmwareWriter {
public:
  FirmwareWriter(func::FuncOp function, const HlsOptions &options)
      : function(function), options(options) {}
  FailureOr<Firmware> write();

private:
  LogicalResult writeOp(Operation *op);
  LogicalResult writeInput(BlockArgument argument);
  LogicalResult writeQuantize(QuantizeOp op);
  LogicalResult writeLinear(LayerOpInterface op);
  LogicalResult writeRelu(ActivationOp op);
  LogicalResult writeUnaryLut(UnaryLutOp op);
  LogicalResult writeTableActivation(ActivationOp op);
  /// A header in weights/ with that table; returns its element type.
  Format tableHeader(const std::string &name,
                     const std::vector<int64_t> &entries, StringRef what);
  LogicalResult writeAdd(AddOp op);
  template <typename PoolOp> LogicalResult writePool(PoolOp op, bool average);
  LogicalResult writeCopy(Operation *op, ArrayRef<Value> inputs,
                          ArrayRef<std::pair<int, int64_t>> sources);
  /// Reshape, flatten, transpose, concat, linear activation: element
  /// copies (lib/Analysis/ElementFormats' elementSources).
  LogicalResult writeMove(Operation *op);

  /// A new array for `value` with the given element formats; checks that the
  /// container fits the runtime's widths.
  FailureOr<ArrayValue *> define(Operation *op, Value value,
                                 std::vector<Format> formats);
  /// The same with the value's exact formats (lib/Analysis/ElementFormats).
  FailureOr<ArrayValue *> define(Operation *op, Value value);
  /// Opens `static void NAME(inputs..., output)` for `op`.
  void openLayer(Operation *op, ArrayRef<Value> inputs, Value output,
                 StringRef summary);
  void closeLayer();
  std::string layerName(Operation *op);
  /// `in[j]` typed as its element's own format when that is narrower than
  /// the array's container (the multiplier then has the element's width).
  std::string elementOperand(const ArrayValue &array, int64_t index,
                             int operand);
  /// The cast of `source` (of `sourceType`) to `target`, widening the
  /// integer part first where the vendor's conversion would read past the
  /// source's MSB (it asserts there).
  std::string castTo(StringRef source, Format sourceType, Format target,
                     fixed::Rounding rounding, fixed::Overflow overflow);
  LogicalResult checkWidth(Operation *op, Format format, StringRef what);
  /// `static const NAME_t NAME[N] = {...};` with exact decimals, and the
  /// typedef of NAME_t in defines.h.
  std::string constantArray(const std::string &name, Format type,
                            ArrayRef<double> values);
  /// The term tables of a layer in table form: the kernel's mantissas
  /// (`w_NAME`, integers, the weights times 2^f), and for the non-zero terms
  /// of each output their input index (`NAME_input`), kernel index
  /// (`NAME_weight`) and the end of each output's run (`NAME_end`).
  std::string termTables(const std::string &layer, Format weightType,
                         ArrayRef<double> kernel,
                         const std::vector<std::vector<Term>> &terms);

  func::FuncOp function;
  const HlsOptions &options;
  ElementFormats elementFormats;
  llvm::DenseMap<Value, std::unique_ptr<ArrayValue>> arrays;
  std::set<std::string> usedNames;
  int layerIndex = 0;

  std::string layers;                         ///< the per-layer functions
  std::string top;                            ///< the body of the top function
  std::string defines;                        ///< typedefs
  std::string parameters;                     ///< per-layer constants
  std::map<std::string, std::string> weights; ///< weights/NAME.h
  /// For io_stream: each array's element type, size and channels (the
  /// last dimension: one pixel of a stream), and the layer calls in order.
  struct StreamArray {
    std::string typeName;
    int64_t size = 0, channels = 1;
  };
  struct LayerCall {
    std::string function;
    std::vector<std::string> inputs;
    std::string output;
    /// The layer's blocks (with markers), or the term loop of the table
    /// form.
    std::vector<std::string> blocks;
    std::optional<TermLoop> loop;
  };
  std::map<std::string, StreamArray> streamArrays;
  std::vector<LayerCall> calls;
  void recordArray(const std::string &name, const std::string &typeName,
                   const std::vector<int64_t> &shape, int64_t size) {
    streamArrays[name] = {
        typeName, size, shape.empty() || shape.back() == 0 ? 1 : shape.back()};
  }
  /// The io_stream top: one stream wrapper per layer, DATAFLOW between
  /// them, a copy per consumer where a value is read more than once.
  std::string streamTop(const std::string &signatureOut, std::string &wrappers);
  /// The stream wrapper of a layer as a line buffer: each input pixel is
  /// stored as it arrives, each output pixel is computed and written as
  /// soon as the last input pixel it reads has arrived, and an input pixel
  /// is kept only until the last output that reads it. Empty when the
  /// layer cannot be scheduled pixel by pixel (the frame wrapper does it).
  std::string lineBufferWrapper(const LayerCall &call,
                                ArrayRef<std::string> inputStreams,
                                ArrayRef<std::string> outputStreams);
  bool streaming() const { return options.ioType == "io_stream"; }
  /// io_parallel with a convolution whose positions are computed in steps
  /// (parallel_factor): the top is a DATAFLOW region of one process per
  /// layer, as hls4ml makes it for convolutions, instead of one pipeline.
  bool dataflow = false;
  /// Adds one block of code to the layer being written.
  void block(std::string code) { currentBlocks.push_back(std::move(code)); }
  std::string current; ///< the layer being written
  std::vector<std::string> currentBlocks;
  std::string currentName;
  std::vector<std::string> currentCall;
  Firmware firmware;
};

std::string FirmwareWriter::layerName(Operation *op) {
  std::string base = hgq::layerName(op);
  for (char &c : base)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0])))
    base =
        "layer" + std::to_string(layerIndex) +
        (base.empty() ? "_" + op->getName().stripDialect().str() : "_" + base);
  // Ops of one layer share its location (dense_1, then its relu): the op
  // kind tells them apart before a number does.
  if (usedNames.count(base))
    base += "_" + op->getName().stripDialect().str();
  std::string name = base;
  for (int suffix = 1; usedNames.count(name); ++suffix)
    name = base + "_" + std::to_string(suffix);
  usedNames.insert(name);
  return name;
}

LogicalResult FirmwareWriter::checkWidth(Operation *op, Format format,
                                         StringRef what) {
  if (format.width() > kMaxWidth ||
      format.keepNegative + format.integerBits > kMaxWidth + 64 ||
      format.fractionalBits > kMaxWidth + 64)
    return op->emitOpError() << "--emit-hls: the " << what << " needs "
                             << format.str() << ", wider than the " << kMaxWidth
                             << " bits the emitted arithmetic holds exactly";
  return success();
}

FailureOr<ArrayValue *> FirmwareWriter::define(Operation *op, Value value,
                                               std::vector<Format> formats) {
  auto array = std::make_unique<ArrayValue>();
  array->shape = featuresOf(value);
  elementFormats.record(value, formats);
  array->formats = std::move(formats);
  array->container = containerOf(array->formats);
  if (failed(checkWidth(op, array->container, "array of this layer's result")))
    return failure();
  ArrayValue *result = array.get();
  arrays[value] = std::move(array);
  return result;
}

FailureOr<ArrayValue *> FirmwareWriter::define(Operation *op, Value value) {
  FailureOr<ArrayRef<Format>> formats = elementFormats.of(value);
  if (failed(formats))
    return op->emitOpError() << "--emit-hls: " << elementFormats.error();
  return define(op, value, formats->vec());
}

std::string FirmwareWriter::elementOperand(const ArrayValue &array,
                                           int64_t index, int operand) {
  std::string element = inRef(operand, index);
  const Format &format = array.formats[index];
  if (format == array.container)
    return element;
  return apType(format) + "(" + element + ")";
}

std::string FirmwareWriter::constantArray(const std::string &name, Format type,
                                          ArrayRef<double> values) {
  defines += "typedef " + apType(type) + " " + name + "_t;\n";
  std::string text = "static const " + name + "_t " + name + "[" +
                     std::to_string(values.size()) + "] = {";
  for (size_t index = 0; index < values.size(); ++index)
    text += (index % 8 ? " " : "\n    ") + exactDecimal(values[index]) + ",";
  return text + "\n};\n";
}

std::string
FirmwareWriter::termTables(const std::string &layer, Format weightType,
                           ArrayRef<double> kernel,
                           const std::vector<std::vector<Term>> &terms) {
  std::string weightName = "w_" + layer;
  std::string text;
  llvm::raw_string_ostream os(text);
  // The mantissas are plain integers: constant-initialized, so a
  // million-weight table costs the compiler next to nothing.
  bool narrow = weightType.width() <= 31;
  os << "static const " << (narrow ? "int " : "long long ") << weightName << "["
     << kernel.size() << "] = {";
  for (size_t index = 0; index < kernel.size(); ++index)
    os << (index % 16 ? " " : "\n    ")
       << int64_t(std::ldexp(kernel[index], weightType.fractionalBits)) << ",";
  os << "\n};\n";
  auto table = [&](StringRef name, auto value) {
    int64_t count = 0;
    os << "static const unsigned " << layer << "_" << name << "[] = {";
    for (const std::vector<Term> &list : terms)
      for (const Term &term : list)
        os << (count++ % 16 ? " " : "\n    ") << value(term) << ",";
    os << "\n};\n";
  };
  table("input", [](const Term &term) { return term.input; });
  table("weight", [](const Term &term) { return term.weight; });
  os << "static const unsigned " << layer << "_end[" << terms.size() << "] = {";
  int64_t end = 0;
  for (size_t output = 0; output < terms.size(); ++output) {
    end += terms[output].size();
    os << (output % 16 ? " " : "\n    ") << end << ",";
  }
  os << "\n};\n";
  return text;
}

std::string FirmwareWriter::castTo(StringRef source, Format sourceType,
                                   Format target, fixed::Rounding rounding,
                                   fixed::Overflow overflow) {
  int sourceFrac = sourceType.fractionalBits;
  int targetFrac = target.fractionalBits;
  int guard = sourceFrac - targetFrac - sourceType.width();
  std::string operand = source.str();
  if (guard > 0 && rounding != fixed::Rounding::TRN) {
    Format widened = sourceType;
    widened.integerBits += guard;
    operand = apType(widened) + "(" + operand + ")";
  }
  return apType(target, rounding, overflow) + "(" + operand + ")";
}

void FirmwareWriter::openLayer(Operation *op, ArrayRef<Value> inputs,
                               Value output, StringRef summary) {
  currentName = layerName(op);
  ArrayValue &result = *arrays[output];
  result.name = currentName + "_out";
  result.typeName = currentName + "_t";
  defines +=
      "typedef " + apType(result.container) + " " + result.typeName + ";\n";
  current.clear();
  currentBlocks.clear();
  llvm::raw_string_ostream os(current);
  os << "// " << currentName << ": " << summary << "\n";
  os << "static void " << currentName << "(";
  currentCall.clear();
  for (auto [index, input] : llvm::enumerate(inputs)) {
    const ArrayValue &array = *arrays[input];
    os << "const " << array.typeName << " in" << index << "["
       << array.formats.size() << "], ";
    currentCall.push_back(array.name);
  }
  os << result.typeName << " out[" << result.formats.size() << "]) {\n";
  os << (dataflow ? "#pragma HLS INLINE off\n" : "#pragma HLS INLINE\n");
  currentCall.push_back(result.name);
  recordArray(result.name, result.typeName, result.shape,
              result.formats.size());
  calls.push_back(
      {currentName,
       std::vector<std::string>(currentCall.begin(), currentCall.end() - 1),
       result.name});
  top += "  " + result.typeName + " " + result.name + "[" +
         std::to_string(result.formats.size()) + "];\n";
  top += "#pragma HLS ARRAY_PARTITION variable=" + result.name +
         " complete dim=0\n";
  std::string call = "  " + currentName + "(";
  for (auto [index, argument] : llvm::enumerate(currentCall))
    call += (index ? ", " : "") + argument;
  top += call + ");\n";
}

void FirmwareWriter::closeLayer() {
  for (const std::string &code : currentBlocks)
    current += resolve(
        code,
        [](int operand, int64_t index) {
          return "in" + std::to_string(operand) + "[" + std::to_string(index) +
                 "]";
        },
        [](int64_t index) { return "out[" + std::to_string(index) + "]"; });
  layers += current + "}\n\n";
  if (streaming()) // the stream wrapper reschedules the blocks
    calls.back().blocks = std::move(currentBlocks);
  currentBlocks.clear();
  ++layerIndex;
}

LogicalResult FirmwareWriter::writeInput(BlockArgument argument) {
  // The port carries the first quantizer's values: when every use is one
  // quantizer with a uniform format the port has that format (the
  // testbench's conversion is the quantizer); a per-element quantizer gets
  // a port that loses nothing the per-element casts need (one guard bit for
  // RND, a wider integer part for saturation), then the casts.
  SmallVector<QuantizeOp> users;
  for (Operation *user : argument.getUsers()) {
    auto quantize = dyn_cast<QuantizeOp>(user);
    if (!quantize || !quantize.getFormatAttr())
      return user->emitOpError()
             << "--emit-hls: reads input " << argument.getArgNumber()
             << " before any quantizer; the design needs fixed-point inputs "
                "(quantize every input first)";
    users.push_back(quantize);
  }
  Port port;
  port.name = "input_" + std::to_string(argument.getArgNumber() + 1);
  port.shape = featuresOf(argument);
  port.size = 1;
  for (int64_t dim : port.shape)
    port.size *= dim;
  std::vector<Format> formats;
  fixed::Rounding rounding = fixed::Rounding::TRN;
  fixed::Overflow overflow = fixed::Overflow::WRAP;
  bool uniform = users.size() == 1 && users[0].getFormatAttr().isUniform();
  for (auto [position, user] : llvm::enumerate(users)) {
    FixedAttr format = user.getFormatAttr();
    SmallVector<Format> expanded = expandFormats(format, port.shape);
    formats.insert(formats.end(), expanded.begin(), expanded.end());
    if (position > 0 && (toFixed(format.getRounding()) != rounding ||
                         toFixed(format.getOverflow()) != overflow))
      return user.emitOpError()
             << "--emit-hls: the quantizers of one input must share their "
                "rounding and overflow modes (the input port is one type)";
    rounding = toFixed(format.getRounding());
    overflow = toFixed(format.getOverflow());
    // A signed 1-bit symmetric saturation holds only 0 (SEMANTICS); the
    // vendor's type keeps -2^I: not a port type.
    if (overflow == fixed::Overflow::SAT_SYM)
      uniform = false;
    if (!uniform && rounding != fixed::Rounding::TRN &&
        rounding != fixed::Rounding::RND)
      return user.emitOpError()
             << "--emit-hls: a per-element input quantizer must round with "
                "TRN or RND (the input port is one type); this one uses "
             << stringifyRoundingMode(format.getRounding());
  }
  Format portFormat = containerOf(formats);
  std::string portType;
  if (uniform) {
    portType = apType(portFormat, rounding, overflow);
  } else {
    if (rounding == fixed::Rounding::RND)
      ++portFormat.fractionalBits;
    if (overflow != fixed::Overflow::WRAP)
      ++portFormat.integerBits;
    portType = apType(portFormat, fixed::Rounding::TRN,
                      overflow == fixed::Overflow::WRAP ? overflow
                                                        : fixed::Overflow::SAT);
  }
  if (failed(checkWidth(users[0], portFormat, "input port")))
    return failure();
  std::string typeName = port.name + "_t";
  defines += "typedef " + portType + " " + typeName + ";\n";
  port.type = typeName;
  port.format = portFormat;
  recordArray(port.name, typeName, port.shape, port.size);
  firmware.inputs.push_back(port);
  auto array = std::make_unique<ArrayValue>();
  array->name = port.name;
  array->typeName = typeName;
  array->shape = port.shape;
  array->container = portFormat;
  array->formats.assign(port.size, portFormat);
  arrays[argument] = std::move(array);
  // A uniform quantizer is the port's own conversion.
  if (uniform) {
    auto quantized = std::make_unique<ArrayValue>(*arrays[argument]);
    quantized->formats.assign(formats.begin(), formats.end());
    arrays[users[0].getOutput()] = std::move(quantized);
  }
  return success();
}

LogicalResult FirmwareWriter::writeQuantize(QuantizeOp op) {
  if (arrays.count(op.getOutput()))
    return success(); // folded into the input port
  FixedAttr attr = op.getFormatAttr();
  const ArrayValue &in = *arrays[op.getInput()];
  fixed::Rounding rounding = toFixed(attr.getRounding());
  fixed::Overflow overflow = toFixed(attr.getOverflow());
  FailureOr<ArrayValue *> out = define(op, op.getOutput());
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  for (const Format &format : formats)
    if (failed(checkWidth(op, format, "quantizer")))
      return failure();
  openLayer(
      op, {op.getInput()}, op.getOutput(),
      llvm::formatv("quantizer, {0} elements, {1}", formats.size(),
                    attr.isUniform() ? "one format" : "one format per element")
          .str());
  for (size_t index = 0; index < formats.size(); ++index)
    block("  " + outRef(index) + " = " +
          (formats[index].isDead()
               ? std::string("0")
               : castTo(inRef(0, index), in.container, formats[index], rounding,
                        overflow)) +
          ";\n");
  closeLayer();
  return success();
}

LogicalResult FirmwareWriter::writeLinear(LayerOpInterface op) {
  auto conv = dyn_cast<ConvOp>(op.getOperation());
  bool isConv = bool(conv);
  const ArrayValue &in = *arrays[op.getInput()];
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  LinearConstants constants = linearConstants(op);
  const std::vector<double> &kernel = constants.kernel, &bias = constants.bias;
  int64_t outputs = kernelType.getShape().back();
  std::vector<int64_t> outShape = featuresOf(op.getOutput());
  int64_t outSize = 1;
  for (int64_t dim : outShape)
    outSize *= dim;

  // For each output element, its terms (input element, weight index), and
  // the exact interval of every partial sum.
  int64_t skipped = 0;
  std::vector<std::vector<Term>> terms =
      linearTerms(op, constants, in.formats, skipped);
  auto tooWide = [&]() {
    return op.emitOpError() << "--emit-hls: an accumulator of this layer "
                               "needs more than 126 bits";
  };
  FailureOr<LinearSums> sums = linearSums(op, constants, in.formats, terms);
  if (failed(sums))
    return tooWide();
  const std::vector<Format> &formats = sums->outputs;
  const std::vector<Format> &accumulators = sums->accumulators;
  // The table form adds the bias after the sum: the hull over every output
  // of the partial sums without it.
  std::optional<Interval> unbiased = sums->unbiased;
  for (const Format &accumulator : accumulators)
    if (failed(checkWidth(op, accumulator, "accumulator")))
      return failure();
  std::optional<fixed::WindowGeometry> geometry;
  int64_t channels = 1, perGroupIn = 1, perGroupOut = 1;
  if (conv) {
    auto inputType = conv.getInput().getType();
    geometry = windowGeometry(
        inputType, kernelType.getShape().take_front(conv.getSpatialRank()),
        conv.getStrideValues(), conv.getDilationValues(), conv.getPadValues());
    channels = inputType.getShape().back();
    perGroupIn = channels / conv.getGroups();
    perGroupOut = outputs / conv.getGroups();
  }
  // The proxy's kernel and bias: the smallest containers of their values.
  std::optional<Format> weightType =
      fixed::minimalContainer(kernel.data(), kernel.size());
  std::optional<Format> biasType =
      bias.empty() ? std::nullopt
                   : fixed::minimalContainer(bias.data(), bias.size());
  // All-zero constants have no type (and no array): nothing reads them.
  if (weightType && weightType->isDead())
    weightType.reset();
  if (biasType && biasType->isDead())
    biasType.reset();

  if (failed(define(op, op.getOutput(), formats)))
    return failure();
  int64_t multiplications = 0;
  for (const std::vector<Term> &list : terms)
    multiplications += list.size();

  // io_parallel honours HGQ's parallel_factor as hls4ml's
  // ParallelizationFactor: when it is below the number of output positions,
  // the layer is a pipelined loop over ceil(positions / parallel_factor)
  // steps, each computing parallel_factor positions with the same code (the
  // hardware of parallel_factor positions, reused). That code cannot depend
  // on the position: its terms are the kernel's non-zero weights (`shared`,
  // per output channel, the input being an index into the window buffer of
  // taps x channels), padded and dead inputs are read as the 0 they are,
  // and each channel's accumulator is the hull of its accumulators over
  // all positions (the partial sums are the same values: only zeros are
  // added), so the result is the same, bit for bit.
  int64_t positions = outSize / outputs;
  int64_t parallel = conv ? conv.getParallelFactor() : positions;
  bool partitioned =
      conv && !streaming() && weightType && sharesPositions(conv);
  int64_t taps = geometry ? geometry->window[0] * geometry->window[1] : 1;
  std::vector<std::vector<Term>> shared;
  std::vector<Format> sharedAccumulators;
  int64_t sharedTerms = 0;
  if (partitioned) {
    shared.resize(outputs);
    for (int64_t o = 0; o < outputs; ++o) {
      int64_t group = o / perGroupOut;
      for (int64_t tap = 0; tap < taps; ++tap)
        for (int64_t c = 0; c < perGroupIn; ++c) {
          int64_t weight = (tap * perGroupIn + c) * outputs + o;
          if (kernel[weight] != 0)
            shared[o].push_back(
                {tap * channels + group * perGroupIn + c, weight});
        }
      sharedTerms += shared[o].size();
      std::optional<Interval> hullOfPositions = Interval::of(accumulators[o]);
      for (int64_t position = 1; position < positions && hullOfPositions;
           ++position)
        hullOfPositions =
            hull(*hullOfPositions,
                 Interval::of(accumulators[position * outputs + o]));
      if (!hullOfPositions)
        return tooWide();
      sharedAccumulators.push_back(hullOfPositions->format());
      if (failed(checkWidth(op, sharedAccumulators.back(), "accumulator")))
        return failure();
    }
    // The hardware: parallel_factor copies of the shared terms.
    firmware.multiplications += parallel * sharedTerms;
    firmware.skippedMultiplications +=
        parallel * (taps * perGroupIn * outputs - sharedTerms);
  } else {
    firmware.multiplications += multiplications;
    firmware.skippedMultiplications += skipped;
  }
  int64_t steps = (positions + parallel - 1) / parallel;
  openLayer(
      op, {op.getInput()}, op.getOutput(),
      partitioned
          ? llvm::formatv("convolution, {0} output positions, {1} per "
                          "pipeline step (parallel_factor) in {2} steps; {3} "
                          "multiplications per position ({4} zero weights "
                          "skipped), {5} multipliers",
                          positions, parallel, steps, sharedTerms,
                          taps * perGroupIn * outputs - sharedTerms,
                          parallel * sharedTerms)
                .str()
          : llvm::formatv("{0}, {1} multiplications ({2} skipped: zero "
                          "weights or dead inputs)",
                          isConv ? "convolution" : "dense", multiplications,
                          skipped)
                .str());
  std::string weightName = "w_" + currentName, biasName = "b_" + currentName;
  // Weights and biases as exact decimals.
  std::string header;
  llvm::raw_string_ostream hs(header);
  hs << "// " << currentName << ": kernel " << kernel.size() << " values";
  if (!bias.empty())
    hs << ", bias " << bias.size();
  hs << " (exact decimals).\n#ifndef " << weightName << "_H\n#define "
     << weightName << "_H\n\n";
  bool table = weightType && (partitioned ? sharedTerms : multiplications) >
                                 options.unrollLimit;
  if (weightType && !table)
    hs << constantArray(weightName, *weightType, kernel);
  if (weightType && table)
    hs << termTables(currentName, *weightType, kernel,
                     partitioned ? shared : terms);
  if (partitioned) {
    // Which input pixel each tap of each output position reads (-1:
    // padding).
    hs << "static const int " << currentName << "_source[" << positions << "]["
       << taps << "] = {";
    for (int64_t position = 0; position < positions; ++position) {
      std::vector<int64_t> source(taps, -1);
      geometry->forEachTap(
          position, [&](int64_t tap, int64_t pixel) { source[tap] = pixel; });
      hs << "\n    {";
      for (int64_t tap = 0; tap < taps; ++tap)
        hs << (tap ? ", " : "") << source[tap];
      hs << "},";
    }
    hs << "\n};\n";
  }
  if (biasType)
    hs << constantArray(biasName, *biasType, bias);
  hs << "\n#endif\n";
  weights["weights/" + weightName + ".h"] = header;
  parameters += llvm::formatv(
      "struct config_{0} {{\n  static const unsigned n_in = {1};\n"
      "  static const unsigned n_out = {2};\n"
      "  static const unsigned reuse_factor = {3};\n"
      "  static const unsigned multiplications = {4};\n"
      "  static const bool term_table = {5};\n",
      currentName, in.formats.size(), outSize, options.reuseFactor,
      multiplications, table ? "true" : "false");
  if (conv)
    parameters +=
        llvm::formatv("  static const unsigned n_positions = {0};\n"
                      "  static const unsigned parallel_factor = {1};\n"
                      "  static const unsigned n_partitions = {2};\n",
                      positions, parallel, partitioned ? steps : 1);
  parameters += "};\n";

  llvm::raw_string_ostream os(current);
  // The table form: one loop over the non-zero terms of each output (tables
  // of integer indices and weight mantissas), which compiles in time linear
  // in the terms. The sum runs on the mantissas (the weights times 2^f); one
  // exact multiplication by 2^-f and the bias follow. The code of output
  // `o`, the terms from `t` on; the markers with index -1 are the term's
  // input element and the output element.
  auto termLoopBody = [&]() -> FailureOr<std::string> {
    Format raw = *weightType;
    raw.integerBits += raw.fractionalBits;
    raw.fractionalBits = 0;
    Interval scaled = *unbiased;
    scaled.fractionalBits -= weightType->fractionalBits;
    Format accumulator = scaled.format();
    if (accumulator.isDead())
      accumulator = Format{0, 1, 0};
    if (failed(checkWidth(op, accumulator, "accumulator")))
      return failure();
    int shift = weightType->fractionalBits;
    std::string body =
        "    " + apType(accumulator) + " acc = 0;\n    for (; t < " +
        currentName +
        "_end[o]; ++t) {\n#pragma HLS UNROLL\n      acc += " + inRef(0, -1) +
        " * " + apType(raw) + "(" + weightName + "[" + currentName +
        "_weight[t]]);\n    }\n    " + outRef(-1) + " = acc * ap_ufixed<1," +
        std::to_string(1 - shift) + ">(" +
        exactDecimal(std::ldexp(1.0, -shift)) + ")";
    if (biasType)
      body += " + " + biasName + "[o % " + std::to_string(outputs) + "]";
    return body + ";\n";
  };
  if (partitioned) {
    const std::string &inType = in.typeName;
    int64_t window = taps * channels;
    std::string k = std::to_string(parallel), c = std::to_string(channels);
    os << "  for (unsigned part = 0; part < " << steps
       << "; ++part) {\n#pragma HLS PIPELINE II=" << options.reuseFactor
       << "\n    for (unsigned k = 0; k < " << k
       << "; ++k) {\n#pragma HLS UNROLL\n      const unsigned position = part "
          "* "
       << k << " + k;\n";
    // The last step is partial when parallel_factor does not divide the
    // positions: a guard, not a break (the loop is unrolled).
    if (positions % parallel)
      os << "      if (position < " << positions << ") {\n";
    // The window of this position: taps x channels, padding as 0.
    os << "      " << inType << " buffer[" << window
       << "];\n#pragma HLS ARRAY_PARTITION variable=buffer complete\n"
       << "      for (unsigned tap = 0; tap < " << taps
       << "; ++tap) {\n#pragma HLS UNROLL\n        const int source = "
       << currentName
       << "_source[position][tap];\n        for (unsigned c = 0; c < " << c
       << "; ++c)\n#pragma HLS UNROLL\n          buffer[tap * " << c
       << " + c] = source < 0 ? " << inType << "(0) : in0[source * " << c
       << " + c];\n      }\n";
    std::string outIndex = "out[position * " + std::to_string(outputs) + " + ";
    if (table) {
      FailureOr<std::string> body = termLoopBody();
      if (failed(body))
        return failure();
      os << "      unsigned t = 0;\n      for (unsigned o = 0; o < " << outputs
         << "; ++o) {\n#pragma HLS UNROLL\n"
         << resolve(
                *body,
                [&](int, int64_t) {
                  return "buffer[" + currentName + "_input[t]]";
                },
                [&](int64_t) { return outIndex + "o]"; })
         << "      }\n";
    } else {
      for (int64_t o = 0; o < outputs; ++o) {
        if (sharedAccumulators[o].isDead()) {
          os << "      " << outIndex << o << "] = 0;\n";
          continue;
        }
        os << "      {\n        " << apType(sharedAccumulators[o]) << " acc = ";
        if (!bias.empty() && bias[o] != 0)
          os << biasName << "[" << o << "];\n";
        else
          os << "0;\n";
        for (const Term &term : shared[o])
          os << "        acc += buffer[" << term.input << "] * " << weightName
             << "[" << term.weight << "];\n";
        os << "        " << outIndex << o << "] = acc;\n      }\n";
      }
    }
    if (positions % parallel)
      os << "      }\n";
    os << "    }\n  }\n";
    closeLayer();
    return success();
  }
  if (table) {
    FailureOr<std::string> body = termLoopBody();
    if (failed(body))
      return failure();
    TermLoop loop;
    loop.body = *body;
    // The stream wrapper schedules the terms (io_stream only).
    for (const std::vector<Term> &list : terms) {
      if (!streaming())
        break;
      for (const Term &term : list)
        loop.inputs.push_back(term.input);
      loop.ends.push_back(loop.inputs.size());
    }
    os << "  unsigned t = 0;\n  for (unsigned o = 0; o < " << outSize
       << "; ++o) {\n#pragma HLS UNROLL\n"
       << resolve(
              loop.body,
              [&](int, int64_t) { return "in0[" + currentName + "_input[t]]"; },
              [](int64_t) { return std::string("out[o]"); })
       << "  }\n";
    calls.back().loop = std::move(loop);
    closeLayer();
    return success();
  }
  for (int64_t output = 0; output < outSize; ++output) {
    if (formats[output].isDead()) {
      block("  " + outRef(output) + " = 0;\n");
      continue;
    }
    std::string code;
    llvm::raw_string_ostream bs(code);
    bs << "  {\n    " << apType(accumulators[output]) << " acc = ";
    double b = bias.empty() ? 0.0 : bias[output % outputs];
    if (b != 0)
      bs << biasName << "[" << output % outputs << "];\n";
    else
      bs << "0;\n";
    for (const Term &term : terms[output])
      bs << "    acc += " << elementOperand(in, term.input, 0) << " * "
         << weightName << "[" << term.weight << "];\n";
    bs << "    " << outRef(output) << " = acc;\n  }\n";
    block(std::move(code));
  }
  closeLayer();
  return success();
}

LogicalResult FirmwareWriter::writeRelu(ActivationOp op) {
  const ArrayValue &in = *arrays[op.getInput()];
  FailureOr<ArrayValue *> out = define(op, op.getOutput());
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  openLayer(op, {op.getInput()}, op.getOutput(), "relu");
  for (size_t index = 0; index < formats.size(); ++index) {
    std::string out = "  " + outRef(index) + " = ", in0 = inRef(0, index);
    if (formats[index].isDead() || in.formats[index].isDead()) {
      block(out + "0;\n");
      continue;
    }
    if (!in.formats[index].keepNegative) {
      block(out + in0 + ";\n");
      continue;
    }
    const std::string &outType = arrays[op.getOutput()]->typeName;
    block(out + in0 + " > " + arrays[op.getInput()]->typeName + "(0) ? " +
          outType + "(" + in0 + ") : " + outType + "(0);\n");
  }
  closeLayer();
  return success();
}

LogicalResult FirmwareWriter::writeUnaryLut(UnaryLutOp op) {
  const ArrayValue &in = *arrays[op.getInput()];
  FixedAttr indexAttr = op.getInputFormat();
  Format index = expandFormats(indexAttr, {})[0];
  fixed::Rounding rounding = toFixed(indexAttr.getRounding());
  SmallVector<double> table;
  for (APFloat value : op.getTable().getValues<APFloat>())
    table.push_back(value.convertToDouble());
  std::optional<Format> entryType =
      fixed::minimalContainer(table.data(), table.size());
  if (entryType && entryType->isDead())
    entryType.reset(); // every entry 0: the outputs are dead
  FailureOr<ArrayValue *> out = define(op, op.getOutput());
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  openLayer(op, {op.getInput()}, op.getOutput(),
            llvm::formatv("lookup table of {0} entries{1}", table.size(),
                          op.getFn() ? " (" + op.getFn()->str() + ")" : "")
                .str());
  std::string tableName = "table_" + currentName;
  if (entryType)
    weights["weights/" + tableName + ".h"] =
        "// " + currentName + ": lookup table, " +
        std::to_string(table.size()) +
        " entries in two's-complement index order.\n#ifndef " + tableName +
        "_H\n#define " + tableName + "_H\n\n" +
        constantArray(tableName, *entryType, table) + "\n#endif\n";
  for (size_t element = 0; element < formats.size(); ++element) {
    if (formats[element].isDead()) {
      block("  " + outRef(element) + " = 0;\n");
      continue;
    }
    // The raw bits of the input word are the index.
    block("  " + outRef(element) + " = " + tableName + "[ap_uint<" +
          std::to_string(index.width()) + ">(" +
          castTo(inRef(0, element), in.container, index, rounding,
                 fixed::Overflow::WRAP) +
          ".range(" + std::to_string(index.width() - 1) + ", 0))];\n");
  }
  closeLayer();
  return success();
}

/// The values of table mantissas (17 fractional bits).
static std::vector<double> tableValues(const std::vector<int64_t> &entries) {
  std::vector<double> values;
  for (int64_t entry : entries)
    values.push_back(std::ldexp(double(entry), -fixed::kTableEntryFrac));
  return values;
}

Format FirmwareWriter::tableHeader(const std::string &name,
                                   const std::vector<int64_t> &entries,
                                   StringRef what) {
  Format type = fixed::tableFormat(entries);
  weights["weights/" + name + ".h"] =
      "// " + what.str() + " (docs/activations.md), exact decimals.\n#ifndef " +
      name + "_H\n#define " + name + "_H\n\n" +
      constantArray(name, type, tableValues(entries)) + "\n#endif\n";
  return type;
}

LogicalResult FirmwareWriter::writeTableActivation(ActivationOp op) {
  const ArrayValue &in = *arrays[op.getInput()];
  const std::vector<int64_t> &shape = in.shape;
  bool softmax = op.getFn() == "softmax";
  int64_t rank = int64_t(shape.size()) + 1;
  int64_t axis = op.getAxisAttr() ? op.getAxisAttr().getInt() : -1;
  if (axis < 0)
    axis += rank;
  int64_t length = shape[axis - 1], inner = 1;
  for (size_t d = axis; d < shape.size(); ++d)
    inner *= shape[d];
  fixed::ElementwiseTable elementwise =
      op.getFn() == "sigmoid" ? fixed::sigmoidTable() : fixed::tanhTable();
  fixed::SoftmaxTables tables = fixed::softmaxTables(softmax ? length : 1);
  // Every output element has the type of the last table step.
  if (failed(define(op, op.getOutput())))
    return failure();
  openLayer(op, {op.getInput()}, op.getOutput(),
            (op.getFn() + " (table algorithm, docs/activations.md)").str());
  auto indexOf = [&](const std::string &value, int frac) {
    // floor(value * 2^frac), clipped to [0, 1023], as the raw bits of a
    // truncating, saturating 10-bit unsigned type.
    return "ap_uint<10>(ap_ufixed<10," + std::to_string(10 - frac) +
           ",AP_TRN,AP_SAT>(" + value + ").range(9, 0))";
  };
  auto element = [&](int64_t index) {
    return in.formats[index].isDead() ? in.typeName + "(0)" : inRef(0, index);
  };
  if (!softmax) {
    std::string table = "table_" + currentName;
    tableHeader(table, elementwise.entries,
                op.getFn().str() + ": 1024 entries");
    int r = elementwise.rangeLog2;
    std::string offset = "ap_fixed<" + std::to_string(r + 2) + "," +
                         std::to_string(r + 2) + ">(" + std::to_string(1 << r) +
                         ")";
    // (x + 2^r) at 9 - r fractional bits is the index.
    for (size_t j = 0; j < in.formats.size(); ++j)
      block(
          "  " + outRef(j) + " = " + table + "[" +
          indexOf(element(j) + " + " + offset, fixed::kTableIndexBits - 1 - r) +
          "];\n");
    closeLayer();
    return success();
  }
  std::string exp = "exp_" + currentName,
              reciprocal = "reciprocal_" + currentName;
  Format expType = tableHeader(exp, tables.exp, "softmax: exp(-i/64)");
  tableHeader(reciprocal, tables.reciprocal, "softmax: reciprocals");
  int sumBits = 0;
  while ((int64_t(1) << sumBits) < length)
    ++sumBits;
  Format sumType = expType;
  sumType.integerBits += sumBits;
  int64_t blocks = int64_t(in.formats.size()) / (length * inner);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return b * length * inner + i + j * inner; };
      std::string code;
      llvm::raw_string_ostream os(code);
      os << "  {\n    " << in.typeName << " m = " << element(at(0)) << ";\n";
      for (int64_t j = 1; j < length; ++j)
        os << "    if (" << element(at(j)) << " > m) m = " << element(at(j))
           << ";\n";
      os << "    " << exp << "_t e[" << length << "];\n";
      for (int64_t j = 0; j < length; ++j)
        os << "    e[" << j << "] = " << exp << "["
           << indexOf("m - " + element(at(j)),
                      fixed::SoftmaxTables::kExpStepLog2)
           << "];\n";
      os << "    " << apType(sumType) << " s = 0;\n";
      for (int64_t j = 0; j < length; ++j)
        os << "    s += e[" << j << "];\n";
      os << "    " << reciprocal << "_t r = " << reciprocal << "["
         << indexOf("s - ap_ufixed<1,1>(1)", tables.reciprocalStepLog2)
         << "];\n";
      for (int64_t j = 0; j < length; ++j)
        os << "    " << outRef(at(j)) << " = e[" << j << "] * r;\n";
      os << "  }\n";
      block(std::move(code));
    }
  closeLayer();
  return success();
}

LogicalResult FirmwareWriter::writeAdd(AddOp op) {
  const ArrayValue &lhs = *arrays[op.getLhs()], &rhs = *arrays[op.getRhs()];
  FailureOr<ArrayValue *> out = define(op, op.getOutput());
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  openLayer(op, {op.getLhs(), op.getRhs()}, op.getOutput(), "add");
  for (size_t index = 0; index < formats.size(); ++index) {
    bool left = !lhs.formats[index].isDead(),
         right = !rhs.formats[index].isDead();
    std::string sum = left && right ? inRef(0, index) + " + " + inRef(1, index)
                      : left        ? inRef(0, index)
                      : right       ? inRef(1, index)
                                    : std::string("0");
    block("  " + outRef(index) + " = " + sum + ";\n");
  }
  closeLayer();
  return success();
}

template <typename PoolOp>
LogicalResult FirmwareWriter::writePool(PoolOp op, bool average) {
  const ArrayValue &in = *arrays[op.getInput()];
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  fixed::WindowGeometry g = windowGeometry(
      inputType, op.getWindow(), op.getStrideValues(), {}, op.getPadValues());
  FailureOr<std::vector<PoolWindow>> windows =
      poolWindows(op.getOperation(), in.formats);
  if (failed(windows))
    return op.emitOpError()
           << "--emit-hls: a window sum needs more than 126 bits";
  FailureOr<ArrayValue *> out = define(op, op.getOutput());
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  openLayer(op, {op.getInput()}, op.getOutput(),
            llvm::formatv("{0} pooling, window {1}x{2}",
                          average ? "average" : "max", g.window[0], g.window[1])
                .str());
  for (size_t index = 0; index < windows->size(); ++index) {
    if (formats[index].isDead()) {
      block("  " + outRef(index) + " = 0;\n");
      continue;
    }
    const std::vector<int64_t> &cells = (*windows)[index].cells;
    std::string code;
    llvm::raw_string_ostream os(code);
    if (!average) {
      os << "  {\n    " << arrays[op.getInput()]->typeName
         << " m = " << inRef(0, cells[0]) << ";\n";
      for (size_t cell = 1; cell < cells.size(); ++cell)
        os << "    if (" << inRef(0, cells[cell])
           << " > m) m = " << inRef(0, cells[cell]) << ";\n";
      os << "    " << outRef(index) << " = m;\n  }\n";
      block(std::move(code));
      continue;
    }
    const PoolWindow &window = (*windows)[index];
    int shift = window.shift;
    os << "  {\n    " << apType(window.partialSums) << " sum = 0;\n";
    for (int64_t cell : cells)
      os << "    sum += " << inRef(0, cell) << ";\n";
    os << "    " << outRef(index) << " = sum";
    if (shift != 0)
      os << " * ap_ufixed<1," << 1 - shift << ">("
         << exactDecimal(std::ldexp(1.0, -shift)) << ")";
    os << ";\n  }\n";
    block(std::move(code));
  }
  closeLayer();
  return success();
}

LogicalResult
FirmwareWriter::writeCopy(Operation *op, ArrayRef<Value> inputs,
                          ArrayRef<std::pair<int, int64_t>> sources) {
  FailureOr<ArrayValue *> out = define(op, op->getResult(0));
  if (failed(out))
    return failure();
  const std::vector<Format> &formats = (*out)->formats;
  openLayer(op, inputs, op->getResult(0),
            op->getName().stripDialect().str() + " (element copies)");
  for (auto [index, source] : llvm::enumerate(sources))
    block("  " + outRef(index) + " = " +
          (formats[index].isDead() ? std::string("0")
                                   : inRef(source.first, source.second)) +
          ";\n");
  closeLayer();
  return success();
}

LogicalResult FirmwareWriter::writeMove(Operation *op) {
  return writeCopy(op, SmallVector<Value>(op->getOperands()),
                   elementSources(op));
}

LogicalResult FirmwareWriter::writeOp(Operation *op) {
  for (Value operand : op->getOperands())
    if (!arrays.count(operand))
      return op->emitOpError() << "--emit-hls: an operand has no fixed-point "
                                  "value (is it produced by a float op?)";
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](QuantizeOp o) { return writeQuantize(o); })
      .Case([&](LayerOpInterface o) { return writeLinear(o); })
      .Case([&](ActivationOp o) -> LogicalResult {
        if (o.getFn() == "relu")
          return writeRelu(o);
        if (o.getFn() == "linear")
          return writeMove(o);
        if (o.getFn() == "sigmoid" || o.getFn() == "tanh" ||
            o.getFn() == "softmax")
          return writeTableActivation(o);
        return o.emitOpError()
               << "--emit-hls: activation '" << o.getFn()
               << "' has no bit-exact fixed-point implementation at proxy "
                  "level; lower it to a lookup table "
                  "(--hgq-lower-unary-lut)";
      })
      .Case([&](UnaryLutOp o) { return writeUnaryLut(o); })
      .Case([&](AddOp o) { return writeAdd(o); })
      .Case([&](MaxPoolOp o) { return writePool(o, false); })
      .Case([&](AvgPoolOp o) { return writePool(o, true); })
      .Case<ConcatOp, ReshapeOp, FlattenOp, TransposeOp>(
          [&](Operation *o) { return writeMove(o); })
      .Case<BatchNormOp, RescaleOp>([&](Operation *o) {
        return o->emitOpError()
               << "--emit-hls: computes in float32, which hardware "
                  "fixed-point arithmetic cannot reproduce exactly; fuse it "
                  "(--hgq-fuse-batchnorm) or quantize its scales";
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *o) {
        return o->emitOpError() << "--emit-hls: no HLS implementation for "
                                   "this op";
      });
}

std::string FirmwareWriter::streamTop(const std::string &name,
                                      std::string &wrappers) {
  // Who reads each array: (call, operand) pairs, then the output ports.
  std::map<std::string, std::vector<std::string>> readers;
  auto pixelOf = [&](const std::string &array) {
    return streamArrays[array].typeName + "_pixel";
  };
  for (const Port &port : firmware.inputs)
    defines += "struct " + port.type + "_pixel {\n  " + port.type + " data[" +
               std::to_string(streamArrays[port.name].channels) + "];\n};\n";
  for (const LayerCall &call : calls)
    defines += "struct " + streamArrays[call.output].typeName + "_pixel {\n  " +
               streamArrays[call.output].typeName + " data[" +
               std::to_string(streamArrays[call.output].channels) + "];\n};\n";
  // Stream names: one per (array, reader).
  std::map<std::string, std::vector<std::string>> streamsOf;
  std::vector<std::vector<std::string>> callInputs(calls.size());
  auto newStream = [&](const std::string &array) {
    std::string stream = array + "_s" + std::to_string(streamsOf[array].size());
    streamsOf[array].push_back(stream);
    return stream;
  };
  for (auto [index, call] : llvm::enumerate(calls))
    for (const std::string &input : call.inputs)
      callInputs[index].push_back(newStream(input));
  std::vector<std::string> outputSources;
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  for (Value value : returnOp.getOperands())
    outputSources.push_back(arrays[value]->name);
  // An output port is the last reader's stream of its array.
  std::map<std::string, std::string> portOfStream;
  for (auto [index, source] : llvm::enumerate(outputSources))
    portOfStream[newStream(source)] = firmware.outputs[index].name;

  std::string body, locals;
  auto streamName = [&](const std::string &stream) {
    auto port = portOfStream.find(stream);
    return port == portOfStream.end() ? stream : port->second;
  };
  auto declare = [&](const std::string &array) {
    for (const std::string &stream : streamsOf[array])
      if (!portOfStream.count(stream))
        locals += "  hls::stream<" + pixelOf(array) + "> " + stream +
                  ";\n#pragma HLS STREAM variable=" + stream + " depth=" +
                  std::to_string(streamArrays[array].size /
                                 streamArrays[array].channels) +
                  "\n";
  };
  // Input ports feed their readers through a copy.
  for (const Port &port : firmware.inputs) {
    declare(port.name);
    std::string split = port.name + "_split";
    wrappers +=
        "static void " + split + "(hls::stream<" + pixelOf(port.name) + "> &in";
    std::string call = "  " + split + "(" + port.name;
    for (const std::string &stream : streamsOf[port.name]) {
      wrappers += ", hls::stream<" + pixelOf(port.name) + "> &" + stream;
      call += ", " + streamName(stream);
    }
    wrappers += ") {\n  for (unsigned p = 0; p < " +
                std::to_string(streamArrays[port.name].size /
                               streamArrays[port.name].channels) +
                "; ++p) {\n#pragma HLS PIPELINE\n    " + pixelOf(port.name) +
                " pixel = in.read();\n";
    for (const std::string &stream : streamsOf[port.name])
      wrappers += "    " + stream + ".write(pixel);\n";
    wrappers += "  }\n}\n\n";
    body += call + ");\n";
  }
  for (auto [index, call] : llvm::enumerate(calls)) {
    declare(call.output);
    std::string wrapper = call.function + "_stream";
    std::string invocation = "  " + wrapper + "(";
    for (const std::string &stream : callInputs[index])
      invocation += streamName(stream) + ", ";
    for (const std::string &stream : streamsOf[call.output])
      invocation += streamName(stream) + ", ";
    invocation.erase(invocation.size() - 2);
    body += invocation + ");\n";
    std::string streamed =
        lineBufferWrapper(call, callInputs[index], streamsOf[call.output]);
    if (!streamed.empty()) {
      wrappers += streamed;
      continue;
    }
    // The frame wrapper: the whole input, the layer function, the whole
    // output.
    std::string text = "static void " + wrapper + "(";
    std::string reads, compute = "  " + call.function + "(";
    for (auto [operand, input] : llvm::enumerate(call.inputs)) {
      const StreamArray &array = streamArrays[input];
      std::string stream = callInputs[index][operand];
      std::string local = "in" + std::to_string(operand);
      text += "hls::stream<" + pixelOf(input) + "> &" + stream + ", ";
      reads += "  " + array.typeName + " " + local + "[" +
               std::to_string(array.size) + "];\n  for (unsigned p = 0; p < " +
               std::to_string(array.size / array.channels) + "; ++p) {\n    " +
               pixelOf(input) + " pixel = " + stream +
               ".read();\n    for (unsigned c = 0; c < " +
               std::to_string(array.channels) + "; ++c)\n      " + local +
               "[p * " + std::to_string(array.channels) +
               " + c] = pixel.data[c];\n  }\n";
      compute += local + ", ";
    }
    const StreamArray &out = streamArrays[call.output];
    std::string writes = "  for (unsigned p = 0; p < " +
                         std::to_string(out.size / out.channels) +
                         "; ++p) {\n    " + pixelOf(call.output) +
                         " pixel;\n    for (unsigned c = 0; c < " +
                         std::to_string(out.channels) +
                         "; ++c)\n      pixel.data[c] = out[p * " +
                         std::to_string(out.channels) + " + c];\n";
    for (const std::string &stream : streamsOf[call.output]) {
      text += "hls::stream<" + pixelOf(call.output) + "> &" + stream + ", ";
      writes += "    " + stream + ".write(pixel);\n";
    }
    writes += "  }\n";
    text.erase(text.size() - 2);
    wrappers += "// " + wrapper + ": holds the whole input frame.\n" + text +
                ") {\n" + reads + "  " + out.typeName + " out[" +
                std::to_string(out.size) + "];\n" + compute + "out);\n" +
                writes + "}\n\n";
  }
  return locals + body;
}

/// `text` with `indent` more spaces on every line that is not a pragma.
static std::string indented(StringRef text, int indent) {
  std::string result;
  SmallVector<StringRef> lines;
  text.split(lines, '\n', -1, false);
  for (StringRef line : lines) {
    if (!line.starts_with("#"))
      result += std::string(indent, ' ');
    result += line.str() + "\n";
  }
  return result;
}

std::string
FirmwareWriter::lineBufferWrapper(const LayerCall &call,
                                  ArrayRef<std::string> inputStreams,
                                  ArrayRef<std::string> outputStreams) {
  // The inputs are read in lockstep, one pixel of each per step.
  std::vector<const StreamArray *> inputs;
  for (const std::string &input : call.inputs)
    inputs.push_back(&streamArrays[input]);
  int64_t steps = inputs[0]->size / inputs[0]->channels;
  for (const StreamArray *input : inputs)
    if (input->size / input->channels != steps)
      return "";
  const StreamArray &out = streamArrays[call.output];
  int64_t outPixels = out.size / out.channels;

  // What each output pixel reads: (output pixel, operand, input element).
  struct Read {
    int64_t pixel;
    int operand;
    int64_t element;
  };
  std::vector<Read> reads;
  // Straight-line code: each block writes one output pixel.
  std::vector<std::vector<size_t>> blocksOf(outPixels);
  if (call.loop) {
    int64_t term = 0;
    for (auto [output, end] : llvm::enumerate(call.loop->ends))
      for (; term < end; ++term)
        reads.push_back(
            {int64_t(output) / out.channels, 0, call.loop->inputs[term]});
  } else {
    std::vector<int64_t> written(out.size, 0);
    for (auto [index, code] : llvm::enumerate(call.blocks)) {
      int64_t pixel = -1;
      bool onePixel = true;
      size_t first = reads.size();
      resolve(
          code,
          [&](int operand, int64_t element) {
            reads.push_back({0, operand, element});
            return std::string();
          },
          [&](int64_t element) {
            onePixel &= pixel < 0 || pixel == element / out.channels;
            pixel = element / out.channels;
            ++written[element];
            return std::string();
          });
      // A block that writes several pixels (softmax across pixels) is not
      // scheduled pixel by pixel.
      if (!onePixel || pixel < 0)
        return "";
      for (size_t read = first; read < reads.size(); ++read)
        reads[read].pixel = pixel;
      blocksOf[pixel].push_back(index);
    }
    if (llvm::any_of(written, [](int64_t count) { return count != 1; }))
      return "";
  }
  // Output pixels leave in order: pixel q is written at the first step at
  // which every input pixel it and the pixels before it read has arrived.
  std::vector<int64_t> step(outPixels, 0);
  for (const Read &read : reads)
    step[read.pixel] = std::max(step[read.pixel],
                                read.element / inputs[read.operand]->channels);
  for (int64_t q = 1; q < outPixels; ++q)
    step[q] = std::max(step[q], step[q - 1]);
  // An input pixel is needed until the step of the last output that reads
  // it: a ring of `depth` pixels (slot = pixel % depth) never overwrites a
  // pixel that is still needed.
  std::vector<int64_t> depth(inputs.size(), 1);
  for (const Read &read : reads) {
    int64_t pixel = read.element / inputs[read.operand]->channels;
    depth[read.operand] =
        std::max(depth[read.operand], step[read.pixel] - pixel + 1);
  }
  auto slot = [&](int operand, int64_t element) {
    int64_t channels = inputs[operand]->channels;
    return (element / channels) % depth[operand] * channels +
           element % channels;
  };

  std::string text;
  llvm::raw_string_ostream os(text);
  std::string wrapper = call.function + "_stream";
  os << "// " << wrapper << ": line buffer of";
  for (auto [operand, input] : llvm::enumerate(inputs))
    os << (operand ? " and" : "") << " " << depth[operand] << " of the "
       << steps << " pixels of input " << operand;
  os << (call.loop ? " (term tables)" : "") << ".\n";
  if (call.loop) {
    // The line-buffer slot of each term's input element, and how many
    // output pixels are written once input pixel p has arrived.
    os << "static const unsigned " << call.function << "_slot[] = {";
    for (auto [term, element] : llvm::enumerate(call.loop->inputs))
      os << (term % 16 ? " " : "\n    ") << slot(0, element) << ",";
    os << "\n};\nstatic const unsigned " << call.function << "_done[" << steps
       << "] = {";
    int64_t done = 0;
    for (int64_t p = 0; p < steps; ++p) {
      while (done < outPixels && step[done] <= p)
        ++done;
      os << (p % 16 ? " " : "\n    ") << done << ",";
    }
    os << "\n};\n";
  }
  os << "static void " << wrapper << "(";
  for (auto [operand, input] : llvm::enumerate(inputs))
    os << "hls::stream<" << input->typeName << "_pixel> &"
       << inputStreams[operand] << ", ";
  for (auto [index, stream] : llvm::enumerate(outputStreams))
    os << (index ? ", " : "") << "hls::stream<" << out.typeName << "_pixel> &"
       << stream;
  os << ") {\n";
  for (auto [operand, input] : llvm::enumerate(inputs))
    os << "  " << input->typeName << " buf" << operand << "["
       << depth[operand] * input->channels
       << "];\n#pragma HLS ARRAY_PARTITION variable=buf" << operand
       << " complete dim=0\n";
  if (call.loop)
    os << "  unsigned t = 0, q = 0;\n";
  os << "  for (unsigned p = 0; p < " << steps
     << "; ++p) {\n#pragma HLS PIPELINE\n";
  for (auto [operand, input] : llvm::enumerate(inputs))
    os << "    {\n      " << input->typeName
       << "_pixel pixel = " << inputStreams[operand]
       << ".read();\n      for (unsigned c = 0; c < " << input->channels
       << "; ++c) {\n#pragma HLS UNROLL\n        buf" << operand << "[(p % "
       << depth[operand] << ") * " << input->channels
       << " + c] = pixel.data[c];\n      }\n    }\n";
  std::string writes;
  for (const std::string &stream : outputStreams)
    writes += stream + ".write(pixel);\n";
  if (call.loop) {
    os << "    for (; q < " << call.function << "_done[p]; ++q) {\n      "
       << out.typeName << "_pixel pixel;\n      for (unsigned c = 0; c < "
       << out.channels
       << "; ++c) {\n#pragma HLS UNROLL\n        unsigned o = q * "
       << out.channels << " + c;\n"
       << indented(resolve(
                       call.loop->body,
                       [&](int, int64_t) {
                         return "buf0[" + call.function + "_slot[t]]";
                       },
                       [](int64_t) { return std::string("pixel.data[c]"); }),
                   4)
       << "      }\n"
       << indented(writes, 6) << "    }\n  }\n}\n\n";
    return text;
  }
  auto inputRef = [&](int operand, int64_t element) {
    return "buf" + std::to_string(operand) + "[" +
           std::to_string(slot(operand, element)) + "]";
  };
  auto outputRef = [&](int64_t element) {
    return "pixel.data[" + std::to_string(element % out.channels) + "]";
  };
  os << "    switch (p) {\n";
  for (int64_t q = 0; q < outPixels; ++q) {
    if (q == 0 || step[q] != step[q - 1])
      os << "    case " << step[q] << ": {\n";
    os << "      {\n        " << out.typeName << "_pixel pixel;\n";
    for (size_t index : blocksOf[q])
      os << indented(resolve(call.blocks[index], inputRef, outputRef), 6);
    os << indented(writes, 8) << "      }\n";
    if (q + 1 == outPixels || step[q + 1] != step[q])
      os << "      break;\n    }\n";
  }
  os << "    default:\n      break;\n    }\n  }\n}\n\n";
  return text;
}

FailureOr<Firmware> FirmwareWriter::write() {
  const std::string &name = options.projectName;
  for (Operation &op : function.getBody().front())
    if (!isProxyLevel(&op))
      return op.emitOpError()
             << "--emit-hls: the model is at layer level (HGQ quantizers "
                "without explicit formats); run hgq-opt "
                "--hgq-proxy-pipeline first";
  for (Operation &op : function.getBody().front())
    if (auto conv = dyn_cast<ConvOp>(&op); conv && !streaming())
      dataflow |= sharesPositions(conv);
  if (failed(requireStaticInputs(function, "--emit-hls")))
    return failure();
  for (BlockArgument argument : function.getArguments())
    if (failed(writeInput(argument)))
      return failure();
  for (Operation &op : function.getBody().front()) {
    for (Value result : op.getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || !ShapedType::isStaticShape(type.getShape().drop_front()))
        return op.emitOpError()
               << "--emit-hls: needs static non-batch dimensions";
    }
    if (failed(writeOp(&op)))
      return failure();
  }
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  std::string outputs;
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    const ArrayValue &array = *arrays[value];
    Port port;
    port.name = "output_" + std::to_string(index + 1);
    port.shape = array.shape;
    port.size = array.formats.size();
    port.type = port.name + "_t";
    port.format = array.container;
    defines += "typedef " + apType(array.container) + " " + port.type + ";\n";
    std::string copy = "  for (int i = 0; i < " + std::to_string(port.size) +
                       "; ++i)\n#pragma HLS UNROLL\n    ";
    if (dataflow) {
      // A DATAFLOW region holds only calls: the copy is a process too.
      layers += "static void write_" + port.name + "(const " + array.typeName +
                " in[" + std::to_string(port.size) + "], " + port.type +
                " out[" + std::to_string(port.size) + "]) {\n" + copy +
                "out[i] = in[i];\n}\n\n";
      outputs +=
          "  write_" + port.name + "(" + array.name + ", " + port.name + ");\n";
    } else {
      outputs += copy + port.name + "[i] = " + array.name + "[i];\n";
    }
    firmware.outputs.push_back(port);
  }

  bool stream = streaming();
  std::string wrappers, streamBody;
  if (stream) {
    streamBody = streamTop(name, wrappers);
    for (auto [index, value] : llvm::enumerate(returnOp.getOperands()))
      firmware.outputs[index].pixel =
          streamArrays[arrays[value]->name].typeName + "_pixel";
    for (Port &port : firmware.inputs)
      port.pixel = port.type + "_pixel";
  }
  std::string signature = "void " + name + "(";
  std::string pragmas;
  if (stream) {
    std::vector<std::string> ports;
    for (const Port &port : firmware.inputs)
      ports.push_back("hls::stream<" + port.pixel + "> &" + port.name);
    for (const Port &port : firmware.outputs)
      ports.push_back("hls::stream<" + port.pixel + "> &" + port.name);
    signature += llvm::join(ports, ", ") + ")";
    for (const Port &port : firmware.inputs)
      pragmas += "#pragma HLS INTERFACE mode=axis port=" + port.name + "\n";
    for (const Port &port : firmware.outputs)
      pragmas += "#pragma HLS INTERFACE mode=axis port=" + port.name + "\n";
    pragmas += "#pragma HLS DATAFLOW\n";
  }
  for (const Port &port : firmware.inputs) {
    if (stream)
      break;
    signature += "const " + port.type + " " + port.name + "[" +
                 std::to_string(port.size) + "], ";
    pragmas += "#pragma HLS ARRAY_PARTITION variable=" + port.name +
               " complete dim=0\n";
  }
  for (auto [index, port] : llvm::enumerate(firmware.outputs)) {
    if (stream)
      break;
    signature += (index ? ", " : "") + port.type + " " + port.name + "[" +
                 std::to_string(port.size) + "]";
    pragmas += "#pragma HLS ARRAY_PARTITION variable=" + port.name +
               " complete dim=0\n";
  }
  if (!stream)
    signature += ")";
  std::string interfaces = "#pragma HLS INTERFACE mode=ap_vld port=";
  for (auto [index, port] : llvm::enumerate(firmware.inputs))
    interfaces += (index ? "," : "") + port.name;
  for (const Port &port : firmware.outputs)
    interfaces += "," + port.name;

  std::string guard = name;
  for (char &c : guard)
    c = std::toupper(static_cast<unsigned char>(c));
  firmware.files["firmware/defines.h"] =
      "// Types of " + name +
      ": one per array (its container holds every element's own format\n"
      "// exactly), per weight/bias/table array, and per port.\n#ifndef " +
      guard + "_DEFINES_H\n#define " + guard +
      "_DEFINES_H\n\n#include \"ap_fixed.h\"\n#include \"ap_int.h\"\n" +
      (stream ? "#include \"hls_stream.h\"\n" : "") + "\n" + defines +
      "\n#endif\n";
  firmware.files["firmware/parameters.h"] =
      "// Per-layer parameters of " + name + " (" + options.ioType +
      ", reuse factor " + std::to_string(options.reuseFactor) + ").\n#ifndef " +
      guard + "_PARAMETERS_H\n#define " + guard +
      "_PARAMETERS_H\n\n#include \"defines.h\"\n\n" + parameters + "\n#endif\n";
  std::string includes;
  for (auto &[path, text] : weights) {
    firmware.files["firmware/" + path] = text;
    includes += "#include \"" + path + "\"\n";
  }
  firmware.files["firmware/" + name + ".h"] =
      "// Top function of " + name + ".\n#ifndef " + guard + "_H\n#define " +
      guard + "_H\n\n#include \"defines.h\"\n\n" + signature + ";\n\n#endif\n";
  firmware.files["firmware/" + name + ".cpp"] =
      "// " + name +
      ": generated by hgq-translate --emit-hls from proxy-level hgq IR.\n"
      "// Every element is computed in its own exact format; the C "
      "simulation\n// equals hgq-run on the same IR bit for bit.\n"
      "#include \"" +
      name + ".h\"\n#include \"parameters.h\"\n" + includes + "\n" + layers +
      wrappers + signature + " {\n" +
      (stream
           ? pragmas + "\n" + streamBody
           : interfaces + "\n" + pragmas +
                 (dataflow ? std::string("#pragma HLS DATAFLOW\n")
                           : "#pragma HLS PIPELINE II=" +
                                 std::to_string(options.reuseFactor) + "\n") +
                 "\n" + top + outputs) +
      "}\n";
  return firmware;
}

} // namespace

FailureOr<Firmware> emitFirmware(func::FuncOp function,
                                 const HlsOptions &options) {
  return FirmwareWriter(function, options).write();
}

} // namespace hgq::hls
