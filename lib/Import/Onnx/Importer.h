//===- Importer.h - ONNX graph to hgq dialect (private) ---------*- C++ -*-===//
//
// The state of one graph import, shared by the handler files. Activations
// carry their layout: the dialect is channels-last, ONNX is channels-first,
// and a Transpose node only relabels which physical dimension holds which
// logical (ONNX) dimension. Data moves only where an op needs it.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_LIB_IMPORT_ONNX_IMPORTER_H
#define HGQ_LIB_IMPORT_ONNX_IMPORTER_H

#include "hgq/Dialect/HGQ.h"
#include "hgq/Import/GraphBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "onnx/onnx_pb.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hgq::onnx_import {

/// A constant tensor (initializer, Constant node, or the result of ops folded
/// on constants), values exact in double.
struct ConstTensor {
  std::vector<int64_t> shape;
  std::vector<double> values;
  int32_t type = onnx::TensorProto::FLOAT;
  /// An hgq.Quantizer applied to this constant: it becomes the kernel
  /// quantizer of the layer that uses the constant. Bits in ONNX layout.
  struct Quantizer {
    std::vector<int64_t> bitsShape;
    std::vector<int64_t> bits;
    RoundingStrategy rnd = RoundingStrategy::standard_round;
  };
  std::optional<Quantizer> quantizer;
  /// Set for a shape computed from an activation (ConstantFolding.cpp):
  /// which entries hold the batch size, which stays symbolic.
  std::vector<bool> batch;

  int64_t size() const;
  bool isInteger() const;
};

/// Where a flattened activation came from: its physical shape before the
/// flatten (no batch) and that shape's layout.
struct FlattenInfo {
  std::vector<int64_t> physicalShape;
  std::vector<int64_t> physicalOf;
};

/// An activation: a dialect value and how its physical dimensions map to
/// the ONNX (logical) ones: logical[d] = physical[physicalOf[d]].
struct Activation {
  mlir::Value value;
  std::vector<int64_t> physicalOf;
  std::optional<FlattenInfo> flatten; ///< rank 2, features in physical order
  FixedAttr uniformFormat;            ///< set by a uniform proxy quantizer
  /// Zero padding of a Pad node still to be folded into the Conv that reads
  /// it: begins then ends of the logical spatial dimensions.
  std::vector<int64_t> pendingPads;
  int64_t rank() const { return int64_t(physicalOf.size()); }
};

class Importer {
public:
  Importer(mlir::MLIRContext *context, const onnx::ModelProto &model,
           std::string modelPath);
  mlir::OwningOpRef<mlir::ModuleOp> run();

  //--- used by the handlers ------------------------------------------------//
  /// The module, its function and the final verification (shared with the
  /// other readers); `builder` is its builder.
  GraphBuilder graphBuilder;
  mlir::MLIRContext *context;
  mlir::OpBuilder &builder;
  const onnx::ModelProto &model;
  std::string modelPath;

  int opset(const std::string &domain) const;
  mlir::Location locationOf(const onnx::NodeProto &node) const;
  /// An error naming the node, its op type and domain.
  mlir::InFlightDiagnostic nodeError(const onnx::NodeProto &node) const;
  void nodeWarning(const onnx::NodeProto &node,
                   const llvm::Twine &message) const;

  bool hasInput(const onnx::NodeProto &node, int index) const;
  bool isConstant(const std::string &name) const;
  mlir::FailureOr<Activation> activation(const onnx::NodeProto &node,
                                         int index);
  mlir::FailureOr<const ConstTensor *> constant(const onnx::NodeProto &node,
                                                int index);
  void setActivation(const std::string &name, Activation activation);
  /// Records `name` as `value`, an elementwise result of `like`: the same
  /// layout and flatten bookkeeping; `uniform` is the one format covering
  /// it, when there is one.
  void setElementwise(const std::string &name, const Activation &like,
                      mlir::Value value, FixedAttr uniform = nullptr);
  void setConstant(const std::string &name, ConstTensor constant);
  /// Another node reads `name` (Dropout masks, fused biases).
  bool isUsedElsewhere(const std::string &name,
                       const onnx::NodeProto &except) const;

