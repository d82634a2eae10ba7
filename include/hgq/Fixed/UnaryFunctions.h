//===- UnaryFunctions.h - Named activation functions ------------*- C++ -*-===//
//
// The activations the dialect knows by name and their float32 evaluation. The
// executor, the lookup-table lowering and the verifier share this one table so
// that a name means the same function everywhere.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_UNARYFUNCTIONS_H
#define HGQ_FIXED_UNARYFUNCTIONS_H

#include <optional>
#include <string_view>
#include <vector>

namespace hgq::fixed {

enum class UnaryFunction {
  Linear,
  Relu,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Softmax,
  HardSigmoid,
  Elu,
  Selu,
  Softplus,
  Softsign,
  Exp,
  Log,
  Abs,
  Neg,
  Sqrt,
  Reciprocal,
  Sin,
  Cos,
  Tan,
  Asin,
  Acos,
  Atan,
  Sinh,
  Cosh,
  Asinh,
  Acosh,
  Atanh,
  Erf,
  Gelu,
  Silu,
  HardSwish,
  Sign,
  Floor,
  Ceil,
  Round,
  Bipolar,
  Clip,
};

/// Parameters some functions take (ONNX attribute names in parentheses).
struct UnaryParams {
  float alpha = 0.0f; ///< leaky_relu slope, elu/selu alpha, hard_sigmoid slope
  float beta = 0.0f;  ///< hard_sigmoid offset; clip's upper bound (alpha:
                      ///< its lower bound)
  float gamma = 0.0f; ///< selu scale
};

/// Properties of a named function.
struct UnaryFunctionInfo {
  UnaryFunction function;
  std::string_view name;
  bool elementwise;     ///< false only for softmax
  bool usesAlpha;       ///< needs `alpha`
  bool usesBeta;        ///< needs `beta`
  bool usesGamma;       ///< needs `gamma`
  UnaryParams defaults; ///< ONNX defaults of the parameters it uses
};

/// Looks a function up by its dialect name (e.g. "leaky_relu").
const UnaryFunctionInfo *lookupUnaryFunction(std::string_view name);
const UnaryFunctionInfo &unaryFunctionInfo(UnaryFunction function);
/// Every known function, in enum order.
const std::vector<UnaryFunctionInfo> &allUnaryFunctions();

/// Evaluates an elementwise function in float32, as the source frameworks do.
/// Softmax is not elementwise and is rejected by the callers before this.
float evaluateUnary(UnaryFunction function, float x, const UnaryParams &params);

} // namespace hgq::fixed

#endif // HGQ_FIXED_UNARYFUNCTIONS_H
