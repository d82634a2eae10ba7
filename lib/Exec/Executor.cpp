//===- Executor.cpp - Compiling hgq IR into kernel steps, and running it --===//
//
// Each op becomes one step: a kernel call with its constants prepared once.
// Fractional bits of exact tensors are known statically, so every
// quantization plan is built before the first sample runs.
//
//===----------------------------------------------------------------------===//

#include "hgq/Exec/Executor.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Kernels.h"
#include "hgq/Fixed/ActivationTables.h"
#include "hgq/Support/Permute.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mlir;

namespace hgq::exec {

Observer::~Observer() = default;

namespace {

struct StepContext {
  Observer *observer;
  std::vector<int64_t> &overflowCounts;
};

using StepFunction = std::function<Status(
    const std::vector<const Tensor *> &inputs, Tensor &out, StepContext &)>;
/// A step reading its one float32 operand in place (a model input).
using FloatsFunction =
    std::function<Status(const float *values, std::vector<int64_t> shape,
                         Tensor &out, StepContext &)>;

/// What the compiler knows of a value: exact or float, and its fractional
/// bits when exact.
struct ValueInfo {
  bool exact = false;
  int64_t frac = 0;
};

/// Formats of a layer-level quantizer: only f matters (it never overflows).
std::vector<fixed::Format> roundOnlyFormats(QuantizerAttr quantizer,
                                            ArrayRef<int64_t> shape) {
  SmallVector<int> fractional = expandFractionalBits(quantizer, shape);
  std::vector<fixed::Format> formats;
  formats.reserve(fractional.size());
  for (int f : fractional)
    formats.push_back(fixed::Format{0, 0, f});
  return formats;
}

/// Exact mantissas of float constants at a common fractional-bit count.
struct ExactConstants {
  std::vector<int64_t> mantissas;
  int64_t frac = 0;
};

/// Exact mantissas of already-quantized constants (doubles hold them
/// exactly), aligned to the largest fractional bits among them.
FailureOr<ExactConstants> exactConstants(Operation *op, StringRef what,
                                         ArrayRef<double> values) {
  std::vector<fixed::Scaled<int64_t>> exact(values.size());
  ExactConstants result;
  for (size_t index = 0; index < values.size(); ++index) {
    std::optional<fixed::Scaled<int64_t>> scaled =
        fixed::exactFromDouble(values[index]);
    if (!scaled)
      return op->emitOpError()
             << what << " value " << index << " is not finite";
    exact[index] = *scaled;
    if (scaled->mantissa != 0)
      result.frac = std::max(result.frac, scaled->fractionalBits);
  }
  result.mantissas.resize(values.size());
  for (size_t index = 0; index < values.size(); ++index) {
    int64_t shift = result.frac - exact[index].fractionalBits;
    fixed::Int128 value = exact[index].mantissa;
    bool fits = value == 0 || shift < 62;
    if (fits && value != 0) {
      value *= fixed::Int128(1) << shift;
      fits =
          value < (fixed::Int128(1) << 62) && value > -(fixed::Int128(1) << 62);
    }
    if (!fits)
      return op->emitOpError()
             << what << " needs more than 62 bits at a common fractional "
             << "bit count of " << result.frac << " (value " << index << " = "
             << values[index] << "); quantize it";
    result.mantissas[index] = int64_t(value);
  }
  return result;
}

} // namespace

struct Executor::Step {
  std::string name;
  std::vector<int> operands;
  int result = -1;
  StepFunction run;
  /// Whether `run` reads exact operands with float-held mantissas; other
  /// steps see them expanded to int64 first.
  bool takesFloatStorage = false;
  /// When set, what the step does with a model input read where it is (no
  /// copy of the work item's rows).
  FloatsFunction runOnFloats;
};

Executor::Executor() = default;
Executor::~Executor() = default;

namespace {

/// Builds the steps of one function.
class Compiler {
public:
  Compiler(std::vector<std::unique_ptr<Executor::Step>> &steps,
           std::vector<QuantizationPoint> &points)
      : steps(steps), points(points) {}

  LogicalResult compile(func::FuncOp function, std::vector<int> &outputSlots,
                        int &slotCount);

private:
  int slotOf(Value value) { return slots.lookup(value); }
  int newSlot(Value value, ValueInfo info) {
    int slot = int(infos.size());
    slots[value] = slot;
    infos.push_back(info);
    return slot;
  }
  ValueInfo &infoOf(Value value) { return infos[slotOf(value)]; }

  void addStep(Operation *op, std::vector<Value> operands, Value result,
               ValueInfo info, StepFunction run,
               bool takesFloatStorage = false) {
    auto step = std::make_unique<Executor::Step>();
    std::string name = hgq::layerName(op);
    step->name = (name.empty() ? std::string("") : name + " ") + "(" +
                 op->getName().getStringRef().str() + ")";
    for (Value operand : operands)
      step->operands.push_back(slotOf(operand));
    step->result = newSlot(result, info);
    step->run = std::move(run);
    step->takesFloatStorage = takesFloatStorage;
    steps.push_back(std::move(step));
  }

  size_t addPoint(Operation *op, bool layerLevel, ArrayRef<int64_t> features,
                  ArrayRef<int64_t> bits) {
    QuantizationPoint point;
    point.name = hgq::layerName(op);
    if (point.name.empty())
      point.name = op->getName().getStringRef().str() + "#" +
                   std::to_string(points.size());
    point.op = op;
    point.layerLevel = layerLevel;
    point.featureShape.assign(features.begin(), features.end());
    point.bitsShape.assign(bits.begin(), bits.end());
    point.featureToBits = broadcastSources(bits, features);
    points.push_back(std::move(point));
    return points.size() - 1;
  }

  FailureOr<std::vector<int64_t>> staticFeatures(Operation *op, Value value) {
    std::vector<int64_t> features = featuresOf(value);
    if (!ShapedType::isStaticShape(features))
      return op->emitOpError() << "the bit-accurate executor needs static "
                                  "non-batch dimensions here";
    return features;
  }

  /// A plan for a layer-level quantizer on `value`'s elements.
  FailureOr<std::shared_ptr<fixed::QuantizePlan>>
  layerPlan(Operation *op, QuantizerAttr quantizer, Value value,
            fixed::Rounding rounding, int64_t inputFrac, size_t &point) {
    FailureOr<std::vector<int64_t>> features = staticFeatures(op, value);
    if (failed(features))
      return failure();
    point = addPoint(op, true, *features, quantizer.getBitsShape());
    return std::make_shared<fixed::QuantizePlan>(
        roundOnlyFormats(quantizer, *features), rounding, std::nullopt,
        inputFrac);
  }

