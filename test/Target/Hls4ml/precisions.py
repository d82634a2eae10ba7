# Checks the per-layer precisions of an hls4ml document (semantics.md 4.5),
# written from the spec rather than from our code:
# - every layer but the input has a "result" precision; every Dense and
#   Conv1D/Conv2D has "weight", "bias" (when it has a bias) and "accum";
# - data-movement layers (Reshape, Flatten, Concatenate) have as result the
#   per-field maximum (k, I - k, F) of their inputs' results; max pooling
#   keeps its input's; an activation "relu" has its input's without the sign;
# - each "weight" is the smallest container of the kernel's values.
#   precisions.py DOCUMENT
import json
import math
import re
import sys

document = json.load(open(sys.argv[1]))
by_name = {layer["name"]: layer for layer in document["layers"]}


def parse(text):
    m = re.fullmatch(r"(u?)fixed<(-?\d+),(-?\d+)(?:,\w+,\w+)?>", text)
    k = 0 if m.group(1) else 1
    width, integer = int(m.group(2)), int(m.group(3))
    # (k, i, f) with i excluding the sign bit
    return k, integer - k, width - integer


def result(name):
    return parse(by_name[name]["precision"]["result"])


def collapse(formats):
    return tuple(max(f[i] for f in formats) for i in range(3))


def container(values):
    f = 0
    while any(v * 2**f != math.floor(v * 2**f) for v in values):
        f += 1
    k = 1 if min(values) < 0 else 0
    i = 0
    while True:
        lo, hi = (-2**i if k else 0), 2**i - 2**-f
        if min(values) >= lo and max(values) <= hi:
            break
        i += 1
    while i > -f + 1 - k:
        j = i - 1
        lo, hi = (-2**j if k else 0), 2**j - 2**-f
        if min(values) >= lo and max(values) <= hi:
            i = j
        else:
            break
    return k, i, f


checked = 0
for layer in document["layers"]:
    cls, name = layer["class_name"], layer["name"]
    if cls == "InputLayer":
        continue
    precision = layer.get("precision", {})
    if "result" not in precision:
        sys.exit("%s (%s) has no result precision" % (name, cls))
    inputs = layer.get("inputs", [])
    if cls in ("Dense", "Conv1D", "Conv2D"):
        weights = layer["weights"]
        for key in ["weight", "accum"] + (["bias"] if "bias" in weights else []):
            if key not in precision:
                sys.exit("%s has no %s precision" % (name, key))
        values = weights["kernel"]["data"]
        if any(values) and parse(precision["weight"]) != container(values):
            sys.exit("%s: weight %s, expected %s" % (name, precision["weight"], container(values)))
    if cls in ("Reshape", "Flatten", "Concatenate") or (cls.startswith("Pooling") and layer["pool_op"] == "Max"):
        expected = collapse([result(i) for i in inputs])
        if result(name) != expected:
            sys.exit("%s: result %s, expected %s" % (name, result(name), expected))
    if cls == "Activation" and layer.get("activation") == "relu":
        k, i, f = result(inputs[0])
        if result(name) != (0, i, f):
            sys.exit("%s: result %s, expected %s" % (name, result(name), (0, i, f)))
    checked += 1
print("%d layers with consistent precisions" % checked)
