//===- Calibration.cpp - Calibration data for the passes ------------------===//

#include "hgq/Transforms/Calibration.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

FailureOr<std::vector<hgq::exec::Tensor>> hgq::loadCalibration(StringRef paths,
                                                               size_t inputs,
                                                               Operation *where,
                                                               StringRef pass) {
  SmallVector<StringRef> files;
  paths.split(files, ',', -1, false);
  if (files.size() != inputs)
    return where->emitError()
           << pass << ": the model has " << inputs
           << " inputs but calibration= names " << files.size() << " file(s)";
  std::vector<exec::Tensor> tensors;
  for (StringRef path : files) {
    exec::Tensor tensor;
    std::string error;
    int64_t rounded = 0;
    if (!readNpyFloat32(path.trim().str(), tensor.shape, tensor.floats, rounded,
                        error))
      return where->emitError() << pass << ": " << error;
    if (tensor.shape.empty() || tensor.shape[0] == 0)
      return where->emitError() << pass << ": " << path << " holds no samples";
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

void hgq::warnZeroKernels(func::FuncOp function, StringRef pass) {
  function.walk(
      [&](LayerOpInterface layer) {
        QuantizerAttr quantizer = layer.getKernelQuantizerAttr();
        if (!quantizer)
          return;
        FailureOr<QuantizedConstants> kernel =
            quantizeKernel(layer, layer.getKernel(), quantizer);
        if (failed(kernel) ||
            llvm::any_of(kernel->values, [](double w) { return w != 0; }))
          return;
        std::string name = layerName(layer);
        layer->emitWarning()
            << pass << ": every weight of layer '"
            << (name.empty() ? layer->getName().getStringRef().str() : name)
            << "' quantizes to zero: the layer outputs only its bias";
      });
}

void hgq::warnConstantOutputs(func::FuncOp function,
                              const std::vector<exec::Tensor> &outputs,
                              StringRef pass) {
  for (size_t out = 0; out < outputs.size(); ++out) {
    const exec::Tensor &tensor = outputs[out];
    int64_t features = tensor.featureSize();
    bool constant = tensor.batch() > 1;
    for (int64_t n = 1; constant && n < tensor.batch(); ++n)
      for (int64_t e = 0; constant && e < features; ++e)
        constant = tensor.valueAt(n * features + e) == tensor.valueAt(e);
    if (constant)
      function.emitWarning() << pass << ": output " << out
                             << " of the quantized model is constant over the "
                             << tensor.batch() << " calibration samples";
  }
}
