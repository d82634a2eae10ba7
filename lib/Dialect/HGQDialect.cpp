//===- HGQDialect.cpp - The hgq dialect and its attributes ----------------===//
//
// Registration, the bit-array syntax shared by #hgq.fixed and #hgq.quantizer,
// attribute verifiers, and the broadcast helpers that expand per-element bit
// arrays into formats for the executor, passes and emitters.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"

#include "hgq/Support/Permute.h"
#include "mlir/IR/BuiltinOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace hgq;

#include "dialects/hgq/HGQDialect.cpp.inc"
#include "dialects/hgq/HGQEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/hgq/HGQAttrs.cpp.inc"

void HGQDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/hgq/HGQAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/hgq/HGQOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Discardable attributes (declared in HGQBase.td)
//===----------------------------------------------------------------------===//

namespace {
/// What each declared attribute must hold, checked through its generated
/// helper so that the type lives in ODS only.
template <typename Helper>
std::optional<LogicalResult> checkDiscardable(Helper helper, Operation *op,
                                              NamedAttribute attribute,
                                              StringRef what) {
  if (attribute.getName() != helper.getName())
    return std::nullopt;
  if (helper.isAttrPresent(op))
    return success();
  return op->emitOpError() << "attribute '" << attribute.getName().getValue()
                           << "' must be " << what << ", got "
                           << attribute.getValue();
}
} // namespace

LogicalResult HGQDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  std::optional<LogicalResult> checked;
  auto check = [&](auto helper, StringRef what) {
    if (!checked)
      checked = checkDiscardable(helper, op, attribute, what);
  };
  check(getNameAttrHelper(), "a string");
  if (attribute.getName() == getIoTypeAttrHelper().getName()) {
    auto value = dyn_cast<StringAttr>(attribute.getValue());
    if (!isa<ModuleOp>(op) || !value ||
        (value != "io_parallel" && value != "io_stream"))
      return op->emitOpError() << "attribute 'hgq.io_type' belongs on the "
                                  "module and is \"io_parallel\" or "
                                  "\"io_stream\", got "
                               << attribute.getValue();
    return success();
  }
  check(getTraceMinAttrHelper(), "a dense elements attribute");
  check(getTraceMaxAttrHelper(), "a dense elements attribute");
  check(getCalibrationAttrHelper(), "a dictionary");
  check(getResultTAttrHelper(), "an #hgq.fixed format");
  check(getWeightTAttrHelper(), "an #hgq.fixed format");
  check(getBiasTAttrHelper(), "an #hgq.fixed format");
  check(getAccumTAttrHelper(), "an #hgq.fixed format");
  check(getTableTAttrHelper(), "an #hgq.fixed format");
  check(getBopsAttrHelper(), "a float");
  check(getBopsPerPositionAttrHelper(), "a float");
  check(getEbopsAttrHelper(), "a float");
  check(getBopsTotalAttrHelper(), "a float");
  check(getEbopsTotalAttrHelper(), "a float");
  if (checked)
    return *checked;
  if (attribute.getName() == getLayoutAttrHelper().getName())
    return op->emitOpError() << "attribute '" << attribute.getName().getValue()
                             << "' belongs on function arguments and results";
  return op->emitOpError()
         << "has an unknown hgq attribute '" << attribute.getName().getValue()
         << "' (the dialect declares its attributes in HGQBase.td; "
            "docs/Dialect/HGQDialect.md lists them)";
}

static LogicalResult verifyInterfaceAttribute(HGQDialect &dialect,
                                              Operation *op,
                                              NamedAttribute attribute) {
  if (attribute.getName() == dialect.getNameAttrHelper().getName()) {
    if (!isa<StringAttr>(attribute.getValue()))
      return op->emitOpError()
             << "hgq.name must be a string, got " << attribute.getValue();
    return success();
  }
  if (attribute.getName() != dialect.getLayoutAttrHelper().getName())
    return op->emitOpError() << "function arguments and results take only "
                                "hgq.layout and hgq.name, not '"
                             << attribute.getName().getValue() << "'";
  if (!isa<DenseI64ArrayAttr>(attribute.getValue()))
    return op->emitOpError() << "hgq.layout must be an array<i64: ...>, got "
                             << attribute.getValue();
  return success();
}

