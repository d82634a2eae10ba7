//===- HGQ.h - The hgq dialect, its attributes and ops ----------*- C++ -*-===//

#ifndef HGQ_DIALECT_HGQ_H
#define HGQ_DIALECT_HGQ_H

#include "hgq/Fixed/Fixed.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/hgq/HGQDialect.h.inc"
#include "dialects/hgq/HGQEnums.h.inc"

namespace hgq {
/// Parses a per-element bit array: a plain integer (one value for the whole
/// tensor, stored as a rank-0 i8 array) or a dense integer elements attribute.
mlir::FailureOr<mlir::DenseIntElementsAttr>
parseBitsArray(mlir::AsmParser &parser);
void printBitsArray(mlir::AsmPrinter &printer, mlir::DenseIntElementsAttr bits);
/// A rank-0 i8 array holding `value`.
mlir::DenseIntElementsAttr makeBitsArray(mlir::MLIRContext *context,
                                         int8_t value);
} // namespace hgq

#define GET_ATTRDEF_CLASSES
#include "dialects/hgq/HGQAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/hgq/HGQOps.h.inc"

namespace hgq {

/// Conversions between the dialect's enums and the numeric core's.
fixed::Rounding toFixed(RoundingMode mode);
fixed::Overflow toFixed(OverflowMode mode);
/// The inference-time rounding of a strategy; `auto` resolves to RND when
/// `biasAbsorbsRounding`, else TRN.
fixed::Rounding inferenceRounding(RoundingStrategy strategy,
                                  bool biasAbsorbsRounding);

/// NumPy broadcast of `bits` (aligned on the last dimension) to `shape`;
/// dynamic target dimensions accept any size.
bool isBroadcastableTo(llvm::ArrayRef<int64_t> bits,
                       llvm::ArrayRef<int64_t> shape);

/// The format of every element of a static `shape` (row-major), expanding the
/// broadcast k, i, f arrays of `format`.
llvm::SmallVector<fixed::Format> expandFormats(FixedAttr format,
                                               llvm::ArrayRef<int64_t> shape);
/// The same for a traced quantizer (k and i present).
llvm::SmallVector<fixed::Format> expandFormats(QuantizerAttr quantizer,
                                               llvm::ArrayRef<int64_t> shape);
/// The fractional bits of a quantizer broadcast to a static `shape`.
llvm::SmallVector<int> expandFractionalBits(QuantizerAttr quantizer,
                                            llvm::ArrayRef<int64_t> shape);

} // namespace hgq

#endif // HGQ_DIALECT_HGQ_H
