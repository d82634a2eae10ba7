//===- GraphBuilder.h - What the model readers share ------------*- C++ -*-===//
//
// The Keras and hls4ml readers build the same thing: one module with one
// function whose arguments are the model's inputs, ops appended in order,
// a name -> value table for the layers, errors that name the file and the
// layer, and a verification at the end. GraphBuilder holds that part, so a
// reader only says how each of its layer classes becomes ops.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_GRAPHBUILDER_H
#define HGQ_IMPORT_GRAPHBUILDER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hgq {

class GraphBuilder {
public:
  /// `path` names the file in every diagnostic.
  GraphBuilder(mlir::MLIRContext *context, llvm::StringRef path);

  /// An error "PATH: layer 'LAYER': ..." (no layer part when empty).
  mlir::InFlightDiagnostic error(llvm::StringRef layer) const;
  /// The location of a layer (its name).
  mlir::Location loc(llvm::StringRef name) const;
  /// A float32 tensor with a dynamic batch and `features` after it.
  mlir::RankedTensorType batchTensor(llvm::ArrayRef<int64_t> features) const;

  /// Starts the module and its function `functionName` (located at
  /// `functionLoc`) with one argument per input (name, type); the inputs
  /// become values of the table, and ops are appended to the function.
  mlir::func::FuncOp
  begin(llvm::StringRef functionName, mlir::Location functionLoc,
        llvm::ArrayRef<std::pair<std::string, mlir::Type>> inputs);
  /// The value of a layer, or nullopt.
  std::optional<mlir::Value> lookup(llvm::StringRef name) const;
  bool contains(llvm::StringRef name) const { return lookup(name).has_value(); }
  /// Records a layer's value; false (nothing recorded) when the name is taken.
  bool define(llvm::StringRef name, mlir::Value value);
  /// Returns `results` (at `loc`) and sets the function type; result
  /// attributes can be set after this.
  void setResults(mlir::ValueRange results, mlir::Location loc);
  /// The module being built (valid between begin and finish).
  mlir::ModuleOp getModule() { return *module; }
  /// The verified module: null after a diagnostic.
  mlir::OwningOpRef<mlir::ModuleOp> finish();

  mlir::MLIRContext *context;
  mlir::OpBuilder builder;
  std::string path;
  mlir::func::FuncOp function;

private:
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::map<std::string, mlir::Value, std::less<>> values;
};

} // namespace hgq

#endif // HGQ_IMPORT_GRAPHBUILDER_H
