//===- Executor.h - The batched bit-accurate executor -----------*- C++ -*-===//
//
// Compiles a func.func of hgq ops (layer level or proxy level) into a list of
// kernel steps with everything precomputed (formats, quantized kernels,
// plans), then runs batches through it on all cores. Quantized values are
// exact integers (semantics.md); float layers compute in float32 like the
// source framework. Every quantizer is a numbered quantization point whose
// overflow count is reported and whose output an observer can watch.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_EXEC_EXECUTOR_H
#define HGQ_EXEC_EXECUTOR_H

#include "hgq/Exec/Tensor.h"

#include "mlir/Support/LLVM.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace hgq::exec {

/// A quantizer the executor applies.
struct QuantizationPoint {
  std::string name;                  ///< the op's location name (ONNX node)
  mlir::Operation *op;               ///< the op that carries the quantizer
  bool layerLevel;                   ///< #hgq.quantizer (true) or #hgq.fixed
  std::vector<int64_t> featureShape; ///< the quantized tensor, no batch
  std::vector<int64_t> bitsShape;    ///< the quantizer's bit arrays
  /// For each feature element, the bits element it shares a width with.
  std::vector<int64_t> featureToBits;
};

/// Watches the output of every quantizer (one instance per worker thread).
/// The tensor is exact; its mantissas may be float-held (floatStorage).
class Observer {
public:
  virtual ~Observer();
  virtual void observe(size_t point, const Tensor &quantized) = 0;
};

struct RunOptions {
  unsigned threads = 0; ///< 0: one per core
  /// Samples per work item; 0 picks them so that one step's tensors of a
  /// work item stay within a few MB (at most 2048 samples).
  int64_t chunkRows = 0;
  std::function<std::unique_ptr<Observer>()> makeObserver;
  /// Called from the driving thread as chunks finish.
  std::function<void(int64_t done, int64_t total)> progress;
  /// Keep the outputs (false: only observers, overflow counts and which
  /// outputs are constant; memory stays flat however many samples run).
  bool keepOutputs = true;
  /// When set, receives each work item's outputs (its first sample's index
  /// and one tensor per output, batch first) in sample order, one call at a
  /// time, as work items finish; RunResult::outputs then stays empty and
  /// memory stays flat. An error it returns stops the run.
  std::function<Status(int64_t begin, const std::vector<Tensor> &outputs)>
      consumeOutputs;
};

struct RunResult {
  std::vector<Tensor> outputs;
  std::vector<int64_t> overflowCounts; ///< per quantization point
  std::vector<std::unique_ptr<Observer>> observers;
  /// Per output: the same value for every sample.
  std::vector<bool> constantOutputs;
};

class Executor {
public:
  ~Executor();
  /// Compiles `function`; on failure emits a diagnostic on the offending op.
  static mlir::FailureOr<std::unique_ptr<Executor>>
  create(mlir::func::FuncOp function);

  /// Runs float32 inputs (one tensor per function argument, batch first).
  Status run(const std::vector<Tensor> &inputs, const RunOptions &options,
             RunResult &result) const;
  /// The same on inputs it does not own (e.g. memory-mapped .npy files):
  /// each work item copies only its own rows.
  Status run(const std::vector<InputView> &inputs, const RunOptions &options,
             RunResult &result) const;

  const std::vector<QuantizationPoint> &points() const { return points_; }
  /// Names (location names, else "argN" / "resultN") and non-batch shapes.
  const std::vector<std::string> &inputNames() const { return inputNames_; }
  const std::vector<std::vector<int64_t>> &inputShapes() const {
    return inputShapes_;
  }
  const std::vector<std::string> &outputNames() const { return outputNames_; }

  struct Step;

private:
  Executor();
  Status runChunk(const std::vector<InputView> &inputs, int64_t begin,
                  int64_t end, Observer *observer,
                  std::vector<int64_t> &overflowCounts,
                  std::vector<Tensor> &outputs) const;

  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<QuantizationPoint> points_;
  std::vector<std::string> inputNames_, outputNames_;
  std::vector<std::vector<int64_t>> inputShapes_;
  std::vector<int> outputSlots_;
  int slotCount_ = 0;
  /// The bytes one sample needs in the largest step (its tensors as int64,
  /// a convolution's gathered windows too).
  int64_t bytesPerSample_ = 8;
};

} // namespace hgq::exec

#endif // HGQ_EXEC_EXECUTOR_H
