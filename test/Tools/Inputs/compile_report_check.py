"""Checks hgq-compile's report against references computed here.

  compile_report_check.py OUT/
      report.json against OUT/model.proxy.onnx read with the onnx library:
      every quantizer's per-element widths (the FixedPointQuantizer's bits),
      every kernel's per-weight widths (the smallest k, i, f holding the
      value, worked out with exact fractions; a convolution's permuted from
      ONNX's order), pruned weights and parameters, and the BOPs of each
      dense layer a quantizer feeds (semantics.md 3: sum of input width
      times span(w)); report.md shows the same totals; report.html needs nothing
      from the network and its heatmaps are PNGs of the right sizes.
"""
import base64
import json
import math
import re
import struct
import sys
import zlib
from fractions import Fraction

import numpy as np
import onnx
from onnx import numpy_helper


def lowest_set_fractional(value):
    """f at which the exact value has an odd mantissa (0.75 -> 2, 4 -> -2)."""
    f = 0
    while value.denominator != 1:
        value *= 2
        f += 1
    numerator = value.numerator
    while numerator % 2 == 0:
        numerator //= 2
        f -= 1
    return f


def smallest_width(weight):
    """k + i + f of the smallest format holding `weight` exactly (0: zero)."""
    value = Fraction(float(weight))
    if value == 0:
        return 0
    f = lowest_set_fractional(value)
    step = Fraction(2) ** -f
    k = 1 if value < 0 else 0
    i = -f  # the smallest i whose range holds the value
    while True:
        high = Fraction(2) ** i - step
        low = -Fraction(2) ** i if k else 0
        if low <= value <= high:
            return k + i + f
        i += 1


def span(weight):
    """semantics.md 3: bits from the highest to the lowest set bit of |w|."""
    value = abs(Fraction(float(weight)))
    if value == 0:
        return 0
    f = lowest_set_fractional(value)
    mantissa = int(value * Fraction(2) ** f)
    return mantissa.bit_length()


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    offset, idat = 8, b""
    while offset < len(data):
        length = struct.unpack(">I", data[offset:offset + 4])[0]
        kind = data[offset + 4:offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (width + 1), (len(raw), width, height)
    return width, height


def main(out):
    report = json.load(open(out + "/report.json"))
    assert report["schema"] == "hgq-compile-report/1"
    layers = {layer["id"]: layer for layer in report["layers"]}
    model = onnx.load(out + "/model.proxy.onnx")
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    producer = {}
    for node in model.graph.node:
        for output in node.output:
            producer[output] = node

    checked_quantizers = checked_kernels = 0
    widths_of = {}
    for node in model.graph.node:
        if node.op_type == "FixedPointQuantizer":
            name = node.output[0]
            shape = layers[name]["shape"]
            bits = np.broadcast_to(init[node.input[2]], shape).reshape(-1)
            widths_of[name] = bits
            got = layers[name]["output"]["widths"]
            assert got == [int(b) for b in bits], (name, got, bits)
            checked_quantizers += 1
    pruned = parameters = 0
    bops_total, bops_complete = 0, True
    for node in model.graph.node:
        if node.op_type not in ("MatMul", "Conv"):
            continue
        kernel = init[node.input[1]]
        layer_name = node.output[0].rsplit("/", 1)[0]
        layer = layers[layer_name]
        if node.op_type == "Conv":  # ONNX's (O, C, KH, KW) is (KH, KW, C, O) here
            kernel = kernel.transpose(2, 3, 1, 0)
            bias = init[node.input[2]] if len(node.input) > 2 else np.zeros(0)
        else:
            bias = init.get(layer_name + "/bias", np.zeros(0))
        expected = [smallest_width(w) for w in kernel.reshape(-1)]
        assert layer["kernel"]["widths"] == expected, layer_name
        assert layer["kernel"]["shape"] == list(kernel.shape), layer_name
        assert layer["kernel"]["pruned"] == int((kernel == 0).sum())
        pruned += int((kernel == 0).sum())
        parameters += kernel.size + bias.size
        checked_kernels += 1
        # Dense BOPs (semantics.md 3) where a quantizer feeds the layer.
        if node.op_type == "MatMul" and node.input[0] in widths_of:
            bw_in = widths_of[node.input[0]]
            spans = np.vectorize(span)(kernel)
            bops = float((bw_in[:, None] * spans).sum())
            assert layer["bops"] == bops, (layer_name, layer["bops"], bops)
            bops_total += bops
        else:
            bops_complete = False
    totals = report["totals"]
    assert totals["pruned_weights"] == pruned and totals["parameters"] == parameters
    if bops_complete:
        assert totals["bops"] == bops_total, (totals["bops"], bops_total)

    markdown = open(out + "/report.md").read()
    for label, key in [("EBOPs", "ebops"), ("BOPs", "bops"), ("parameters", "parameters")]:
        shown = "{:,}".format(round(totals[key]))
        assert re.search(r"\| %s \| %s \|" % (label, shown), markdown), (label, shown)

    html = open(out + "/report.html").read()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page loads something"
    maps = re.findall(r'width="(\d+)" height="(\d+)" src="data:image/png;base64,([^"]+)"', html)
    assert len(maps) == checked_quantizers + checked_kernels, len(maps)
    for width, height, data in maps:
        columns, rows = png_size(base64.b64decode(data))
        assert int(width) % columns == 0 and int(height) % rows == 0
    print("report checked: %d quantizers, %d kernels, %d of %d parameters pruned"
          % (checked_quantizers, checked_kernels, pruned, parameters))


main(sys.argv[1])