LogicalResult HGQDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned,
                                                   NamedAttribute attribute) {
  return verifyInterfaceAttribute(*this, op, attribute);
}

LogicalResult
HGQDialect::verifyRegionResultAttribute(Operation *op, unsigned, unsigned,
                                        NamedAttribute attribute) {
  return verifyInterfaceAttribute(*this, op, attribute);
}

//===----------------------------------------------------------------------===//
// Enum conversions
//===----------------------------------------------------------------------===//

static_assert(int(RoundingMode::RND_MIN_INF) ==
                  int(fixed::Rounding::RND_MIN_INF),
              "dialect and core rounding enums must agree");
static_assert(int(OverflowMode::SAT_ZERO) == int(fixed::Overflow::SAT_ZERO),
              "dialect and core overflow enums must agree");

fixed::Rounding hgq::toFixed(RoundingMode mode) {
  return fixed::Rounding(static_cast<uint32_t>(mode));
}

fixed::Overflow hgq::toFixed(OverflowMode mode) {
  return fixed::Overflow(static_cast<uint32_t>(mode));
}

fixed::Rounding hgq::inferenceRounding(RoundingStrategy strategy,
                                       bool biasAbsorbsRounding) {
  switch (strategy) {
  case RoundingStrategy::floor:
    return fixed::Rounding::TRN;
  case RoundingStrategy::auto_:
    return biasAbsorbsRounding ? fixed::Rounding::RND : fixed::Rounding::TRN;
  default:
    return fixed::Rounding::RND;
  }
}

//===----------------------------------------------------------------------===//
// Bit arrays
//===----------------------------------------------------------------------===//

DenseIntElementsAttr hgq::makeBitsArray(MLIRContext *context, int8_t value) {
  auto type = RankedTensorType::get({}, IntegerType::get(context, 8));
  return DenseIntElementsAttr::get(type, llvm::ArrayRef<int8_t>(value));
}

FailureOr<DenseIntElementsAttr> hgq::parseBitsArray(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  int64_t value = 0;
  OptionalParseResult integer = parser.parseOptionalInteger(value);
  if (integer.has_value()) {
    if (failed(*integer))
      return failure();
    if (value < -128 || value > 127)
      return parser.emitError(loc, "bit count ")
             << value << " does not fit in i8";
    return makeBitsArray(parser.getContext(), int8_t(value));
  }
  Attribute attribute;
  if (parser.parseAttribute(attribute))
    return failure();
  // The element type is checked by the attribute verifiers, which also guard
  // attributes built in C++.
  auto dense = dyn_cast<DenseIntElementsAttr>(attribute);
  if (!dense)
    return parser.emitError(loc, "expected an integer or a dense i8 array of "
                                 "bit counts, e.g. dense<[2, 3]> : "
                                 "tensor<2xi8>");
  return dense;
}

void hgq::printBitsArray(AsmPrinter &printer, DenseIntElementsAttr bits) {
  if (bits.getType().getRank() == 0) {
    printer << int64_t(*bits.getValues<int8_t>().begin());
    return;
  }
  printer.printAttribute(bits);
}

//===----------------------------------------------------------------------===//
// Broadcasting
//===----------------------------------------------------------------------===//

/// NumPy broadcast of two static shapes, or nullopt if incompatible.
static std::optional<SmallVector<int64_t>>
broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> shape(rank, 1);
  for (size_t index = 0; index < rank; ++index) {
    int64_t left =
        index < rank - lhs.size() ? 1 : lhs[index - (rank - lhs.size())];
    int64_t right =
        index < rank - rhs.size() ? 1 : rhs[index - (rank - rhs.size())];
    if (left != right && left != 1 && right != 1)
      return std::nullopt;
    shape[index] = left == 1 ? right : left;
  }
  return shape;
}

bool hgq::isBroadcastableTo(ArrayRef<int64_t> bits, ArrayRef<int64_t> shape) {
  if (bits.size() > shape.size())
    return false;
  size_t offset = shape.size() - bits.size();
  for (size_t index = 0; index < bits.size(); ++index) {
    int64_t target = shape[offset + index];
    if (bits[index] != 1 && !ShapedType::isDynamic(target) &&
        bits[index] != target)
      return false;
  }
  return true;
}

