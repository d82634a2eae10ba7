//===- FormatReport.cpp - JSON report of every quantization point ---------===//
//
// A read-only look at where a model quantizes and how wide it is: one JSON
// record per quantization point with width statistics and the per-tensor type
// hls4ml would collapse it to. Emitters never change the IR.
//
//===----------------------------------------------------------------------===//

#include "hgq/Target/FormatReport.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Target/Translation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace mlir;
using namespace hgq;

namespace {

/// The op's layer name, else its location as text.
std::string displayName(Operation *op) {
  std::string name = hgq::layerName(op);
  if (!name.empty())
    return name;
  Location loc = op->getLoc();
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().strref() + ":" + Twine(file.getLine()) + ":" +
            Twine(file.getColumn()))
        .str();
  std::string text;
  llvm::raw_string_ostream stream(text);
  loc.print(stream);
  return text;
}

/// The static shape the bits apply to: the feature shape when it is static,
/// else the bits' own broadcast shape.
SmallVector<int64_t> reportShape(ArrayRef<int64_t> target,
                                 ArrayRef<int64_t> bits) {
  if (llvm::none_of(target, ShapedType::isDynamic))
    return SmallVector<int64_t>(target);
  return SmallVector<int64_t>(bits);
}

void writeShape(llvm::json::OStream &json, ArrayRef<int64_t> shape) {
  json.attributeArray("shape", [&] {
    for (int64_t dim : shape)
      json.value(dim);
  });
}

void writeFormatStatistics(llvm::json::OStream &json,
                           ArrayRef<fixed::Format> formats) {
  int64_t dead = 0, total = 0;
  int minWidth = formats.empty() ? 0 : formats.front().width();
  int maxWidth = minWidth;
  for (const fixed::Format &format : formats) {
    dead += format.isDead();
    total += format.width();
    minWidth = std::min(minWidth, format.width());
    maxWidth = std::max(maxWidth, format.width());
  }
  json.attribute("elements", int64_t(formats.size()));
  json.attribute("dead", dead);
  json.attribute("total_bits", total);
  json.attribute("min_width", minWidth);
  json.attribute("max_width", maxWidth);
  fixed::Format collapsed = fixed::collapse(formats.data(), formats.size());
  json.attribute("collapsed",
                 collapsed.isDead() ? std::string("dead") : collapsed.str());
}

void writeFixed(llvm::json::OStream &json, Operation *op, StringRef role,
                FixedAttr format, ArrayRef<int64_t> target) {
  json.object([&] {
    json.attribute("op", op->getName().getStringRef());
    json.attribute("name", displayName(op));
    json.attribute("role", role);
    json.attribute("level", "proxy");
    SmallVector<int64_t> shape = reportShape(target, format.getBitsShape());
    writeShape(json, shape);
    json.attribute("rounding", stringifyRoundingMode(format.getRounding()));
    json.attribute("overflow", stringifyOverflowMode(format.getOverflow()));
    writeFormatStatistics(json, expandFormats(format, shape));
  });
}

void writeQuantizer(llvm::json::OStream &json, Operation *op, StringRef role,
                    QuantizerAttr quantizer, ArrayRef<int64_t> target) {
  if (!quantizer)
    return;
  json.object([&] {
    json.attribute("op", op->getName().getStringRef());
    json.attribute("name", displayName(op));
    json.attribute("role", role);
    json.attribute("level", "layer");
    SmallVector<int64_t> shape = reportShape(target, quantizer.getBitsShape());
    writeShape(json, shape);
    json.attribute("rnd", stringifyRoundingStrategy(quantizer.getRnd()));
    SmallVector<int> fractional = expandFractionalBits(quantizer, shape);
    json.attribute("f_min",
                   *std::min_element(fractional.begin(), fractional.end()));
    json.attribute("f_max",
                   *std::max_element(fractional.begin(), fractional.end()));
    json.attribute("traced", quantizer.isTraced());
    if (quantizer.isTraced())
      writeFormatStatistics(json, expandFormats(quantizer, shape));
  });
}

ArrayRef<int64_t> features(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape().drop_front();
}

ArrayRef<int64_t> constantShape(ElementsAttr attr) {
  return cast<ShapedType>(attr.getType()).getShape();
}

} // namespace

LogicalResult hgq::emitFormatReport(Operation *op, llvm::raw_ostream &os) {
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("schema", "hgq-format-report/1");
    json.attributeArray("points", [&] {
      op->walk([&](Operation *inner) {
        llvm::TypeSwitch<Operation *>(inner)
            .Case([&](QuantizeOp quantize) {
              if (FixedAttr format = quantize.getFormatAttr())
                writeFixed(json, inner, "output", format,
                           features(quantize.getInput()));
              writeQuantizer(json, inner, "output", quantize.getQuantizerAttr(),
                             features(quantize.getInput()));
            })
            .Case([&](SignatureOp signature) {
              writeFixed(json, inner, "input", signature.getFormat(),
                         features(signature.getInput()));
            })
            .Case([&](UnaryLutOp lut) {
              writeFixed(json, inner, "table_index", lut.getInputFormat(),
                         features(lut.getInput()));
            })
            .Case<DenseOp, ConvOp>([&](auto layer) {
              writeQuantizer(json, inner, "kernel",
                             layer.getKernelQuantizerAttr(),
                             constantShape(layer.getKernel()));
              writeQuantizer(json, inner, "output", layer.getQuantizerAttr(),
                             features(layer.getOutput()));
            })
            .Case<ActivationOp, AddOp>([&](auto layer) {
              writeQuantizer(json, inner, "output", layer.getQuantizerAttr(),
                             features(layer.getOutput()));
            });
      });
    });
  });
  os << "\n";
  return success();
}

void hgq::registerFormatReportTranslation() {
  registerModuleEmitter(
      "hgq-format-report",
      "report every quantization point of hgq IR as JSON (widths, dead "
      "elements, per-tensor type)",
      [](ModuleOp module, llvm::raw_ostream &os) {
        return emitFormatReport(module, os);
      });
}
