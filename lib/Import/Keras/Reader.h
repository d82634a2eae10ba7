//===- Reader.h - The Keras HDF5 reader (internal) --------------*- C++ -*-===//
//
// One reader for both kinds of Keras files HGQ writes: proxy models
// (FixedPointQuantizer, UnaryLUT and plain Keras layers, proxy level) and
// trained layer-level models (HDense, HConv, HQuantize, ... with their
// learned bit widths). Each class is one entry of the rule table
// (KerasImporter.cpp); the HGQ layer classes are built in HgqLayers.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_LIB_IMPORT_KERAS_READER_H
#define HGQ_LIB_IMPORT_KERAS_READER_H

#include "Hdf5File.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Import/GraphBuilder.h"

#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hgq::keras_import {

/// One layer of the model config.
struct Layer {
  /// The layer's name, prefixed with the names of the models it is nested
  /// in ("inner/dense"): unique in the flattened graph.
  std::string name;
  std::string className; ///< without a "package>" prefix
  const llvm::json::Object *config = nullptr;
  std::vector<std::string> inputs; ///< Functional models, prefixed
  /// The HDF5 group that holds its weights (the weights' names end in
  /// "kernel:0" etc.).
  std::string weights;
};

class Reader {
public:
  Reader(mlir::MLIRContext *context, llvm::StringRef path, const Hdf5File &file)
      : graph(context, path), context(context), builder(graph.builder),
        path(path.str()), file(file) {}
  mlir::OwningOpRef<mlir::ModuleOp> read();

private:
  mlir::InFlightDiagnostic error(const std::string &layer) {
    return graph.error(layer);
  }
  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> features) {
    return graph.batchTensor(features);
  }
  mlir::Location loc(const std::string &name) {
    return mlir::NameLoc::get(mlir::StringAttr::get(context, name));
  }

  /// `value` (an entry of a model's "layers") inside the model whose layer
  /// names are prefixed with `prefix` and whose weights live under
  /// `weightRoot` ("" for the outermost model).
  mlir::FailureOr<Layer> parseLayer(const llvm::json::Value &value,
                                    bool functional, const std::string &prefix,
                                    const std::string &weightRoot);
  /// Builds the model `root` (class_name and config). The outermost model
  /// (no `inputs`) makes the function's arguments from its input layers; a
  /// nested one binds its input layers to `inputs`. Returns its outputs.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  buildModel(const llvm::json::Object &root, const std::string &prefix,
             const std::string &weightRoot, llvm::ArrayRef<mlir::Value> inputs,
             std::vector<Layer> &all);
  mlir::FailureOr<std::vector<int64_t>> inputShape(const Layer &layer);
  mlir::FailureOr<std::vector<int64_t>>
  ints(const Layer &layer, llvm::StringRef key, size_t count, bool required);
  mlir::FailureOr<std::string> padding(const Layer &layer);
  mlir::LogicalResult channelsLast(const Layer &layer);
  /// The weight `name` ("kernel" finds "kernel:0" or "kernel"), or nullopt
  /// when the layer has none; failure after a diagnostic.
  mlir::FailureOr<std::optional<Array<float>>> weight(const Layer &layer,
                                                      llvm::StringRef name);
  mlir::FailureOr<Array<float>> requiredWeight(const Layer &layer,
                                               llvm::StringRef name);
  mlir::FailureOr<mlir::DenseElementsAttr>
  floats(const Layer &layer, llvm::StringRef name,
         llvm::ArrayRef<int64_t> expected);
  /// `kernel:0` of `kernelShape`, and `bias:0` (one per output, the last
  /// kernel dimension) unless the config says use_bias: false.
  mlir::LogicalResult kernelAndBias(const Layer &layer,
                                    llvm::ArrayRef<int64_t> kernelShape,
                                    mlir::DenseElementsAttr &kernel,
                                    mlir::ElementsAttr &bias);
  /// An error naming the layer when its window does not fit the input.
  mlir::LogicalResult checkWindow(const Layer &layer, mlir::Value input,
                                  llvm::ArrayRef<int64_t> window,
                                  llvm::ArrayRef<int64_t> strides,
                                  llvm::ArrayRef<int64_t> dilations,
                                  llvm::ArrayRef<int64_t> pads);

  mlir::FailureOr<mlir::Value> build(const Layer &layer,
                                     llvm::ArrayRef<mlir::Value> inputs,
                                     std::vector<Layer> &all);
  mlir::FailureOr<mlir::Value> quantizer(const Layer &layer, mlir::Value input);
  /// A dense (`spatial` = 0) or convolution layer with its kernel and bias,
  /// without its activation; HGQ's fused BatchNorm layers (`batchNorm`)
  /// fold their normalization into both first.
  mlir::FailureOr<LayerOpInterface> linear(const Layer &layer,
                                           mlir::Value input, int64_t spatial,
                                           bool batchNorm);
  mlir::FailureOr<mlir::Value> dense(const Layer &layer, mlir::Value input);
  mlir::FailureOr<mlir::Value> conv(const Layer &layer, mlir::Value input,
                                    int64_t spatial);
  mlir::FailureOr<mlir::Value> pool(const Layer &layer, mlir::Value input,
                                    int64_t spatial, bool average);
  mlir::FailureOr<mlir::Value> activation(const Layer &layer, mlir::Value input,
                                          llvm::StringRef function,
                                          mlir::Location loc);
  mlir::FailureOr<mlir::Value> unaryLut(const Layer &layer, mlir::Value input);
  mlir::FailureOr<mlir::Value> reshape(const Layer &layer, mlir::Value input);
  mlir::FailureOr<mlir::Value> permute(const Layer &layer, mlir::Value input);
  mlir::FailureOr<mlir::Value> add(const Layer &layer,
                                   llvm::ArrayRef<mlir::Value> inputs);
  mlir::FailureOr<mlir::Value> concatenate(const Layer &layer,
                                           llvm::ArrayRef<mlir::Value> inputs);

  // HGQ's layer-level classes (HgqLayers.cpp).
  /// The HGQ quantizer of `conf` ("kq_conf" or "paq_conf") with the learned
  /// fractional bits of weight `bitsName` ("kernel_bw", "activation_bw"),
  /// whose shape must broadcast against `target` (the kernel's shape, or
  /// the activation's with a leading batch axis of one).
  mlir::FailureOr<QuantizerAttr> hgqQuantizer(const Layer &layer,
                                              llvm::StringRef conf,
                                              llvm::StringRef bitsName,
                                              llvm::ArrayRef<int64_t> target,
                                              bool kernel);
  /// HGQ's BatchNorm fusion (semantics.md 4.2) in float32, as HGQ does it:
  /// the kernel times s, and the bias b - mean*s + beta when the layer has
  /// a bias and a shift (bn_beta).
  mlir::LogicalResult foldBatchNorm(const Layer &layer,
                                    mlir::DenseElementsAttr &kernel,
                                    mlir::ElementsAttr &bias);
  mlir::FailureOr<mlir::Value> hgqLinear(const Layer &layer, mlir::Value input,
                                         int64_t spatial, bool batchNorm);
  /// HQuantize, HActivation (after `function`) and HAdd: a quantize op with
  /// the layer's pre-activation quantizer.
  mlir::FailureOr<mlir::Value> hgqQuantize(const Layer &layer,
                                           mlir::Value input);
  mlir::FailureOr<mlir::Value> hgqActivation(const Layer &layer,
                                             mlir::Value input);
  mlir::FailureOr<mlir::Value> signature(const Layer &layer, mlir::Value input);

  /// How one Keras class becomes IR.
  struct Rule {
    llvm::StringLiteral className;
    bool merge; ///< two or more inputs (else exactly one)
    mlir::FailureOr<mlir::Value> (*build)(Reader &, const Layer &,
                                          llvm::ArrayRef<mlir::Value>);
  };
  static const std::vector<Rule> &rules();
  mlir::LogicalResult applyOverrides(const std::vector<Layer> &layers);

  GraphBuilder graph;
  mlir::MLIRContext *context;
  mlir::OpBuilder &builder;
  std::string path;
  const Hdf5File &file;
  /// Per weight group: its datasets by name ("kernel:0") to their paths.
  std::map<std::string, std::map<std::string, std::string>> datasets;
  /// Owns the configs of nested models parsed from strings.
  std::vector<std::unique_ptr<llvm::json::Value>> documents;
};

/// "(1, 2)": a shape as Python prints it.
std::string shapeText(llvm::ArrayRef<int64_t> shape);

/// True when `shape` is `target` with some dimensions set to 1: how HGQ
/// stores an array shared along those dimensions.
inline bool sharesDimensionsOf(llvm::ArrayRef<int64_t> shape,
                               llvm::ArrayRef<int64_t> target) {
  if (shape.size() != target.size())
    return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != target[d] && shape[d] != 1)
      return false;
  return true;
}

} // namespace hgq::keras_import

#endif // HGQ_LIB_IMPORT_KERAS_READER_H
