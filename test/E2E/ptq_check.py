# The float example through --hgq-proxy-pipeline with no option meets its
# default target: the bit-accurate proxy's argmax agrees with the float
# model's on at least 99% of the calibration samples. The float reference is
# numpy on the ONNX file's initializers (Gemm, Relu), not our executor.
#   ptq_check.py ONNX CALIBRATION PROXY_OUTPUT.npy
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
weights = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
x = np.load(sys.argv[2]).astype(np.float64)
for node in model.graph.node:
    if node.op_type == "Gemm":
        attrs = {a.name: a for a in node.attribute}
        w = weights[node.input[1]]
        if "transB" in attrs and attrs["transB"].i:
            w = w.T
        x = x @ w + weights[node.input[2]]
    elif node.op_type == "Relu":
        x = np.maximum(x, 0)
    else:
        sys.exit("unexpected op " + node.op_type)
proxy = np.load(sys.argv[3])
agreement = float(np.mean(proxy.argmax(1) == x.argmax(1)))
print("argmax agreement %.4f: %s" % (agreement, "meets 0.99" if agreement >= 0.99 else "MISSES 0.99"))
