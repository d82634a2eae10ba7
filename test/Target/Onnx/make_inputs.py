# Writes the malformed models errors.test reads: metadata that is not an
# attribute dictionary, metadata naming a graph input that does not exist,
# and a Mul by a negative constant.   make_inputs.py OUTPUT_DIR
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def model(nodes, initializers, metadata=None):
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = m.metadata_props.add()
        entry.key, entry.value = key, value
    return m


scale = numpy_helper.from_array(np.array([0.5, 2.0], np.float32), "s")
mul = helper.make_node("Mul", ["x", "s"], ["y"], name="scale")
onnx.save(model([mul], [scale], {"hgq.attributes.scale": "{op = \"hgq.rescale\""}),
          os.path.join(out, "bad_metadata.onnx"))
onnx.save(model([mul], [scale], {"hgq.argument_attributes.3": "{hgq.layout = array<i64: 0, 1>}"}),
          os.path.join(out, "bad_argument.onnx"))
negative = numpy_helper.from_array(np.array([0.5, -2.0], np.float32), "s")
onnx.save(model([mul], [negative]), os.path.join(out, "negative_scale.onnx"))
div = helper.make_node("Div", ["s", "x"], ["y"], name="inverse")
onnx.save(model([div], [scale]), os.path.join(out, "constant_over_x.onnx"))
onnx.save(model([mul], [scale]), os.path.join(out, "mul.onnx"))