/// The values of `bits` broadcast to the static `shape`, row-major.
static SmallVector<int> broadcastBits(DenseIntElementsAttr bits,
                                      ArrayRef<int64_t> shape) {
  int64_t count = ShapedType::getNumElements(shape);
  if (bits.isSplat())
    return SmallVector<int>(count, int(bits.getSplatValue<int8_t>()));
  SmallVector<int8_t> values(bits.getValues<int8_t>());
  std::vector<int64_t> sources =
      broadcastSources(bits.getType().getShape(), shape);
  SmallVector<int> out(count);
  for (int64_t flat = 0; flat < count; ++flat)
    out[flat] = values[sources[flat]];
  return out;
}

static SmallVector<fixed::Format> expandBits(DenseIntElementsAttr k,
                                             DenseIntElementsAttr i,
                                             DenseIntElementsAttr f,
                                             ArrayRef<int64_t> shape) {
  SmallVector<int> keep = broadcastBits(k, shape);
  SmallVector<int> integer = broadcastBits(i, shape);
  SmallVector<int> fractional = broadcastBits(f, shape);
  SmallVector<fixed::Format> formats(keep.size());
  for (size_t index = 0; index < keep.size(); ++index)
    formats[index] =
        fixed::Format{keep[index], integer[index], fractional[index]};
  return formats;
}

SmallVector<fixed::Format> hgq::expandFormats(FixedAttr format,
                                              ArrayRef<int64_t> shape) {
  return expandBits(format.getK(), format.getI(), format.getF(), shape);
}

SmallVector<fixed::Format> hgq::expandFormats(QuantizerAttr quantizer,
                                              ArrayRef<int64_t> shape) {
  assert(quantizer.isTraced() && "integer bits are known only once traced");
  return expandBits(quantizer.getK(), quantizer.getI(), quantizer.getF(),
                    shape);
}

SmallVector<int> hgq::expandFractionalBits(QuantizerAttr quantizer,
                                           ArrayRef<int64_t> shape) {
  return broadcastBits(quantizer.getF(), shape);
}

FixedAttr hgq::kbiFormat(MLIRContext *context, DenseIntElementsAttr keep,
                         DenseIntElementsAttr bits,
                         DenseIntElementsAttr integers, RoundingMode rounding,
                         OverflowMode overflow,
                         function_ref<InFlightDiagnostic()> emitError) {
  std::optional<SmallVector<int64_t>> shape =
      broadcastShapes(keep.getType().getShape(), bits.getType().getShape());
  if (shape)
    shape = broadcastShapes(*shape, integers.getType().getShape());
  if (!shape) {
    emitError() << "keep_negative, bits and integers do not broadcast "
                   "against each other";
    return nullptr;
  }
  SmallVector<int> k = broadcastBits(keep, *shape);
  SmallVector<int> w = broadcastBits(bits, *shape);
  SmallVector<int> integer = broadcastBits(integers, *shape);
  SmallVector<int8_t> i, f;
  for (size_t index = 0; index < k.size(); ++index) {
    int iValue = integer[index] - k[index], fValue = w[index] - integer[index];
    if ((k[index] != 0 && k[index] != 1) || w[index] < 0 || iValue < INT8_MIN ||
        iValue > INT8_MAX || fValue < INT8_MIN || fValue > INT8_MAX) {
      emitError() << "element " << index << " has keep_negative " << k[index]
                  << ", bits " << w[index] << ", integers " << integer[index]
                  << " (keep_negative is 0 or 1, bits 0..127)";
      return nullptr;
    }
    i.push_back(int8_t(iValue));
    f.push_back(int8_t(fValue));
  }
  auto type = RankedTensorType::get(*shape, IntegerType::get(context, 8));
  auto kAttr =
      DenseIntElementsAttr::get(type, SmallVector<int8_t>(k.begin(), k.end()));
  auto iAttr = DenseIntElementsAttr::get(type, ArrayRef<int8_t>(i));
  auto fAttr = DenseIntElementsAttr::get(type, ArrayRef<int8_t>(f));
  if (!FixedAttr::getChecked(emitError, context, kAttr, iAttr, fAttr, rounding,
                             overflow))
    return nullptr;
  return canonicalFixed(context, kAttr, iAttr, fAttr, rounding, overflow);
}

/// The widest format an element may have (k + i + f).
static constexpr int kMaxFormatWidth = 127;

