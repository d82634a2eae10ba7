#!/usr/bin/python3
"""Writes the hostile-input corpus: files an attacker (or a broken exporter)
could hand to each reader. Every file is refused with a message naming the
file and what is wrong, exit code 1, and no output written (see the .test
file of the same name). The files are committed under Inputs/; this script
is how they were made (hostile-corpus-up-to-date.test checks it still makes
the same bytes).

  make_hostile.py [OUTPUT_DIR]     (default: Inputs/ beside this script)
"""

import io
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")
os.makedirs(OUT, exist_ok=True)
f32 = np.float32


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def onnx_model(name, nodes, inputs, outputs, initializers=(), functions=(), domains=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=imports, functions=list(functions))
    model.ir_version = 8
    model.producer_name = "make_hostile.py"
    return model.SerializeToString()


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def dense(name, weight):
    """x (n, rows) @ weight: the smallest model that reads a weight."""
    return onnx_model(name, [helper.make_node("MatMul", ["x", "w"], ["y"], name="dense")],
                      [tensor("x", ["n", 3])], [tensor("y", ["n", 2])], [weight])


# --- ONNX ------------------------------------------------------------------
write("onnx-truncated.onnx", dense("truncated", numpy_helper.from_array(np.ones((3, 2), f32), "w"))[:57])

write("onnx-transpose-perm.onnx", onnx_model(
    "perm", [helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 5, 1])],
    [tensor("x", ["n", 3, 4])], [tensor("y", ["n", 4, 3])]))

write("onnx-matmul-no-outputs.onnx", onnx_model(
    "empty", [helper.make_node("MatMul", ["x", "w"], ["y"], name="dense")],
    [tensor("x", ["n", 3])], [tensor("y", ["n", 0])],
    [numpy_helper.from_array(np.zeros((3, 0), f32), "w")]))


def conv(name, **attributes):
    weight = numpy_helper.from_array(np.ones((2, 1, 3, 3), f32), "w")
    return onnx_model(name, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attributes)],
                      [tensor("x", ["n", 1, 8, 8])], [tensor("y", ["n", 2, 6, 6])], [weight])


write("onnx-conv-zero-stride.onnx", conv("stride", strides=[0, 1]))
write("onnx-conv-huge-dilation.onnx", conv("dilation", dilations=[2 ** 62, 1]))
write("onnx-conv-negative-pads.onnx", conv("pads", pads=[-(2 ** 40), 0, 0, 0]))

write("onnx-input-negative-dim.onnx", onnx_model(
    "negative", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [tensor("x", ["n", -5])], [tensor("y", ["n", -5])]))

negative = TensorProto()
negative.name, negative.data_type = "w", TensorProto.FLOAT
negative.dims.extend([-3, -2])
negative.float_data.extend([1.0] * 6)
write("onnx-weight-negative-dim.onnx", dense("negative_weight", negative))

overflowing = TensorProto()
overflowing.name, overflowing.data_type = "w", TensorProto.FLOAT
overflowing.dims.extend([2 ** 32, 2 ** 32, 4])
overflowing.float_data.extend([1.0] * 6)
write("onnx-weight-shape-overflow.onnx", dense("overflow", overflowing))

nan = np.ones((3, 2), f32)
nan[1, 0] = np.nan
write("onnx-weight-nan.onnx", dense("nan", numpy_helper.from_array(nan, "w")))
inf = np.ones((3, 2), f32)
inf[2, 1] = -np.inf
write("onnx-weight-inf.onnx", dense("inf", numpy_helper.from_array(inf, "w")))


def function(name, body_op, domain="local"):
    return helper.make_function(domain, name, ["a"], ["b"],
                                [helper.make_node(body_op, ["a"], ["b"], domain=domain if body_op != "Relu" else "")],
                                [helper.make_opsetid("", 13), helper.make_opsetid(domain, 1)])


def calls(name, functions):
    return onnx_model(name, [helper.make_node(functions[-1].name, ["x"], ["y"], name="call", domain="local")],
                      [tensor("x", ["n", 3])], [tensor("y", ["n", 3])], functions=functions,
                      domains=("local",))


