//===- Calibration.cpp - Calibration data for the passes ------------------===//

#include "hgq/Transforms/Calibration.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

std::vector<hgq::exec::InputView>
hgq::CalibrationData::head(int64_t rows) const {
  std::vector<exec::InputView> result = views;
  for (exec::InputView &view : result)
    view.shape[0] = std::min(view.shape[0], rows);
  return result;
}

LogicalResult hgq::loadCalibration(StringRef paths, size_t inputs,
                                   Operation *where, StringRef pass,
                                   CalibrationData &data) {
  SmallVector<StringRef> files;
  paths.split(files, ',', -1, false);
  if (files.size() != inputs)
    return where->emitError()
           << pass << ": the model has " << inputs
           << " inputs but calibration= names " << files.size() << " file(s)";
  for (StringRef path : files) {
    std::string error;
    auto samples = std::make_unique<NpySamples>();
    if (!samples->open(path.trim().str(), error))
      return where->emitError() << pass << ": " << error;
    exec::InputView view{samples->shape(), samples->floats()};
    if (view.shape.empty() || view.shape[0] == 0)
      return where->emitError() << pass << ": " << path << " holds no samples";
    data.files.push_back(std::move(samples));
    data.views.push_back(std::move(view));
  }
  return success();
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
                              const std::vector<bool> &constant,
                              int64_t samples, StringRef pass) {
  for (size_t out = 0; out < constant.size(); ++out)
    if (constant[out] && samples > 1)
      function.emitWarning() << pass << ": output " << out
                             << " of the quantized model is constant over the "
                             << samples << " calibration samples";
}