  /// The plan of a proxy-level hgq.quantize (its #hgq.fixed format) on
  /// mantissas at `inputFrac`, and its quantization point.
  FailureOr<std::shared_ptr<fixed::QuantizePlan>>
  proxyPlan(QuantizeOp op, int64_t inputFrac, size_t &point) {
    FixedAttr format = op.getFormatAttr();
    FailureOr<std::vector<int64_t>> features =
        staticFeatures(op, op.getInput());
    if (failed(features))
      return failure();
    SmallVector<fixed::Format> formats = expandFormats(format, *features);
    point = addPoint(op, false, *features, format.getBitsShape());
    return std::make_shared<fixed::QuantizePlan>(
        std::vector<fixed::Format>(formats.begin(), formats.end()),
        toFixed(format.getRounding()), toFixed(format.getOverflow()),
        inputFrac);
  }

  LogicalResult compileQuantize(QuantizeOp op);
  LogicalResult compileSignature(SignatureOp op);
  /// A layer's kernel and bias as HGQ quantizes them (semantics.md 4.1):
  /// exact, and as float32 for float inputs.
  struct LinearConstants {
    ExactConstants exactKernel;
    std::vector<float> kernel;
    std::optional<ExactConstants> exactBias;
    std::vector<float> bias;
    fixed::Rounding outputRounding = fixed::Rounding::TRN;
  };
  FailureOr<LinearConstants> linearConstants(LayerOpInterface op);
  LogicalResult compileLinear(LayerOpInterface op);
  LogicalResult compileBatchNorm(BatchNormOp op);
  LogicalResult compileRescale(RescaleOp op);
  LogicalResult compileActivation(ActivationOp op);
  LogicalResult compileUnaryLut(UnaryLutOp op);
  LogicalResult compileAdd(AddOp op);
  template <typename PoolOp> LogicalResult compilePool(PoolOp op, bool average);
  LogicalResult compileConcat(ConcatOp op);
  LogicalResult compileReshape(Operation *op, Value input, Value output);
  LogicalResult compileTranspose(TransposeOp op);

