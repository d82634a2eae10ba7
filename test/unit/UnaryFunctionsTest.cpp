//===- UnaryFunctionsTest.cpp - The named activation table ----------------===//

#include "hgq/Fixed/UnaryFunctions.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hgq::fixed;

namespace {

TEST(UnaryFunctions, TableIsInEnumOrderAndNamesAreUnique) {
  const auto &all = allUnaryFunctions();
  for (size_t index = 0; index < all.size(); ++index) {
    EXPECT_EQ(size_t(all[index].function), index);
    EXPECT_EQ(&unaryFunctionInfo(all[index].function), &all[index]);
    EXPECT_EQ(lookupUnaryFunction(all[index].name), &all[index]);
  }
  EXPECT_EQ(lookupUnaryFunction("not_a_function"), nullptr);
  EXPECT_FALSE(lookupUnaryFunction("softmax")->elementwise);
  EXPECT_TRUE(lookupUnaryFunction("tanh")->elementwise);
}

TEST(UnaryFunctions, Values) {
  UnaryParams none;
  EXPECT_EQ(evaluateUnary(UnaryFunction::Relu, -1.5f, none), 0.0f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Relu, 1.5f, none), 1.5f);
  const UnaryParams &leaky = lookupUnaryFunction("leaky_relu")->defaults;
  EXPECT_FLOAT_EQ(evaluateUnary(UnaryFunction::LeakyRelu, -2.0f, leaky),
                  -0.02f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Sigmoid, 0.0f, none), 0.5f);
  const UnaryParams &hard = lookupUnaryFunction("hard_sigmoid")->defaults;
  EXPECT_FLOAT_EQ(evaluateUnary(UnaryFunction::HardSigmoid, 1.0f, hard), 0.7f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::HardSigmoid, 10.0f, hard), 1.0f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Round, 2.5f, none), 2.0f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Round, -0.5f, none), -0.0f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Sign, -3.0f, none), -1.0f);
  EXPECT_FLOAT_EQ(evaluateUnary(UnaryFunction::Softplus, 0.0f, none),
                  std::log(2.0f));
  EXPECT_FLOAT_EQ(evaluateUnary(UnaryFunction::Elu, -1.0f,
                                lookupUnaryFunction("elu")->defaults),
                  std::exp(-1.0f) - 1.0f);
  EXPECT_EQ(evaluateUnary(UnaryFunction::Tanh, 0.0f, none), 0.0f);
}

} // namespace
