# Patterns real exporters write, by hand with onnx.helper, each imported with
# hgq-translate and run with hgq-run against a numpy reference:
# - older PyTorch's BatchNorm1d after a Linear: Unsqueeze(axes=[2]) ->
#   BatchNormalization -> Squeeze(axes=[2]);
# - keras2onnx's Flatten(axis=0) on a graph whose batch is fixed to 1, then
#   Gemm;
# - Brevitas/QONNX weights computed in the graph: Quant(initializer) ->
#   Transpose -> MatMul;
# - a BatchNorm-like scale computed from constants (Add, Sqrt, Div, Pow),
#   then Mul of the activation.
#   exporter_patterns.py BIN_DIR WORK_DIR
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIN, WORK = sys.argv[1:3]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(3)
f32 = np.float32


def model(name, nodes, inputs, outputs, initializers, opset, domains=()):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(graph, opset_imports=imports)
    m.ir_version = 8
    path = os.path.join(WORK, name + ".onnx")
    onnx.save(m, path)
    return path


def run(path, x):
    mlir, xin, out = path + ".mlir", path + ".in.npy", path + ".out.npy"
    subprocess.run([os.path.join(BIN, "hgq-translate"), "--import-onnx", path, "-o", mlir], check=True)
    np.save(xin, x)
    subprocess.run([os.path.join(BIN, "hgq-run"), mlir, "--input", xin, "--output", out], check=True)
    return np.load(out)


def check(name, got, expected, tolerance=1e-6):
    error = float(np.max(np.abs(got.reshape(expected.shape) - expected)))
    status = "ok" if error <= tolerance else "MISMATCH"
    print("%s: %s (max error %.3g)" % (name, status, error))


# 1. Unsqueeze -> BatchNormalization -> Squeeze after a MatMul + Add.
w = rng.standard_normal((4, 3)).astype(f32)
b = rng.standard_normal(3).astype(f32)
gamma, beta = rng.uniform(0.5, 2, 3).astype(f32), rng.standard_normal(3).astype(f32)
mean, var = rng.standard_normal(3).astype(f32), rng.uniform(0.5, 2, 3).astype(f32)
path = model("bn1d_unsqueeze", [
    helper.make_node("MatMul", ["x", "w"], ["m"], name="fc"),
    helper.make_node("Add", ["m", "b"], ["a"], name="fc_bias"),
    helper.make_node("Unsqueeze", ["a"], ["u"], axes=[2], name="unsqueeze"),
    helper.make_node("BatchNormalization", ["u", "gamma", "beta", "mean", "var"], ["n"],
                     epsilon=1e-5, name="bn"),
    helper.make_node("Squeeze", ["n"], ["y"], axes=[2], name="squeeze"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
   {"w": w, "b": b, "gamma": gamma, "beta": beta, "mean": mean, "var": var}, 11)
x = rng.standard_normal((32, 4)).astype(f32)
a = x @ w + b
expected = (a - mean) / np.sqrt(var + f32(1e-5)) * gamma + beta
check("bn1d_unsqueeze", run(path, x), expected.astype(f32), 1e-5)

# 2. Flatten(axis=0) with the batch fixed to 1, then Gemm.
w = rng.standard_normal((12, 2)).astype(f32)
path = model("keras_flatten0", [
    helper.make_node("Flatten", ["x"], ["f"], axis=0, name="flatten"),
    helper.make_node("Gemm", ["f", "w"], ["y"], name="dense"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], {"w": w}, 13)
x = rng.standard_normal((16, 3, 4)).astype(f32)
check("keras_flatten0", run(path, x), x.reshape(16, 12) @ w)

# 3. Quant(initializer) -> Transpose -> MatMul (Brevitas' Linear).
weight = rng.standard_normal((3, 5)).astype(f32)  # PyTorch (out, in)
scale = f32(2.0 ** -3)
q = np.clip(np.round(weight / scale), -128, 127) * scale  # np.round: half to even
path = model("brevitas_linear", [
    helper.make_node("Quant", ["weight", "scale", "zero", "bits"], ["wq"], domain="qonnx.custom_op.general",
                     signed=1, narrow=0, rounding_mode="ROUND", name="weight_quant"),
    helper.make_node("Transpose", ["wq"], ["wt"], perm=[1, 0], name="transpose"),
    helper.make_node("MatMul", ["x", "wt"], ["y"], name="linear"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 5])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
   {"weight": weight, "scale": np.array(scale, f32), "zero": np.array(0, f32),
    "bits": np.array(8, f32)}, 13, ["qonnx.custom_op.general"])
x = rng.standard_normal((32, 5)).astype(f32)
check("brevitas_linear", run(path, x), (x @ q.T).astype(f32), 1e-5)

# 4. A scale computed from constants: gamma / Sqrt(var + eps) * Pow(two, 0).
path = model("constant_scale", [
    helper.make_node("Add", ["var", "eps"], ["ve"], name="var_eps"),
    helper.make_node("Sqrt", ["ve"], ["sd"], name="sd"),
    helper.make_node("Div", ["gamma", "sd"], ["s"], name="scale"),
    helper.make_node("Pow", ["two", "zero"], ["one"], name="one"),
    helper.make_node("Mul", ["s", "one"], ["s1"], name="scale_one"),
    helper.make_node("Mul", ["x", "s1"], ["y"], name="apply"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
   {"var": var, "eps": np.array(1e-5, f32), "gamma": gamma, "two": np.array(2, f32),
    "zero": np.array(0, f32)}, 13)
x = rng.standard_normal((32, 3)).astype(f32)
s = (gamma / np.sqrt((var + f32(1e-5)).astype(f32))).astype(f32)
check("constant_scale", run(path, x), (x * s).astype(f32), 0)

# 5. Input preprocessing: (x - mean) * scale on features, then Gemm; a
# per-channel offset before a Conv; a constant minus an activation.
mean_f, scale_f = rng.standard_normal(6).astype(f32), rng.uniform(0.5, 2, 6).astype(f32)
w = rng.standard_normal((6, 2)).astype(f32)
path = model("preprocess_features", [
    helper.make_node("Sub", ["x", "mean"], ["c"], name="center"),
    helper.make_node("Mul", ["c", "scale"], ["s"], name="scale"),
    helper.make_node("Gemm", ["s", "w"], ["y"], name="dense"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 6])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
   {"mean": mean_f, "scale": scale_f, "w": w}, 13)
x = rng.standard_normal((32, 6)).astype(f32)
check("preprocess_features", run(path, x), (((x - mean_f) * scale_f).astype(f32) @ w).astype(f32), 1e-5)

offset = rng.standard_normal((2, 1, 1)).astype(f32)
kernel = rng.standard_normal((3, 2, 3, 3)).astype(f32)
path = model("preprocess_channels", [
    helper.make_node("Sub", ["offset", "x"], ["c"], name="flip"),
    helper.make_node("Conv", ["c", "k"], ["y"], pads=[1, 1, 1, 1], name="conv"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 5, 5])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3, 5, 5])],
   {"offset": offset, "k": kernel}, 13)
x = rng.standard_normal((8, 2, 5, 5)).astype(f32)
c = np.pad(offset - x, ((0, 0), (0, 0), (1, 1), (1, 1)))
ref = np.zeros((8, 3, 5, 5), f32)
for i in range(5):
    for j in range(5):
        ref[:, :, i, j] = np.einsum("nchw,ochw->no", c[:, :, i:i + 3, j:j + 3], kernel)
got = run(path, x.transpose(0, 2, 3, 1).copy()).transpose(0, 3, 1, 2)
check("preprocess_channels", got, ref, 1e-4)

# Refusals (exporters.test checks the messages): padding that is not zero or
# that feeds something other than a Conv, a PRelu slope per position, the batch
# size used in arithmetic or in a non-batch Reshape entry.
x4 = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 4, 4])
y4 = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])
pads = np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)
model("refuse_reflect", [helper.make_node("Pad", ["x", "pads"], ["p"], mode="reflect", name="pad"),
                         helper.make_node("Relu", ["p"], ["y"], name="relu")],
      [x4], [y4], {"pads": pads}, 13)