  /// A proxy-level function: sigmoid, tanh and softmax on fixed-point
  /// inputs mean their table algorithms (lib/Fixed/ActivationTables).
  bool proxyLevel = false;
  std::vector<std::unique_ptr<Executor::Step>> &steps;
  std::vector<QuantizationPoint> &points;
  llvm::DenseMap<Value, int> slots;
  std::vector<ValueInfo> infos;
  /// Ops a layer's step computes as part of its epilogue (skipped by the
  /// main loop).
  llvm::DenseSet<Operation *> fusedOps;
};

/// Wraps a quantizing step: apply the plan, count overflows, let the observer
/// see the result.
Status quantizeInto(const Tensor &in, const fixed::QuantizePlan &plan,
                    size_t point, Tensor &out, StepContext &context) {
  if (Status status = applyPlan(in, plan, out, context.overflowCounts[point],
                                /*floatStorage=*/true);
      !status.ok)
    return status;
  if (context.observer)
    context.observer->observe(point, out);
  return Status::success();
}

LogicalResult Compiler::compileQuantize(QuantizeOp op) {
  Value input = op.getInput();
  ValueInfo in = infoOf(input);
  int64_t inputFrac = in.exact ? in.frac : 0;
  std::shared_ptr<fixed::QuantizePlan> plan;
  size_t point = 0;
  if (QuantizerAttr quantizer = op.getQuantizerAttr()) {
    FailureOr<std::shared_ptr<fixed::QuantizePlan>> built = layerPlan(
        op, quantizer, input, inferenceRounding(quantizer.getRnd(), false),
        inputFrac, point);
    if (failed(built))
      return failure();
    plan = *built;
  } else {
    FailureOr<std::shared_ptr<fixed::QuantizePlan>> built =
        proxyPlan(op, inputFrac, point);
    if (failed(built))
      return failure();
    plan = *built;
  }
  addStep(
      op, {input}, op.getOutput(), {true, plan->outputFractionalBits()},
      [plan, point](const std::vector<const Tensor *> &ins, Tensor &out,
                    StepContext &context) {
        return quantizeInto(*ins[0], *plan, point, out, context);
      },
      /*takesFloatStorage=*/true);
  steps.back()->runOnFloats = [plan, point](const float *values,
                                            std::vector<int64_t> shape,
                                            Tensor &out, StepContext &context) {
    if (Status status = applyPlanToFloats(values, std::move(shape), *plan, out,
                                          context.overflowCounts[point], true);
        !status.ok)
      return status;
    if (context.observer)
      context.observer->observe(point, out);
    return Status::success();
  };
  return success();
}

LogicalResult Compiler::compileSignature(SignatureOp op) {
  // Layer level: the input is taken as given, held exactly at the declared
  // fractional bits (identity on inputs that respect the signature).
  Value input = op.getInput();
  ValueInfo in = infoOf(input);
  FailureOr<std::vector<int64_t>> features = staticFeatures(op, input);
  if (failed(features))
    return failure();
  SmallVector<fixed::Format> formats = expandFormats(op.getFormat(), *features);
  std::vector<fixed::Format> roundOnly;
  for (const fixed::Format &format : formats)
    roundOnly.push_back(fixed::Format{0, 0, format.fractionalBits});
  auto plan = std::make_shared<fixed::QuantizePlan>(
      roundOnly, fixed::Rounding::TRN, std::nullopt, in.exact ? in.frac : 0);
  size_t point = addPoint(op, false, *features, op.getFormat().getBitsShape());
  addStep(op, {input}, op.getOutput(), {true, plan->outputFractionalBits()},
          [plan, point](const std::vector<const Tensor *> &ins, Tensor &out,
                        StepContext &context) {
            return quantizeInto(*ins[0], *plan, point, out, context);
          });
  return success();
}

/// Dense and convolution share everything but the product itself.
FailureOr<Compiler::LinearConstants>
Compiler::linearConstants(LayerOpInterface op) {
  LinearConstants constants;
  QuantizerAttr quantizer = op.getQuantizerAttr();
  FailureOr<QuantizedConstants> quantizedKernel =
      quantizeKernel(op, op.getKernel(), op.getKernelQuantizerAttr());
  if (failed(quantizedKernel))
    return failure();
  FailureOr<ExactConstants> exactKernel =
      exactConstants(op, "kernel", quantizedKernel->values);
  if (failed(exactKernel))
    return failure();
  constants.exactKernel = *exactKernel;
  constants.kernel.assign(quantizedKernel->values.begin(),
                          quantizedKernel->values.end());

  ElementsAttr biasAttr = op.getBiasAttr();
  bool absorbs = biasCanAbsorbRounding(bool(biasAttr), quantizer);
  constants.outputRounding =
      quantizer ? inferenceRounding(quantizer.getRnd(), absorbs)
                : fixed::Rounding::TRN;
  if (!biasAttr)
    return constants;
  std::vector<int64_t> features = featuresOf(op.getOutput());
  if (quantizer && !ShapedType::isStaticShape(features))
    return op.emitOpError() << "the bit-accurate executor needs static "
                               "non-batch dimensions here";
  FailureOr<QuantizedConstants> quantizedBias =
      quantizeBias(op, biasAttr, quantizer, constants.outputRounding, features);
  if (failed(quantizedBias))
    return failure();
  FailureOr<ExactConstants> exactBias =
      exactConstants(op, "bias", quantizedBias->values);
  if (failed(exactBias))
    return failure();
  constants.exactBias = *exactBias;
  constants.bias.assign(quantizedBias->values.begin(),
                        quantizedBias->values.end());
  return constants;
}

LogicalResult Compiler::compileLinear(LayerOpInterface op) {
  auto conv = dyn_cast<ConvOp>(op.getOperation());
  bool isConv = bool(conv);
  Value input = op.getInput();
  ValueInfo in = infoOf(input);
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  int64_t outputs = kernelType.getShape().back();
  QuantizerAttr quantizer = op.getQuantizerAttr();
  bool relu = op.getActivation() == LayerActivation::relu;

  // The kernel and bias as HGQ quantizes them (semantics.md 4.1).
  FailureOr<LinearConstants> constants = linearConstants(op);
  if (failed(constants))
    return failure();
  const ExactConstants *exactKernel = &constants->exactKernel;
  const std::optional<ExactConstants> &exactBias = constants->exactBias;
  const std::vector<float> &kernel = constants->kernel;
  const std::vector<float> &bias = constants->bias;
  fixed::Rounding outputRounding = constants->outputRounding;
  ElementsAttr biasAttr = op.getBiasAttr();

  // Geometry (convolution only).
  WindowGeometry geometry;
  int64_t channels = 0, groups = 1, taps = 1;
  if (conv) {
    auto inputType = cast<RankedTensorType>(input.getType());
    if (!ShapedType::isStaticShape(inputType.getShape().drop_front()))
      return op.emitOpError() << "the bit-accurate executor needs static "
                                 "non-batch dimensions here";
    geometry = windowGeometry(
        inputType, kernelType.getShape().take_front(conv.getSpatialRank()),
        conv.getStrideValues(), conv.getDilationValues(), conv.getPadValues());
    channels = inputType.getShape().back();
    groups = int64_t(conv.getGroups());
    taps = geometry.window[0] * geometry.window[1];
  }
  int64_t inner = kernelType.getNumElements() / outputs;

  // The pre-activation quantizer, planned for the exact product.
  int64_t productFrac = (in.exact ? in.frac : 0) + exactKernel->frac;
  int64_t combinedFrac =
      exactBias ? std::max(productFrac, exactBias->frac) : productFrac;
  std::shared_ptr<fixed::QuantizePlan> plan;
  size_t point = 0;
  if (quantizer) {
    FailureOr<std::shared_ptr<fixed::QuantizePlan>> built = layerPlan(
        op, quantizer, op.getOutput(), outputRounding, combinedFrac, point);
    if (failed(built))
      return failure();
    plan = *built;
  }
  ValueInfo result{in.exact || plan,
                   plan ? plan->outputFractionalBits() : combinedFrac};
  if (!in.exact && !plan)
    result = {false, 0};

  if (in.exact) {
    auto matrices = std::make_shared<std::vector<ExactMatrix>>();
    if (isConv) {
      for (std::vector<int64_t> &matrix : splitKernelGroups(
               exactKernel->mantissas, taps, inner / taps, outputs, groups))
        matrices->emplace_back(std::move(matrix), inner, outputs / groups);
    } else {
      matrices->emplace_back(exactKernel->mantissas, inner, outputs);
    }
    int64_t kernelFracValue = exactKernel->frac;
    // A bias at no more fractional bits than the product is added as the
    // product is stored (aligned once, here): by denseExact, and by the
    // one-pass float32 kernels.
    auto fusedBias = std::make_shared<std::vector<int64_t>>();
    if (exactBias && exactBias->frac <= productFrac) {
      int64_t shift = productFrac - exactBias->frac;
      for (int64_t value : exactBias->mantissas) {
        if (shift >= 62 || value > (INT64_MAX >> shift) ||
            value < -(INT64_MAX >> shift)) {
          fusedBias->clear();
          break;
        }
        fusedBias->push_back(value * (int64_t(1) << shift));
      }
    }
    bool biasFused = !fusedBias->empty();

    // The epilogue: the layer's quantizer and relu, then, in the proxy form,
    // the ops that follow it when each is the next op in the block and the
    // only use of the value before it: hgq.quantize with a format, relu.
    struct Stage {
      std::shared_ptr<fixed::QuantizePlan> plan; // else relu
      size_t point = 0;
    };
    auto stages = std::make_shared<std::vector<Stage>>();
    if (plan)
      stages->push_back({plan, point});
    if (relu)
      stages->push_back({nullptr, 0});
    Value last = op.getOutput();
    ValueInfo lastInfo = result;
    for (Operation *next = op->getNextNode();
         next && last.hasOneUse() && *last.getUsers().begin() == next;
         next = next->getNextNode()) {
      if (auto quantize = dyn_cast<QuantizeOp>(next);
          quantize && quantize.getFormatAttr()) {
        size_t nextPoint = 0;
        FailureOr<std::shared_ptr<fixed::QuantizePlan>> nextPlan =
            proxyPlan(quantize, lastInfo.frac, nextPoint);
        if (failed(nextPlan))
          return failure();
        stages->push_back({*nextPlan, nextPoint});
        lastInfo = {true, (*nextPlan)->outputFractionalBits()};
      } else if (auto activation = dyn_cast<ActivationOp>(next);
                 activation && !activation.getQuantizerAttr() &&
                 fixed::lookupUnaryFunction(activation.getFn())->function ==
                     fixed::UnaryFunction::Relu) {
        stages->push_back({nullptr, 0});
      } else {
        break;
      }
      fusedOps.insert(next);
      last = next->getResult(0);
    }
    // A quantizer that returns whatever the quantizer before it (and the
    // relus between) can produce unchanged, as its formats prove
    // (QuantizePlan::passesThrough), is skipped when no observer looks at
    // its result: it changes no element, so it has no overflow to count.
    auto skipped = std::make_shared<std::vector<bool>>(stages->size(), false);
    const fixed::QuantizePlan *previous = nullptr;
    bool reluSince = false;
    for (size_t index = 0; index < stages->size(); ++index) {
      const Stage &stage = (*stages)[index];
      if (!stage.plan) {
        reluSince = true;
      } else if (previous && stage.plan->passesThrough(*previous, reluSince)) {
        (*skipped)[index] = true;
      } else {
        previous = stage.plan.get();
        reluSince = false;
      }
    }
    // The same as EpilogueStages for the one-pass kernels, without the
    // skipped quantizers.
    auto kernelStages = std::make_shared<std::vector<EpilogueStage>>();
    for (size_t index = 0; index < stages->size(); ++index)
      if (!(*skipped)[index])
        kernelStages->push_back(
            {(*stages)[index].plan.get(), (*stages)[index].point});
    // An observer sees each quantizer's result: the one-pass kernels can
    // show it the last one only (a relu after it is applied afterwards).
    size_t lastPlanStage = 0;
    for (size_t index = 0; index < stages->size(); ++index)
      if ((*stages)[index].plan)
        lastPlanStage = index;
    bool observable = lastPlanStage == 0;

    // A rank-2 dense layer or a one-group convolution whose epilogue starts
    // with a quantizer may run as one float32 pass when its bounds allow it.
    bool onePass =
        !stages->empty() && stages->front().plan && (!exactBias || biasFused) &&
        (isConv ? groups == 1
                : cast<RankedTensorType>(input.getType()).getRank() == 2);
    auto floatBias = std::make_shared<std::vector<float>>(fusedBias->begin(),
                                                          fusedBias->end());
    double maxAbsBias = 0;
    for (int64_t value : *fusedBias)
      maxAbsBias = std::max(maxAbsBias, std::fabs(double(value)));
    addStep(
        op, {input}, last, lastInfo,
        [=](const std::vector<const Tensor *> &ins, Tensor &out,
            StepContext &context) -> Status {
          Tensor z;
          Status status;
          if (onePass && (!context.observer || observable)) {
            bool done = false;
            const std::vector<float> *bias =
                biasFused ? floatBias.get() : nullptr;
            // With an observer the relus after the quantizer wait for it.
            std::vector<EpilogueStage> run(kernelStages->begin(),
                                           context.observer
                                               ? kernelStages->begin() + 1
                                               : kernelStages->end());
            status =
                isConv
                    ? convQuantizedFloat32(*ins[0], geometry, channels,
                                           matrices->front(), bias, maxAbsBias,
                                           run, z, context.overflowCounts, done,
                                           /*floatStorage=*/true)
                    : denseQuantizedFloat32(*ins[0], matrices->front(), bias,
                                            maxAbsBias, run, z,
                                            context.overflowCounts, done,
                                            /*floatStorage=*/true);
            if (!status.ok)
              return status;
            if (done) {
              if (context.observer) {
                context.observer->observe(stages->front().point, z);
                if (stages->size() > 1)
                  reluExactInPlace(z); // observable: only relus follow
              }
              out = std::move(z);
              return Status::success();
            }
          }
          Tensor expanded;
          const Tensor &source = ins[0]->floatStorage
                                     ? (expanded = expandedCopy(*ins[0]))
                                     : *ins[0];
          if (isConv)
            status = convExact(source, geometry, channels, *matrices,
                               kernelFracValue, z);
          else
            status = denseExact(source, matrices->front(), kernelFracValue, z,
                                biasFused ? fusedBias->data() : nullptr);
          if (!status.ok)
            return status;
          // convExact leaves the bias to its own pass.
          if (exactBias && (isConv || !biasFused))
            if (status = addExactBias(z, exactBias->mantissas, exactBias->frac);
                !status.ok)
              return status;
          for (size_t index = 0; index < stages->size(); ++index) {
            const Stage &stage = (*stages)[index];
            if (!stage.plan) {
              reluExactInPlace(z);
              continue;
            }
            if ((*skipped)[index] && !context.observer)
              continue;
            Tensor q;
            if (status = quantizeInto(z, *stage.plan, stage.point, q, context);
                !status.ok)
              return status;
            z = std::move(q);
          }
          out = std::move(z);
          return Status::success();
        },
        /*takesFloatStorage=*/true);
    return success();
  }

  // Float input: the layer computes in float32 like the source framework,
  // then the quantizer (if any) makes the result exact.
  auto floatKernels = std::make_shared<std::vector<std::vector<float>>>();
  if (isConv)
    *floatKernels =
        splitKernelGroups(kernel, taps, inner / taps, outputs, groups);
  else
    floatKernels->push_back(kernel);
  auto floatBias = std::make_shared<std::vector<float>>(bias);
  bool hasBias = bool(biasAttr);
  addStep(op, {input}, op.getOutput(), result,
          [=](const std::vector<const Tensor *> &ins, Tensor &out,
              StepContext &context) -> Status {
            Tensor z;
            Tensor source = toFloat(*ins[0]);
            if (isConv)
              convFloat(source, geometry, channels, *floatKernels, outputs,
                        hasBias ? floatBias.get() : nullptr, z);
            else
              denseFloat(source, floatKernels->front(), inner, outputs,
                         hasBias ? floatBias.get() : nullptr, z);
            if (plan) {
              Tensor q;
              if (Status status = quantizeInto(z, *plan, point, q, context);
                  !status.ok)
                return status;
              if (relu)
                reluExact(q, out);
              else
                out = std::move(q);
              return Status::success();
            }
            if (relu)
              for (float &value : z.floats)
                value = std::max(value, 0.0f);
            out = std::move(z);
            return Status::success();
          });
  return success();
}

LogicalResult Compiler::compileBatchNorm(BatchNormOp op) {
  std::vector<float> beta = floatsOf(op.getBeta());
  std::vector<float> mean = floatsOf(op.getMean());
  std::vector<float> scale = op.getChannelScales();
  std::vector<float> shift(scale.size());
  for (size_t c = 0; c < scale.size(); ++c)
    shift[c] = beta[c] - mean[c] * scale[c];
  addStep(op, {op.getInput()}, op.getOutput(), {false, 0},
          [scale, shift](const std::vector<const Tensor *> &ins, Tensor &out,
                         StepContext &) {
            batchNorm(*ins[0], scale, shift, out);
            return Status::success();
          });
  return success();
}

LogicalResult Compiler::compileRescale(RescaleOp op) {
  std::vector<int64_t> features = featuresOf(op.getInput());
  if (!ShapedType::isStaticShape(features))
    return op.emitOpError() << "the bit-accurate executor needs static "
                               "non-batch dimensions here";
  auto scaleType = cast<ShapedType>(op.getScale().getType());
  std::vector<float> scale = floatsOf(op.getScale());
  std::vector<int64_t> index = broadcastSources(scaleType.getShape(), features);
  std::vector<float> perElement(index.size());
  for (size_t e = 0; e < index.size(); ++e)
    perElement[e] = scale[index[e]];
  bool divide = op.getDivide();
  addStep(op, {op.getInput()}, op.getOutput(), {false, 0},
          [perElement, divide](const std::vector<const Tensor *> &ins,
                               Tensor &out, StepContext &) {
            out = toFloat(*ins[0]);
            size_t features = perElement.size();
            for (size_t i = 0; i < out.floats.size(); ++i)
              out.floats[i] = divide ? out.floats[i] / perElement[i % features]
                                     : out.floats[i] * perElement[i % features];
            return Status::success();
          });
  return success();
}

LogicalResult Compiler::compileActivation(ActivationOp op) {
  Value input = op.getInput();
  ValueInfo in = infoOf(input);
  const fixed::UnaryFunctionInfo *info = fixed::lookupUnaryFunction(op.getFn());
  fixed::UnaryFunction function = info->function;
  fixed::UnaryParams params = info->defaults;
  if (op.getAlphaAttr())
    params.alpha = op.getAlphaAttr().getValueAsDouble();
  if (op.getBetaAttr())
    params.beta = op.getBetaAttr().getValueAsDouble();
  if (op.getGammaAttr())
    params.gamma = op.getGammaAttr().getValueAsDouble();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  int64_t axis = op.getAxisAttr() ? op.getAxisAttr().getInt() : -1;
  if (axis < 0)
    axis += rank;
  bool table = proxyLevel && in.exact && !op.getQuantizerAttr() &&
               (function == fixed::UnaryFunction::Sigmoid ||
                function == fixed::UnaryFunction::Tanh ||
                function == fixed::UnaryFunction::Softmax);
  if (table) {
    std::vector<int64_t> shape = featuresOf(input);
    if (!ShapedType::isStaticShape(shape))
      return op.emitOpError()
             << "needs static non-batch dimensions to be executed";
    bool softmax = function == fixed::UnaryFunction::Softmax;
    int64_t length = shape[axis - 1], inner = 1;
    for (size_t d = axis; d < shape.size(); ++d)
      inner *= shape[d];
    auto elementwise = std::make_shared<fixed::ElementwiseTable>(
        function == fixed::UnaryFunction::Sigmoid ? fixed::sigmoidTable()
                                                  : fixed::tanhTable());
    auto tables =
        std::make_shared<fixed::SoftmaxTables>(fixed::softmaxTables(length));
    int64_t resultFrac =
        softmax ? 2 * fixed::kTableEntryFrac : fixed::kTableEntryFrac;
    addStep(op, {input}, op.getOutput(), {true, resultFrac},
            [=](const std::vector<const Tensor *> &ins, Tensor &out,
                StepContext &) -> Status {
              const Tensor &x = *ins[0];
              out = Tensor::makeExact(x.shape, resultFrac);
              int frac = int(x.fractionalBits);
              if (!softmax) {
                for (int64_t i = 0; i < x.size(); ++i)
                  out.mantissas[i] =
                      elementwise
                          ->entries[elementwise->index(x.mantissas[i], frac)];
                return Status::success();
              }
              int64_t blocks = x.size() / (length * inner);
              for (int64_t b = 0; b < blocks; ++b)
                for (int64_t i = 0; i < inner; ++i) {
                  int64_t base = b * length * inner + i;
                  tables->apply(x.mantissas.data() + base, length, inner, frac,
                                out.mantissas.data() + base);
                }
              return Status::success();
            });
    return success();
  }
  // relu and linear stay exact on exact inputs; everything else is float32.
  bool exactFunction = in.exact && (function == fixed::UnaryFunction::Relu ||
                                    function == fixed::UnaryFunction::Linear);
  ValueInfo activated = exactFunction ? in : ValueInfo{false, 0};

  std::shared_ptr<fixed::QuantizePlan> plan;
  size_t point = 0;
  if (QuantizerAttr quantizer = op.getQuantizerAttr()) {
    FailureOr<std::shared_ptr<fixed::QuantizePlan>> built =
        layerPlan(op, quantizer, op.getOutput(),
                  inferenceRounding(quantizer.getRnd(), false),
                  activated.exact ? activated.frac : 0, point);
    if (failed(built))
      return failure();
    plan = *built;
  }
  ValueInfo result =
      plan ? ValueInfo{true, plan->outputFractionalBits()} : activated;
  addStep(op, {input}, op.getOutput(), result,
          [=](const std::vector<const Tensor *> &ins, Tensor &out,
              StepContext &context) -> Status {
            Tensor activatedTensor;
            if (exactFunction) {
              if (function == fixed::UnaryFunction::Relu)
                reluExact(*ins[0], activatedTensor);
              else
                activatedTensor = *ins[0];
            } else {
              activationFloat(*ins[0], function, params, axis, activatedTensor);
            }
            if (!plan) {
              out = std::move(activatedTensor);
              return Status::success();
            }
            return quantizeInto(activatedTensor, *plan, point, out, context);
          });
  return success();
}

LogicalResult Compiler::compileUnaryLut(UnaryLutOp op) {
  std::vector<float> table = floatsOf(op.getTable());
  FailureOr<ExactConstants> exactTable = exactConstants(
      op, "table", std::vector<double>(table.begin(), table.end()));
  if (failed(exactTable))
    return failure();
  fixed::Format indexFormat = expandFormats(op.getInputFormat(), {})[0];
  fixed::Rounding rounding = toFixed(op.getInputFormat().getRounding());
  auto entries = std::make_shared<std::vector<int64_t>>(exactTable->mantissas);
  int64_t tableFrac = exactTable->frac;
  addStep(
      op, {op.getInput()}, op.getOutput(), {true, tableFrac},
      [=](const std::vector<const Tensor *> &ins, Tensor &out, StepContext &) {
        return unaryLut(*ins[0], indexFormat, rounding, *entries, tableFrac,
                        out);
      });
  return success();
}

LogicalResult Compiler::compileAdd(AddOp op) {
  ValueInfo lhs = infoOf(op.getLhs()), rhs = infoOf(op.getRhs());
  ValueInfo sum{lhs.exact && rhs.exact, std::max(lhs.frac, rhs.frac)};
  if (!sum.exact)
    sum.frac = 0;
  std::shared_ptr<fixed::QuantizePlan> plan;
  size_t point = 0;
  if (QuantizerAttr quantizer = op.getQuantizerAttr()) {
    FailureOr<std::shared_ptr<fixed::QuantizePlan>> built = layerPlan(
        op, quantizer, op.getOutput(),
        inferenceRounding(quantizer.getRnd(), false), sum.frac, point);
    if (failed(built))
      return failure();
    plan = *built;
  }
  ValueInfo result = plan ? ValueInfo{true, plan->outputFractionalBits()} : sum;
  addStep(op, {op.getLhs(), op.getRhs()}, op.getOutput(), result,
          [=](const std::vector<const Tensor *> &ins, Tensor &out,
              StepContext &context) -> Status {
            Tensor total;
            if (Status status = add(*ins[0], *ins[1], total); !status.ok)
              return status;
            if (!plan) {
              out = std::move(total);
              return Status::success();
            }
            return quantizeInto(total, *plan, point, out, context);
          });
  return success();
}

template <typename PoolOp>
LogicalResult Compiler::compilePool(PoolOp op, bool average) {
  Value input = op.getInput();
  ValueInfo in = infoOf(input);
  auto inputType = cast<RankedTensorType>(input.getType());
  if (!ShapedType::isStaticShape(inputType.getShape().drop_front()))
    return op.emitOpError() << "the bit-accurate executor needs static "
                               "non-batch dimensions here";
  int64_t spatial = op.getSpatialRank();
  ArrayRef<int64_t> window = op.getWindow();
  SmallVector<int64_t> strides = op.getStrideValues();
  WindowGeometry geometry =
      windowGeometry(inputType, window, strides, {}, op.getPadValues());
  int64_t channels = inputType.getShape().back();
  int64_t extraBits = 0;
  while (average &&
         (int64_t(1) << extraBits) < window[0] * (spatial == 2 ? window[1] : 1))
    ++extraBits;
  ValueInfo result = in.exact ? ValueInfo{true, in.frac + extraBits} : in;
  addStep(
      op, {input}, op.getOutput(), result,
      [=](const std::vector<const Tensor *> &ins, Tensor &out,
          StepContext &) -> Status {
        if (average)
          return avgPool(*ins[0], geometry, channels, out);
        maxPool(*ins[0], geometry, channels, out);
        return Status::success();
      },
      /*takesFloatStorage=*/true);
  return success();
}

LogicalResult Compiler::compileConcat(ConcatOp op) {
  std::vector<Value> inputs(op.getInputs().begin(), op.getInputs().end());
  bool exact = llvm::all_of(inputs, [&](Value v) { return infoOf(v).exact; });
  int64_t frac = 0;
  if (exact)
    for (Value value : inputs)
      frac = std::max(frac, infoOf(value).frac);
  int64_t rank = cast<RankedTensorType>(inputs.front().getType()).getRank();
  int64_t axis = op.getAxisAttr().getInt();
  if (axis < 0)
    axis += rank;
  addStep(op, inputs, op.getOutput(), {exact, frac},
          [axis](const std::vector<const Tensor *> &ins, Tensor &out,
                 StepContext &) { return concat(ins, axis, out); });
  return success();
}

LogicalResult Compiler::compileReshape(Operation *op, Value input,
                                       Value output) {
  std::vector<int64_t> features = featuresOf(output);
  if (!ShapedType::isStaticShape(features))
    return op->emitOpError() << "the bit-accurate executor needs static "
                                "non-batch dimensions here";
  addStep(
      op, {input}, output, infoOf(input),
      [features](const std::vector<const Tensor *> &ins, Tensor &out,
                 StepContext &) {
        out = *ins[0];
        out.shape.assign(1, ins[0]->batch());
        out.shape.insert(out.shape.end(), features.begin(), features.end());
        return Status::success();
      },
      /*takesFloatStorage=*/true);
  return success();
}

LogicalResult Compiler::compileTranspose(TransposeOp op) {
  std::vector<int64_t> permutation(op.getPermutation().begin(),
                                   op.getPermutation().end());
  addStep(op, {op.getInput()}, op.getOutput(), infoOf(op.getInput()),
          [permutation](const std::vector<const Tensor *> &ins, Tensor &out,
                        StepContext &) {
            transpose(*ins[0], permutation, out);
            return Status::success();
          });
  return success();
}

LogicalResult Compiler::compile(func::FuncOp function,
                                std::vector<int> &outputSlots, int &slotCount) {
  if (function.getBody().getBlocks().size() != 1)
    return function.emitOpError()
           << "the bit-accurate executor runs single-block functions only";
  for (BlockArgument argument : function.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(argument.getType());
    if (!type || !type.getElementType().isF32() || type.getRank() < 1)
      return function.emitOpError()
             << "argument " << argument.getArgNumber()
             << " must be a ranked f32 tensor with a batch dimension";
    newSlot(argument, {false, 0});
  }
  proxyLevel = llvm::all_of(function.getBody().front(),
                            [](Operation &op) { return isProxyLevel(&op); });
  for (Operation &operation : function.getBody().front()) {
    Operation *op = &operation;
    if (fusedOps.contains(op))
      continue;
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](QuantizeOp o) { return compileQuantize(o); })
            .Case([&](SignatureOp o) { return compileSignature(o); })
            .Case([&](LayerOpInterface o) { return compileLinear(o); })
            .Case([&](BatchNormOp o) { return compileBatchNorm(o); })
            .Case([&](RescaleOp o) { return compileRescale(o); })
            .Case([&](ActivationOp o) { return compileActivation(o); })
            .Case([&](UnaryLutOp o) { return compileUnaryLut(o); })
            .Case([&](AddOp o) { return compileAdd(o); })
            .Case([&](MaxPoolOp o) { return compilePool(o, false); })
            .Case([&](AvgPoolOp o) { return compilePool(o, true); })
            .Case([&](ConcatOp o) { return compileConcat(o); })
            .Case([&](ReshapeOp o) {
              return compileReshape(o, o.getInput(), o.getOutput());
            })
            .Case([&](FlattenOp o) {
              return compileReshape(o, o.getInput(), o.getOutput());
            })
            .Case([&](TransposeOp o) { return compileTranspose(o); })
            .Case([&](func::ReturnOp o) {
              for (Value value : o.getOperands())
                outputSlots.push_back(slotOf(value));
              return success();
            })
            .Default([&](Operation *other) {
              return other->emitOpError()
                     << "cannot be executed bit-accurately (not an hgq op)";
            });
    if (failed(result))
      return failure();
  }
  slotCount = int(infos.size());
  return success();
}

} // namespace

