//===- HGQInterfaces.td - Interfaces of the hgq ops --------*- tablegen -*-===//

#ifndef HGQ_INTERFACES_TD
#define HGQ_INTERFACES_TD

include "mlir/IR/OpBase.td"

def HGQ_LayerOpInterface : OpInterface<"LayerOpInterface"> {
  let cppNamespace = "::hgq";
  let description = [{
    A layer with weights: `z = input (*) kernel + bias`, then the optional
    pre-activation quantizer, then the fused activation. `hgq.dense` and
    `hgq.conv` implement it. Passes, analyses, the executor and the emitters
    that treat the two alike work through this interface; what only a
    convolution has (its window geometry) they get by casting to
    `hgq.conv`.

    The level of a layer is the level of its quantizers: it is at layer
    level while it carries an HGQ quantizer (`kernel_quantizer` or
    `quantizer`), and at proxy level (or both) once it carries none.
  }];
  let methods = [
    InterfaceMethod<"The activation the layer reads.",
      "::mlir::TypedValue<::mlir::RankedTensorType>", "getInput">,
    InterfaceMethod<"The layer's result.",
      "::mlir::TypedValue<::mlir::RankedTensorType>", "getOutput">,
    InterfaceMethod<"The kernel constants (dense: `(in, out)`; convolution: "
      "`(KW, C/groups, O)` or `(KH, KW, C/groups, O)`): the output channel is "
      "always the last dimension.",
      "::mlir::ElementsAttr", "getKernel">,
    InterfaceMethod<"Replaces the kernel.",
      "void", "setKernelAttr", (ins "::mlir::ElementsAttr":$kernel)>,
    InterfaceMethod<"The bias (one per output channel), or null.",
      "::mlir::ElementsAttr", "getBiasAttr">,
    InterfaceMethod<"Replaces the bias.",
      "void", "setBiasAttr", (ins "::mlir::ElementsAttr":$bias)>,
    InterfaceMethod<"The HGQ kernel quantizer, or null.",
      "::hgq::QuantizerAttr", "getKernelQuantizerAttr">,
    InterfaceMethod<"Sets the HGQ kernel quantizer.",
      "void", "setKernelQuantizerAttr",
      (ins "::hgq::QuantizerAttr":$quantizer)>,
    InterfaceMethod<"Drops the kernel quantizer.",
      "::mlir::Attribute", "removeKernelQuantizerAttr">,
    InterfaceMethod<"The HGQ pre-activation quantizer, or null.",
      "::hgq::QuantizerAttr", "getQuantizerAttr">,
    InterfaceMethod<"Sets the HGQ pre-activation quantizer.",
      "void", "setQuantizerAttr", (ins "::hgq::QuantizerAttr":$quantizer)>,
    InterfaceMethod<"Drops the pre-activation quantizer.",
      "::mlir::Attribute", "removeQuantizerAttr">,
    InterfaceMethod<"The fused activation (`linear` or `relu`).",
      "::hgq::LayerActivation", "getActivation">,
    InterfaceMethod<"Replaces the fused activation.",
      "void", "setActivation", (ins "::hgq::LayerActivation":$activation)>,
    InterfaceMethod<"The number of output channels (the kernel's last "
      "dimension).",
      "int64_t", "getOutputChannels", (ins), [{}], [{
        auto type = ::mlir::cast<::mlir::ShapedType>(
            $_op.getKernel().getType());
        return type.getShape().back();
      }]>,
    InterfaceMethod<"The level the layer is at (see `hgq::levelOf`).",
      "::hgq::Level", "getLevel", (ins), [{}], [{
        return ::hgq::levelOf($_op.getOperation());
      }]>,
  ];
}

#endif // HGQ_INTERFACES_TD