/// Checks that named bit arrays broadcast together, that keep_negative holds
/// only 0/1 and that every element's width is in [0, 127]. Returns the
/// common shape.
static FailureOr<SmallVector<int64_t>>
verifyBitArrays(function_ref<InFlightDiagnostic()> emitError,
                DenseIntElementsAttr keep, DenseIntElementsAttr integer,
                DenseIntElementsAttr fractional) {
  for (auto [name, bits] :
       {std::pair<const char *, DenseIntElementsAttr>{"k", keep},
        {"i", integer},
        {"f", fractional}})
    if (!bits.getElementType().isInteger(8))
      return emitError() << "bit array '" << name << "' must hold i8 values";
  std::optional<SmallVector<int64_t>> shape =
      broadcastShapes(keep.getType().getShape(), integer.getType().getShape());
  if (shape)
    shape = broadcastShapes(*shape, fractional.getType().getShape());
  if (!shape)
    return emitError() << "bit arrays k "
                       << shapeString(keep.getType().getShape()) << ", i "
                       << shapeString(integer.getType().getShape()) << " and f "
                       << shapeString(fractional.getType().getShape())
                       << " do not broadcast against each other";
  for (int8_t value : keep.getValues<int8_t>())
    if (value != 0 && value != 1)
      return emitError() << "keep_negative must be 0 or 1, got " << int(value);
  SmallVector<int> k = broadcastBits(keep, *shape);
  SmallVector<int> i = broadcastBits(integer, *shape);
  SmallVector<int> f = broadcastBits(fractional, *shape);
  // The numeric core holds values in 128-bit integers; the importers refuse
  // wider formats too, so nothing is ever rounded to fit.
  for (size_t index = 0; index < k.size(); ++index) {
    int width = k[index] + i[index] + f[index];
    if (width >= 0 && width <= kMaxFormatWidth)
      continue;
    InFlightDiagnostic diagnostic = emitError();
    diagnostic << "element " << index << " has "
               << (width < 0 ? "negative width " : "width ") << width
               << " (k = " << k[index] << ", i = " << i[index]
               << ", f = " << f[index] << ")";
    if (width > kMaxFormatWidth)
      diagnostic << "; at most " << kMaxFormatWidth << " bits are supported";
    return diagnostic;
  }
  return *shape;
}

//===----------------------------------------------------------------------===//
// #hgq.fixed
//===----------------------------------------------------------------------===//

LogicalResult FixedAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                DenseIntElementsAttr k, DenseIntElementsAttr i,
                                DenseIntElementsAttr f, RoundingMode,
                                OverflowMode) {
  return verifyBitArrays(emitError, k, i, f);
}

SmallVector<int64_t> FixedAttr::getBitsShape() const {
  auto shape =
      broadcastShapes(getK().getType().getShape(), getI().getType().getShape());
  return *broadcastShapes(*shape, getF().getType().getShape());
}

bool FixedAttr::isUniform() const {
  return getK().isSplat() && getI().isSplat() && getF().isSplat();
}

//===----------------------------------------------------------------------===//
// #hgq.quantizer
//===----------------------------------------------------------------------===//

LogicalResult
QuantizerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      DenseIntElementsAttr f, RoundingStrategy, int32_t clipMin,
                      int32_t clipMax, DenseIntElementsAttr k,
                      DenseIntElementsAttr i) {
  if (!f.getElementType().isInteger(8))
    return emitError() << "bit array 'f' must hold i8 values";
  if (clipMin > clipMax)
    return emitError() << "bw_clip_min " << clipMin
                       << " is larger than bw_clip_max " << clipMax;
  for (int8_t value : f.getValues<int8_t>())
    if (value < clipMin || value > clipMax)
      return emitError() << "fractional bits " << int(value)
                         << " lie outside bw_clip [" << clipMin << ", "
                         << clipMax << "]";
  if (bool(k) != bool(i))
    return emitError() << "a traced quantizer needs both k and i";
  if (k && failed(verifyBitArrays(emitError, k, i, f)))
    return failure();
  return success();
}

SmallVector<int64_t> QuantizerAttr::getBitsShape() const {
  SmallVector<int64_t> shape(getF().getType().getShape());
  if (isTraced()) {
    shape = *broadcastShapes(shape, getK().getType().getShape());
    shape = *broadcastShapes(shape, getI().getType().getShape());
  }
  return shape;
}