FailureOr<std::unique_ptr<Executor>> Executor::create(func::FuncOp function) {
  std::unique_ptr<Executor> executor(new Executor());
  Compiler compiler(executor->steps_, executor->points_);
  if (failed(compiler.compile(function, executor->outputSlots_,
                              executor->slotCount_)))
    return failure();
  for (BlockArgument argument : function.getArguments()) {
    std::string name;
    if (auto loc = dyn_cast<NameLoc>(argument.getLoc()))
      name = loc.getName().str();
    executor->inputNames_.push_back(
        name.empty() ? "arg" + std::to_string(argument.getArgNumber()) : name);
    executor->inputShapes_.push_back(featuresOf(argument));
  }
  // The working set of a sample: the largest step's result and operands,
  // and a convolution's im2col rows (positions x taps x input channels).
  function.walk([&](Operation *op) {
    int64_t bytes = 0;
    auto elements = [](Type type) -> int64_t {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor)
        return 0;
      int64_t count = 1;
      for (int64_t dim : tensor.getShape().drop_front())
        count *= ShapedType::isDynamic(dim) ? 1 : dim;
      return count;
    };
    for (Value value : op->getOperands())
      bytes += 8 * elements(value.getType());
    for (Value value : op->getResults())
      bytes += 8 * elements(value.getType());
    if (auto conv = dyn_cast<ConvOp>(op)) {
      auto kernel = cast<ShapedType>(conv.getKernel().getType()).getShape();
      int64_t rows = 1;
      for (int64_t dim : kernel.drop_back())
        rows *= dim;
      auto output = conv.getOutput().getType().getShape();
      int64_t positions = elements(conv.getOutput().getType()) / output.back();
      bytes += 12 * positions * rows;
    }
    executor->bytesPerSample_ = std::max(executor->bytesPerSample_, bytes);
  });
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    std::string name;
    if (Operation *producer = value.getDefiningOp())
      name = hgq::layerName(producer);
    executor->outputNames_.push_back(
        name.empty() ? "result" + std::to_string(index) : name);
  }
  return executor;
}