write("onnx-function-recursive.onnx", calls("recursive", [function("f", "f")]))
write("onnx-function-mutual.onnx", calls("mutual", [function("f", "g"), function("g", "f")]))
# f0 is a Relu and each f(k) applies f(k-1) twice: 2^40 nodes once inlined.
chain = [function("f0", "Relu")]
for k in range(1, 41):
    chain.append(helper.make_function(
        "local", "f%d" % k, ["a"], ["b"],
        [helper.make_node("f%d" % (k - 1), ["a"], ["m"], domain="local"),
         helper.make_node("f%d" % (k - 1), ["m"], ["b"], domain="local")],
        [helper.make_opsetid("", 13), helper.make_opsetid("local", 1)]))
write("onnx-function-exponential.onnx", calls("exponential", chain))
# Fewer nodes (2^19) but long node names, which inlining scopes by every
# caller's name: tens of gigabytes of names unless the copies are bounded.
chain = [function("f0", "Relu")]
for k in range(1, 20):
    chain.append(helper.make_function(
        "local", "f%d" % k, ["a"], ["b"],
        [helper.make_node("f%d" % (k - 1), ["a"], ["m"], name="n" * 1000, domain="local"),
         helper.make_node("f%d" % (k - 1), ["m"], ["b"], name="N" * 1000, domain="local")],
        [helper.make_opsetid("", 13), helper.make_opsetid("local", 1)]))
write("onnx-function-long-names.onnx", calls("long_names", chain))

write("onnx-qonnx-bitwidth-264.onnx", onnx_model(
    "wide", [helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], name="q", domain="qonnx.custom_op.general",
                              signed=1, narrow=0, rounding_mode="ROUND")],
    [tensor("x", ["n", 4])], [tensor("y", ["n", 4])],
    [numpy_helper.from_array(np.array(v, f32), k) for k, v in (("s", 0.25), ("z", 0), ("b", 264))],
    domains=("qonnx.custom_op.general",)))

escape = TensorProto()
escape.name, escape.data_type = "w", TensorProto.FLOAT
escape.dims.extend([3, 2])
escape.data_location = TensorProto.EXTERNAL
entry = escape.external_data.add()
entry.key, entry.value = "location", "../../../../../../etc/passwd"
write("onnx-external-escape.onnx", dense("escape", escape))

# --- hls4ml documents ---------------------------------------------------------
write("hls4ml-deep-nesting.json", b'{"schema": "hgq-hls4ml/1", "layers": ' + b"[" * 100000 + b"]" * 100000 + b"}")


def document(kernel_shape, kernel_data, precision="fixed<8,3>"):
    return ('{"schema": "hgq-hls4ml/1", "layers": [\n'
            ' {"name": "x", "class_name": "InputLayer", "shape": [2]},\n'
            ' {"name": "dense", "class_name": "Dense", "inputs": ["x"], "shape": [1], '
            '"precision": {"accum": "%s"}, "weights": {"kernel": {"shape": %s, "data": %s}}}],\n'
            ' "outputs": [{"name": "dense"}]}\n' % (precision, kernel_shape, kernel_data)).encode()


write("hls4ml-weight-beyond-float.json", document("[2, 1]", "[1e300, 0.5]"))
write("hls4ml-shape-overflow.json", document("[4294967296, 4294967296, 4]", "[0.5, 0.5]"))
write("hls4ml-precision-300.json", document("[2, 1]", "[0.5, 0.5]", "fixed<300,3>"))
write("hls4ml-precision-negative.json", document("[2, 1]", "[0.5, 0.5]", "fixed<-5,3>"))

# Found by fuzz/run.sh: a quantizer whose declared shape differs from its
# input's; the per-tensor types were computed before the verifier ran and
# read past the format array.
write("hls4ml-quantizer-shape.json", b"""{"schema": "hgq-hls4ml/1", "layers": [
 {"name": "x", "class_name": "InputLayer", "shape": [2]},
 {"name": "q", "class_name": "FixedPointQuantizer", "inputs": ["x"], "shape": [1],
  "format": {"k": {"shape": [2], "data": [1, 0]}, "i": {"shape": [], "data": [2]},
             "f": {"shape": [2], "data": [2, 1]}, "rounding": "RND", "overflow": "SAT"}},
 {"name": "dense", "class_name": "Dense", "inputs": ["q"], "shape": [1],
  "weights": {"kernel": {"shape": [2, 1], "data": [0.5, 1]}}}],
 "outputs": [{"name": "dense"}]}
""")

