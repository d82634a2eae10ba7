# Writes models whose external-data entries lie or escape (hand-made with
# onnx.helper): a location outside the model's folder, an absolute one, a
# directory, a non-numeric offset, a length of 2^40 for a 24-byte file.
#   bad_external_data.py OUTPUT_DIR
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
os.makedirs(os.path.join(out, "folder"), exist_ok=True)
with open(os.path.join(out, "w.bin"), "wb") as f:
    f.write(np.arange(6, dtype=np.float32).tobytes())


def write(name, **entries):
    weight = TensorProto()
    weight.name, weight.data_type = "w", TensorProto.FLOAT
    weight.dims.extend([3, 2])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in entries.items():
        item = weight.external_data.add()
        item.key, item.value = key, value
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="dense")], name,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


write("escape", location="../../etc/passwd")
write("absolute", location="/etc/passwd")
write("directory", location="folder")
write("offset_text", location="w.bin", offset="12abc")
write("too_long", location="w.bin", length=str(2 ** 40))
write("good", location="w.bin", length="24")