namespace {

/// Rows [begin, end) of batch-first float32 samples.
Tensor sliceRows(const InputView &input, int64_t begin, int64_t end) {
  Tensor slice;
  slice.shape = input.shape;
  slice.shape[0] = end - begin;
  int64_t features = input.featureSize();
  slice.floats.assign(input.floats + begin * features,
                      input.floats + end * features);
  return slice;
}

/// Whether every row of `values` (rows of `features`) equals the first.
template <typename T>
bool rowsRepeatFirst(const std::vector<T> &values, int64_t features) {
  for (size_t start = size_t(features); start < values.size();
       start += size_t(features))
    if (!std::equal(values.begin(), values.begin() + features,
                    values.begin() + start))
      return false;
  return true;
}

} // namespace

Status Executor::runChunk(const std::vector<InputView> &inputs, int64_t begin,
                          int64_t end, Observer *observer,
                          std::vector<int64_t> &overflowCounts,
                          std::vector<Tensor> &outputs) const {
  // The inputs' slots are the first; a work item's rows are copied into
  // them only for a step that cannot read them in place.
  std::vector<Tensor> slots(slotCount_);
  std::vector<bool> copied(inputs.size(), false);
  auto slot = [&](int index) -> Tensor & {
    if (size_t(index) < inputs.size() && !copied[index]) {
      slots[index] = sliceRows(inputs[index], begin, end);
      copied[index] = true;
    }
    return slots[index];
  };
  StepContext context{observer, overflowCounts};
  std::vector<const Tensor *> operands;
  for (const std::unique_ptr<Step> &step : steps_) {
    Status status;
    int first = step->operands.empty() ? -1 : step->operands.front();
    if (step->runOnFloats && step->operands.size() == 1 && first >= 0 &&
        size_t(first) < inputs.size() && !copied[first]) {
      const InputView &input = inputs[first];
      std::vector<int64_t> shape = input.shape;
      shape[0] = end - begin;
      status =
          step->runOnFloats(input.floats + begin * input.featureSize(),
                            std::move(shape), slots[step->result], context);
    } else {
      operands.clear();
      for (int index : step->operands) {
        Tensor &operand = slot(index);
        if (!step->takesFloatStorage)
          operand.expandMantissas();
        operands.push_back(&operand);
      }
      status = step->run(operands, slots[step->result], context);
    }
    if (!status.ok)
      return Status::error(step->name + ": " + status.message);
  }
  outputs.clear();
  for (int index : outputSlots_) {
    Tensor &output = slot(index);
    output.expandMantissas();
    outputs.push_back(output);
  }
  return Status::success();
}