  // Attributes.
  const onnx::AttributeProto *attribute(const onnx::NodeProto &node,
                                        const std::string &name) const;
  int64_t intAttr(const onnx::NodeProto &node, const std::string &name,
                  int64_t fallback) const;
  float floatAttr(const onnx::NodeProto &node, const std::string &name,
                  float fallback) const;
  std::string stringAttr(const onnx::NodeProto &node, const std::string &name,
                         const std::string &fallback) const;
  std::vector<int64_t> intsAttr(const onnx::NodeProto &node,
                                const std::string &name) const;

  // Layouts.
  static std::vector<int64_t> identity(int64_t rank);
  static std::vector<int64_t> channelsLast(int64_t rank);
  std::vector<int64_t> logicalShape(const Activation &activation) const;
  /// Moves data so that the activation has `physicalOf` (emits a transpose,
  /// or undoes a flatten, when needed).
  Activation relayout(const Activation &activation,
                      const std::vector<int64_t> &physicalOf,
                      mlir::Location loc);
  Activation toLogical(const Activation &activation, mlir::Location loc);
  /// For each physical feature index of a flattened activation, the logical
  /// feature index it holds.
  static std::vector<int64_t> flattenedOrder(const FlattenInfo &flatten);

  /// An HGQ quantizer attribute from an ONNX bits tensor broadcast against
  /// `activation` (without batch), moved into the physical layout.
  mlir::FailureOr<mlir::DenseIntElementsAttr>
  physicalBits(const onnx::NodeProto &node, const ConstTensor &bits,
               const Activation &activation);
  /// Bits for a constant of ONNX shape `constantShape` after it is
  /// rearranged with `permutation` (result dim i = ONNX dim permutation[i]).
  mlir::FailureOr<mlir::DenseIntElementsAttr>
  permutedConstantBits(const onnx::NodeProto &node,
                       const ConstTensor::Quantizer &quantizer,
                       const std::vector<int64_t> &constantShape,
                       const std::vector<int64_t> &permutation);

  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape) const;
  mlir::DenseElementsAttr floatElements(llvm::ArrayRef<int64_t> shape,
                                        llvm::ArrayRef<double> values) const;
  mlir::DenseIntElementsAttr bitsElements(llvm::ArrayRef<int64_t> shape,
                                          llvm::ArrayRef<int64_t> values) const;

  /// Nodes already consumed by an earlier handler (a QDQ pair, a fused Add).
  std::set<const onnx::NodeProto *> consumed;
  std::map<std::string, int64_t> parallelFactors; ///< from metadata_props
  /// Every graph input declares a batch of exactly 1 (keras2onnx): the
  /// batch is still symbolic in the IR, and an axis-0 Flatten is the usual
  /// flatten.
  bool fixedBatchOfOne = false;

private:
  mlir::LogicalResult importGraph();
  void warnUnusedMetadata();
  mlir::LogicalResult restoreAttributes(mlir::ModuleOp module);
  std::set<std::string> spatialInputs() const;

  std::map<std::string, int> opsets;
  std::map<std::string, Activation> activations;
  std::map<std::string, ConstTensor> constants;
  std::multimap<std::string, const onnx::NodeProto *> readers;
};

/// Reads a TensorProto's values (external data is read by loadModel()).
bool decodeTensor(const onnx::TensorProto &tensor, ConstTensor &out,
                  std::string &error);

/// Evaluates a node whose inputs are all constants (or `Shape` of an
/// activation) into constants, exactly; nullopt when the node is not one the
/// evaluator folds (ConstantFolding.cpp).
std::optional<mlir::LogicalResult>
foldConstantNode(Importer &importer, const onnx::NodeProto &node);

using Handler = mlir::LogicalResult (*)(Importer &, const onnx::NodeProto &);
/// Every handler, keyed by "normalized domain|op type".
const std::map<std::string, Handler> &handlerTable();
/// The handler of (normalized domain, op type), or null.
Handler lookupHandler(const std::string &domain, const std::string &opType);
/// "" for the ONNX domain, "qonnx" for the QONNX aliases, else the domain.
std::string normalizeDomain(const std::string &domain);

// Handler registration, one table per file.
void registerStandardHandlers(std::map<std::string, Handler> &table);
void registerQuantizationHandlers(std::map<std::string, Handler> &table);

} // namespace hgq::onnx_import

#endif // HGQ_LIB_IMPORT_ONNX_IMPORTER_H
