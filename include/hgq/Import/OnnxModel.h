//===- OnnxModel.h - Loading and checking ONNX models -----------*- C++ -*-===//
//
// The ONNX library reports problems by throwing; the rest of the compiler is
// built without exceptions. These functions are the one place that catches:
// they load a model, declare the custom domains real files forget, inline
// model-local functions, and run the ONNX checker and shape inference,
// turning every failure into a message.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_ONNXMODEL_H
#define HGQ_IMPORT_ONNXMODEL_H

#include <memory>
#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace hgq::onnx_import {

/// Custom domains matched by (alias, op type) even when the model does not
/// declare them, with the opset version added for the checker.
bool isQonnxDomain(const std::string &domain);
bool isHgqDomain(const std::string &domain);

/// Parses `bytes` (the contents of `path`), prepares and checks the model.
/// On failure returns null and sets `error`.
std::unique_ptr<onnx::ModelProto> loadModel(const std::string &path,
                                            const std::string &bytes,
                                            std::string &error);

/// Runs the ONNX checker on a model this project wrote; false with `error`
/// set if it refuses.
bool checkModel(const onnx::ModelProto &model, std::string &error);

} // namespace hgq::onnx_import

#endif // HGQ_IMPORT_ONNXMODEL_H