Status Executor::run(const std::vector<Tensor> &inputs,
                     const RunOptions &options, RunResult &result) const {
  std::vector<InputView> views;
  for (const Tensor &input : inputs) {
    if (input.exact)
      return Status::error("inputs must be float32 tensors");
    views.push_back(InputView{input.shape, input.floats.data()});
  }
  return run(views, options, result);
}

Status Executor::run(const std::vector<InputView> &inputs,
                     const RunOptions &options, RunResult &result) const {
  if (inputs.size() != inputShapes_.size())
    return Status::error("the model takes " +
                         std::to_string(inputShapes_.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  int64_t batch = inputs.empty() ? 0 : inputs.front().batch();
  for (size_t index = 0; index < inputs.size(); ++index) {
    const InputView &input = inputs[index];
    std::vector<int64_t> features(input.shape.begin() + 1, input.shape.end());
    const std::vector<int64_t> &expected = inputShapes_[index];
    bool matches = features.size() == expected.size();
    for (size_t dim = 0; matches && dim < features.size(); ++dim)
      matches = ShapedType::isDynamic(expected[dim]) ||
                expected[dim] == features[dim];
    if (!matches || input.shape.empty()) {
      std::string want = "(batch";
      for (int64_t dim : expected)
        want += ", " + (ShapedType::isDynamic(dim) ? std::string("?")
                                                   : std::to_string(dim));
      std::string got = "(";
      for (size_t dim = 0; dim < input.shape.size(); ++dim)
        got += (dim ? ", " : "") + std::to_string(input.shape[dim]);
      return Status::error("input '" + inputNames_[index] + "' has shape " +
                           got + ") but the model expects " + want + ")");
    }
    if (input.batch() != batch)
      return Status::error("inputs disagree on the batch size (" +
                           std::to_string(batch) + " vs " +
                           std::to_string(input.batch()) + ")");
  }

#if defined(__GLIBC__)
  // Every work item allocates its tensors anew; glibc would serve the larger
  // ones with fresh mmap()s (or trim them back to the system), and the page
  // faults of touching them again cost more than the arithmetic (they were
  // half of a conv net's time). Keep freed memory for reuse instead.
  static std::once_flag tuneMalloc;
  std::call_once(tuneMalloc, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
#endif
  // Small enough work items keep a step's tensors in the caches; dense
  // models keep 2048 samples.
  constexpr int64_t kChunkBytes = 4 << 20;
  int64_t chunkRows =
      options.chunkRows > 0
          ? options.chunkRows
          : std::clamp<int64_t>(kChunkBytes / bytesPerSample_, 16, 2048);
  int64_t chunks = std::max<int64_t>((batch + chunkRows - 1) / chunkRows, 1);
  unsigned threads = options.threads
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<int64_t>(threads, chunks));

  std::vector<std::vector<Tensor>> chunkOutputs(chunks);
  // Per chunk and output: its first row, and whether every row equals it.
  std::vector<std::vector<std::vector<double>>> firstRows(chunks);
  std::vector<std::vector<char>> constantWithin(chunks);
  std::vector<std::vector<int64_t>> counts(
      threads, std::vector<int64_t>(points_.size(), 0));
  result.observers.clear();
  for (unsigned t = 0; t < threads; ++t)
    result.observers.push_back(options.makeObserver ? options.makeObserver()
                                                    : nullptr);
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex errorMutex;
  Status firstError;
  // Streamed outputs: finished work items wait in `ready` until every
  // earlier one was handed over; a worker does not start a work item more
  // than kAhead past the next one to hand over, so memory stays bounded.
  std::mutex emitMutex;
  std::condition_variable emitted;
  std::vector<char> ready(options.consumeOutputs ? chunks : 0, 0);
  int64_t nextToEmit = 0;
  const int64_t kAhead = 2 * int64_t(threads);
  auto stop = [&](const Status &status) {
    {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!failed.exchange(true))
        firstError = status;
    }
    // Under emitMutex: a worker waiting for its turn sees `failed`.
    std::lock_guard<std::mutex> lock(emitMutex);
    emitted.notify_all();
  };
  auto worker = [&](unsigned t) {
    while (!failed) {
      int64_t chunk = next++;
      if (chunk >= chunks)
        return;
      if (options.consumeOutputs) {
        std::unique_lock<std::mutex> lock(emitMutex);
        emitted.wait(lock,
                     [&] { return failed || chunk < nextToEmit + kAhead; });
        if (failed)
          return;
      }
      int64_t begin = chunk * chunkRows;
      int64_t end = std::min(batch, begin + chunkRows);
      Status status = runChunk(inputs, begin, end, result.observers[t].get(),
                               counts[t], chunkOutputs[chunk]);
      if (status.ok) {
        for (const Tensor &output : chunkOutputs[chunk]) {
          int64_t features = output.featureSize();
          std::vector<double> first;
          for (int64_t e = 0; e < features && output.batch(); ++e)
            first.push_back(output.valueAt(e));
          firstRows[chunk].push_back(std::move(first));
          // Within one tensor every row has the same scale: comparing the
          // stored rows is comparing the values.
          constantWithin[chunk].push_back(
              output.exact ? rowsRepeatFirst(output.mantissas, features)
                           : rowsRepeatFirst(output.floats, features));
        }
        if (!options.keepOutputs)
          chunkOutputs[chunk].clear();
      }
      if (status.ok && options.consumeOutputs) {
        std::lock_guard<std::mutex> lock(emitMutex);
        ready[chunk] = 1;
        for (; status.ok && nextToEmit < chunks && ready[nextToEmit];
             ++nextToEmit) {
          status = options.consumeOutputs(nextToEmit * chunkRows,
                                          chunkOutputs[nextToEmit]);
          std::vector<Tensor>().swap(chunkOutputs[nextToEmit]);
        }
        emitted.notify_all();
      }
      if (!status.ok) {
        stop(status);
        return;
      }
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker, t);
  if (options.progress) {
    // The driving thread reports while the others work, then joins in.
    std::thread first(worker, 0);
    while (done < chunks && !failed) {
      options.progress(std::min(done.load() * chunkRows, batch), batch);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    first.join();
    options.progress(std::min(done.load() * chunkRows, batch), batch);
  } else {
    worker(0);
  }
  for (std::thread &thread : pool)
    thread.join();
  if (failed)
    return firstError;

  result.overflowCounts.assign(points_.size(), 0);
  for (const std::vector<int64_t> &threadCounts : counts)
    for (size_t point = 0; point < points_.size(); ++point)
      result.overflowCounts[point] += threadCounts[point];

  result.constantOutputs.assign(outputSlots_.size(), true);
  for (size_t output = 0; output < outputSlots_.size(); ++output)
    for (int64_t chunk = 0; chunk < chunks; ++chunk)
      if (!firstRows[chunk].empty())
        result.constantOutputs[output] =
            result.constantOutputs[output] && constantWithin[chunk][output] &&
            firstRows[chunk][output] == firstRows[0][output];
  result.outputs.clear();
  if (!options.keepOutputs || options.consumeOutputs)
    return Status::success();
  for (size_t output = 0; output < outputSlots_.size(); ++output) {
    Tensor joined = std::move(chunkOutputs.front()[output]);
    joined.shape[0] = batch;
    size_t total = size_t(joined.size());
    if (joined.exact)
      joined.mantissas.reserve(total);
    else
      joined.floats.reserve(total);
    for (int64_t chunk = 1; chunk < chunks; ++chunk) {
      const Tensor &part = chunkOutputs[chunk][output];
      if (joined.exact)
        joined.mantissas.insert(joined.mantissas.end(), part.mantissas.begin(),
                                part.mantissas.end());
      else
        joined.floats.insert(joined.floats.end(), part.floats.begin(),
                             part.floats.end());
    }
    result.outputs.push_back(std::move(joined));
  }
  return Status::success();
}

} // namespace hgq::exec
