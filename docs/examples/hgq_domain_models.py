#!/usr/bin/python3
"""Writes the two small models of docs/hgq-onnx-domain.md, with the ONNX
library only (python3-onnx):

  layer-level.onnx  hgq.Quantizer on the input, on a Gemm's weights and on
                    the Gemm's output, then Relu: an HGQ model as trained
                    (fractional bits only; integer bits come from data)
  proxy.onnx        hgq.Signature on the input, hgq.FixedPointQuantizer on
                    a MatMul's weights and output, and an hgq.UnaryLUT
                    (sigmoid) on a 4-bit signed input: explicit formats

  hgq_domain_models.py [OUTPUT_DIR]   (default: the current folder)
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def int8(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int8), name)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("hgq", 1)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def layer_level(path):
    weights = numpy_helper.from_array(
        np.array([[0.5, -0.25, 1.0], [0.75, 0.125, -0.5]], dtype=np.float32), "W")
    nodes = [
        # One f per input feature (2 features).
        helper.make_node("Quantizer", ["x", "f_in"], ["xq"], domain="hgq",
                         name="input_q", rnd_strategy="standard_round"),
        # On an initializer: the kernel quantizer of the Gemm that reads it,
        # one f per weight.
        helper.make_node("Quantizer", ["W", "f_w"], ["Wq"], domain="hgq",
                         name="kernel_q"),
        helper.make_node("Gemm", ["xq", "Wq"], ["y"], name="dense"),
        # On the Gemm's output: folds into the layer as its pre-activation
        # quantizer; one f shared by every feature (shape [1]).
        helper.make_node("Quantizer", ["y", "f_out"], ["yq"], domain="hgq",
                         name="dense_q", rnd_strategy="auto"),
        helper.make_node("Relu", ["yq"], ["out"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "layer_level",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 3])],
        [weights, int8("f_in", [3, 2]), int8("f_w", [[2, 2, 0], [2, 3, 1]]),
         int8("f_out", [3])])
    save(graph, path)


def proxy(path):
    weights = numpy_helper.from_array(
        np.array([[0.3, -0.6], [1.1, 0.2]], dtype=np.float32), "W")
    # The LUT's input is fixed<4,2>: 16 entries in raw-bit order, values
    # 0, 0.25, ..., 1.75, then -2, -1.75, ..., -0.25.
    inputs = [i / 4 if i < 8 else (i - 16) / 4 for i in range(16)]
    table = numpy_helper.from_array(
        np.array([1 / (1 + np.exp(-v)) for v in inputs], dtype=np.float32), "table")
    nodes = [
        helper.make_node("Signature", ["x"], ["xs"], domain="hgq", name="input",
                         keep_negative=1, bits=6, integers=3),
        # Per-weight formats: fixed<6,1> and fixed<4,2> columns.
        helper.make_node("FixedPointQuantizer", ["W", "k_w", "b_w", "i_w"], ["Wq"],
                         domain="hgq", name="kernel_q", RND="RND_CONV", SAT="SAT"),
        helper.make_node("MatMul", ["xs", "Wq"], ["y"], name="dense"),
        helper.make_node("FixedPointQuantizer", ["y", "k_y", "b_y", "i_y"], ["yq"],
                         domain="hgq", name="dense_q", RND="RND", SAT="SAT"),
        helper.make_node("UnaryLUT", ["yq", "table"], ["out"], domain="hgq",
                         name="sigmoid"),
    ]
    graph = helper.make_graph(
        nodes, "proxy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 2])],
        [weights, table,
         int8("k_w", [1]), int8("b_w", [[6, 4]]), int8("i_w", [[1, 2]]),
         int8("k_y", [1]), int8("b_y", [4]), int8("i_y", [2])])
    save(graph, path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    layer_level(os.path.join(out, "layer-level.onnx"))
    proxy(os.path.join(out, "proxy.onnx"))
    print("wrote layer-level.onnx and proxy.onnx")


if __name__ == "__main__":
    main()