# --- .npy inputs ----------------------------------------------------------------


def npy(header, payload=b""):
    text = header.encode()
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload


write("npy-negative-shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-5, 8), }", bytes(160)))
write("npy-shape-garbage.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5a8), }", bytes(160)))
write("npy-shape-beyond-file.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 4), }",
                                       bytes(64)))
write("npy-shape-overflow.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                    "(4294967296, 4294967296, 2), }", bytes(64)))
write("npy-header-length.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
# Found by fuzz/run.sh: a version 2 header of 4 GB declared in a 20-byte file
# was allocated before it was read.
write("npy-v2-header-length.npy", b"\x93NUMPY\x02\x00\x00\x08\xed\xff{'descr'")

# --- MLIR ------------------------------------------------------------------------
# Found by fuzz/run.sh: elements with f = 2 and f = 91 in one quantizer; the
# f = 2 element's result was shifted by 89 bits in int64 (undefined).
write("mlir-quantize-shift-89.mlir", b"""func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = dense<[2, 0, 91]> : tensor<3xi8>, rounding = RND, overflow = SAT>} : tensor<?x3xf32> loc("q")
  return %q : tensor<?x3xf32>
}
""")

# Found by fuzz/run.sh: MLIR's parser recurses once per nested bracket and
# overflowed the stack (here an attribute nested 100,000 deep).
write("mlir-deep-nesting.mlir", b"func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> attributes {a = "
      + b"[" * 100000 + b"]" * 100000 + b"} {\n  return %x : tensor<?x2xf32>\n}\n")

# --- Keras HDF5 -----------------------------------------------------------------
try:
    import h5py
except ImportError:  # the corpus is committed; regenerating it needs h5py
    h5py = None
if h5py is not None:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", track_order=False) as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": ' + "[" * 100000 + "]" * 100000 + "}"
    write("keras-deep-nesting.h5", buffer.getvalue())

    def keras_dense(name, kernel):
        """A Sequential model of one Dense layer whose kernel dataset is made
        by kernel(group, key)."""
        config = {"class_name": "Sequential", "config": {"name": name, "layers": [
            {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 4]}},
            {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "linear",
                                               "use_bias": True}}]}}
        buffer = io.BytesIO()
        with h5py.File(buffer, "w", track_order=False) as f:
            f.attrs["model_config"] = json.dumps(config)
            group = f.create_group("model_weights")
            group.attrs["layer_names"] = np.array([b"x", b"d"])
            g = group.create_group("d")
            kernel(g, "d/kernel:0")
            g.create_dataset("d/bias:0", data=np.zeros(2, f32))
            g.attrs["weight_names"] = np.array([b"d/kernel:0", b"d/bias:0"])
        write(name + ".h5", buffer.getvalue())

    # Found by fuzz/run.sh: the free-space object of the global heap
    # collection holding model_config (a variable-length string) has size 0,
    # and libhdf5 1.10 loops forever reading the attribute.
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", track_order=False) as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {"layers": []}}'
    image = bytearray(buffer.getvalue())
    heap = image.index(b"GCOL")
    at = heap + 16
    while int.from_bytes(image[at:at + 2], "little") != 0:  # objects 1, 2...: 16-byte header, 8-aligned data
        at += 16 + (int.from_bytes(image[at + 8:at + 16], "little") + 7) // 8 * 8
    image[at + 8:at + 16] = bytes(8)
    write("keras-heap-free-space-zero.h5", bytes(image))

    # A kernel of 2^40 float32 values that were never written: the reader
    # allocated 4 TB before reading.
    keras_dense("keras-weight-claims-huge", lambda g, key: g.create_dataset(key, shape=(1 << 20, 1 << 20), dtype=f32))
    # A kernel stored in an external raw file: HDF5 would read any file on
    # the disk.
    keras_dense("keras-weight-external", lambda g, key: g.create_dataset(
        key, shape=(4, 2), dtype=f32, external=[("/etc/passwd", 0, 32)]))