model("refuse_pad_relu", [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                          helper.make_node("Relu", ["p"], ["y"], name="relu")],
      [x4], [y4], {"pads": pads}, 13)
model("refuse_pad_maxpool", [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                             helper.make_node("MaxPool", ["p"], ["y"], kernel_shape=[3, 3], name="pool")],
      [x4], [y4], {"pads": pads}, 13)
model("refuse_prelu", [helper.make_node("PRelu", ["x", "slope"], ["y"], name="prelu")],
      [x4], [y4], {"slope": rng.uniform(0, 0.5, (1, 4, 4)).astype(f32)}, 13)
model("refuse_batch_arithmetic", [
    helper.make_node("Shape", ["x"], ["s"], name="shape"),
    helper.make_node("Mul", ["s", "two"], ["s2"], name="double"),
    helper.make_node("Reshape", ["x", "s2"], ["y"], name="reshape"),
], [x4], [y4], {"two": np.array(2, np.int64)}, 13)
model("refuse_batch_entry", [
    helper.make_node("Shape", ["x"], ["s"], name="shape"),
    helper.make_node("Gather", ["s", "zero"], ["b"], axis=0, name="batch"),
    helper.make_node("Unsqueeze", ["b", "axes"], ["b1"], name="unsqueeze"),
    helper.make_node("Concat", ["minus", "b1"], ["target"], axis=0, name="concat"),
    helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape"),
], [x4], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "m"])],
   {"zero": np.array(0, np.int64), "axes": np.array([0], np.int64),
    "minus": np.array([-1], np.int64)}, 13)
x3 = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 3])
y3 = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3, 2])
model("refuse_perm_range", [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 5, 1], name="t")],
      [x3], [y3], {}, 13)
model("refuse_perm_repeat", [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 1, 1], name="t")],
      [x3], [y3], {}, 13)
x4f = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
y4f = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
model("refuse_wide_quant", [helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], name="q",
                                             domain="qonnx.custom_op.general", signed=1, narrow=0,
                                             rounding_mode="ROUND")],
      [x4f], [y4f], {"s": np.array(0.25, f32), "z": np.array(0, f32), "b": np.array(264, f32)}, 13,
      domains=("qonnx.custom_op.general",))
model("refuse_wide_signature", [helper.make_node("Signature", ["x"], ["y"], name="sig", domain="hgq",
                                                 keep_negative=1, bits=300, integers=3)],
      [x4f], [y4f], {}, 13, domains=("hgq",))
