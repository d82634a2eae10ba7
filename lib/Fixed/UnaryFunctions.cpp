//===- UnaryFunctions.cpp - Named activations evaluated in float32 --------===//

#include "hgq/Fixed/UnaryFunctions.h"

#include <cassert>
#include <cmath>
#include <limits>

namespace hgq::fixed {

const std::vector<UnaryFunctionInfo> &allUnaryFunctions() {
  using F = UnaryFunction;
  // name, elementwise, alpha, beta, gamma, ONNX defaults
  static const std::vector<UnaryFunctionInfo> table = {
      {F::Linear, "linear", true, false, false, false, {}},
      {F::Relu, "relu", true, false, false, false, {}},
      {F::LeakyRelu, "leaky_relu", true, true, false, false, {0.01f, 0, 0}},
      {F::Sigmoid, "sigmoid", true, false, false, false, {}},
      {F::Tanh, "tanh", true, false, false, false, {}},
      {F::Softmax, "softmax", false, false, false, false, {}},
      {F::HardSigmoid,
       "hard_sigmoid",
       true,
       true,
       true,
       false,
       {0.2f, 0.5f, 0}},
      {F::Elu, "elu", true, true, false, false, {1.0f, 0, 0}},
      {F::Selu,
       "selu",
       true,
       true,
       false,
       true,
       {1.67326319217681884765625f, 0, 1.05070102214813232421875f}},
      {F::Softplus, "softplus", true, false, false, false, {}},
      {F::Softsign, "softsign", true, false, false, false, {}},
      {F::Exp, "exp", true, false, false, false, {}},
      {F::Log, "log", true, false, false, false, {}},
      {F::Abs, "abs", true, false, false, false, {}},
      {F::Neg, "neg", true, false, false, false, {}},
      {F::Sqrt, "sqrt", true, false, false, false, {}},
      {F::Reciprocal, "reciprocal", true, false, false, false, {}},
      {F::Sin, "sin", true, false, false, false, {}},
      {F::Cos, "cos", true, false, false, false, {}},
      {F::Tan, "tan", true, false, false, false, {}},
      {F::Asin, "asin", true, false, false, false, {}},
      {F::Acos, "acos", true, false, false, false, {}},
      {F::Atan, "atan", true, false, false, false, {}},
      {F::Sinh, "sinh", true, false, false, false, {}},
      {F::Cosh, "cosh", true, false, false, false, {}},
      {F::Asinh, "asinh", true, false, false, false, {}},
      {F::Acosh, "acosh", true, false, false, false, {}},
      {F::Atanh, "atanh", true, false, false, false, {}},
      {F::Erf, "erf", true, false, false, false, {}},
      {F::Gelu, "gelu", true, false, false, false, {}},
      {F::Silu, "silu", true, false, false, false, {}},
      {F::HardSwish, "hard_swish", true, false, false, false, {}},
      {F::Sign, "sign", true, false, false, false, {}},
      {F::Floor, "floor", true, false, false, false, {}},
      {F::Ceil, "ceil", true, false, false, false, {}},
      {F::Round, "round", true, false, false, false, {}},
      {F::Bipolar, "bipolar", true, false, false, false, {}},
      // ONNX Clip without bounds: the float range (lowest, max).
      {F::Clip,
       "clip",
       true,
       true,
       true,
       false,
       {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max(),
        0}},
  };
  return table;
}

const UnaryFunctionInfo *lookupUnaryFunction(std::string_view name) {
  for (const UnaryFunctionInfo &info : allUnaryFunctions())
    if (info.name == name)
      return &info;
  return nullptr;
}

const UnaryFunctionInfo &unaryFunctionInfo(UnaryFunction function) {
  const UnaryFunctionInfo &info = allUnaryFunctions()[size_t(function)];
  assert(info.function == function && "table out of enum order");
  return info;
}

float evaluateUnary(UnaryFunction function, float x, const UnaryParams &p) {
  using F = UnaryFunction;
  switch (function) {
  case F::Linear:
    return x;
  case F::Relu:
    return x > 0.0f ? x : 0.0f;
  case F::LeakyRelu:
    return x >= 0.0f ? x : p.alpha * x;
  case F::Sigmoid:
    return 1.0f / (1.0f + std::exp(-x));
  case F::Tanh:
    return std::tanh(x);
  case F::Softmax:
    return x; // not elementwise: callers reject it before evaluation
  case F::HardSigmoid:
    return std::fmax(0.0f, std::fmin(1.0f, p.alpha * x + p.beta));
  case F::Elu:
    return x >= 0.0f ? x : p.alpha * (std::exp(x) - 1.0f);
  case F::Selu:
    return x > 0.0f ? p.gamma * x : p.gamma * (p.alpha * std::exp(x) - p.alpha);
  case F::Softplus:
    return std::log1p(std::exp(-std::fabs(x))) + std::fmax(x, 0.0f);
  case F::Softsign:
    return x / (1.0f + std::fabs(x));
  case F::Exp:
    return std::exp(x);
  case F::Log:
    return std::log(x);
  case F::Abs:
    return std::fabs(x);
  case F::Neg:
    return -x;
  case F::Sqrt:
    return std::sqrt(x);
  case F::Reciprocal:
    return 1.0f / x;
  case F::Sin:
    return std::sin(x);
  case F::Cos:
    return std::cos(x);
  case F::Tan:
    return std::tan(x);
  case F::Asin:
    return std::asin(x);
  case F::Acos:
    return std::acos(x);
  case F::Atan:
    return std::atan(x);
  case F::Sinh:
    return std::sinh(x);
  case F::Cosh:
    return std::cosh(x);
  case F::Asinh:
    return std::asinh(x);
  case F::Acosh:
    return std::acosh(x);
  case F::Atanh:
    return std::atanh(x);
  case F::Erf:
    return std::erf(x);
  case F::Gelu:
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  case F::Silu:
    return x / (1.0f + std::exp(-x));
  case F::HardSwish:
    return x * std::fmax(0.0f, std::fmin(1.0f, x / 6.0f + 0.5f));
  case F::Sign:
    return float((x > 0.0f) - (x < 0.0f));
  case F::Floor:
    return std::floor(x);
  case F::Ceil:
    return std::ceil(x);
  case F::Round:
    return std::nearbyint(x); // ONNX Round: ties to even
  case F::Bipolar:
    return x >= 0.0f ? 1.0f : -1.0f; // QONNX BipolarQuant
  case F::Clip:
    return x < p.alpha ? p.alpha : x > p.beta ? p.beta : x; // ONNX Clip
  }
  return x;
}

} // namespace hgq::fixed
