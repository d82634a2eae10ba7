# Differential test: random HGQ models (layer-level quantizers feeding a
# 1-D convolution, pooling, a dense layer and a proxy quantizer) run through
# hgq-run and through an independent reference written here with Python's
# exact rationals (fractions.Fraction), straight from semantics.md. Every
# output must agree to the bit.
#
# Run by random-models.test: random_models.py HGQ_RUN WORK_DIR

import math
import os
import random
import subprocess
import sys
from fractions import Fraction

import numpy as np

HGQ_RUN, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)


def floor(value):
    return math.floor(value)


def round_to(value, f, rounding):
    """Rounding to f fractional bits: RND = floor(x + 1/2), TRN = floor."""
    scaled = value * Fraction(2) ** f
    q = floor(scaled + Fraction(1, 2)) if rounding == "RND" else floor(scaled)
    return Fraction(q) / Fraction(2) ** f


def fixed(value, k, i, f, rounding, overflow):
    width = k + i + f
    if width == 0:
        return Fraction(0)
    scaled = value * Fraction(2) ** f
    q = floor(scaled + Fraction(1, 2)) if rounding == "RND" else floor(scaled)
    high = 2 ** (width - k) - 1
    low = -(high + 1) * k
    if overflow == "SAT":
        q = min(max(q, low), high)
    else:  # WRAP
        q = (q - low) % (2 ** width) + low
    return Fraction(q) / Fraction(2) ** f


def dense_literal(values):
    if isinstance(values, (list, tuple)) and values and isinstance(values[0], (list, tuple)):
        return "[" + ", ".join(dense_literal(v) for v in values) + "]"
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def int_literal(values, shape):
    return "dense<%s> : tensor<%sxi8>" % (
        dense_literal_int(np.array(values).tolist()), "x".join(map(str, shape)))


def dense_literal_int(values):
    if isinstance(values, list):
        return "[" + ", ".join(dense_literal_int(v) for v in values) + "]"
    return str(int(values))


def f32(value):
    return float(np.float32(value))


def make_model(rng, index):
    width, channels, taps, filters = rng.randint(5, 9), rng.randint(1, 3), rng.choice([1, 2, 3]), rng.randint(1, 4)
    pad = (taps - 1) // 2 if rng.random() < 0.5 else 0
    pads = (pad, taps - 1 - pad) if pad or rng.random() < 0.5 and taps > 1 else (0, 0)
    conv_width = width + pads[0] + pads[1] - taps + 1
    pool = 2
    pooled = conv_width // pool
    units = rng.randint(1, 4)
    model = {
        "width": width, "channels": channels, "taps": taps, "filters": filters, "pads": pads,
        "in_f": [[rng.randint(0, 4) for _ in range(channels)] for _ in range(width)],
        "kernel": [[[f32(rng.uniform(-1.5, 1.5)) for _ in range(filters)] for _ in range(channels)] for _ in range(taps)],
        "kernel_f": rng.randint(1, 4),
        "conv_bias": [f32(rng.uniform(-0.5, 0.5)) for _ in range(filters)],
        "conv_f": [rng.randint(1, 4) for _ in range(filters)],
        "conv_rnd": rng.choice(["standard_round", "floor", "auto"]),
        "pooled": pooled,
        "dense": [[f32(rng.uniform(-1, 1)) for _ in range(units)] for _ in range(pooled * filters)],
        "dense_kf": [[rng.randint(0, 5) for _ in range(units)] for _ in range(pooled * filters)],
        "dense_f": [rng.randint(0, 5) for _ in range(units)],
        "units": units,
        "proxy": [(rng.randint(0, 1), rng.randint(0, 3), rng.randint(0, 4)) for _ in range(units)],
        "overflow": rng.choice(["SAT", "WRAP"]),
    }
    return model


def write_mlir(model, path):
    m = model
    w, c, t, fl, u = m["width"], m["channels"], m["taps"], m["filters"], m["units"]
    conv_width = w + m["pads"][0] + m["pads"][1] - t + 1
    k = [p[0] for p in m["proxy"]]
    i = [p[1] for p in m["proxy"]]
    f = [p[2] for p in m["proxy"]]
    text = f"""func.func @main(%x: tensor<?x{w}x{c}xf32>) -> tensor<?x{u}xf32> {{
  %q = hgq.quantize %x {{quantizer = #hgq.quantizer<f = {int_literal(m['in_f'], [w, c])}, rnd = standard_round>}} : tensor<?x{w}x{c}xf32>
  %c = hgq.conv %q {{kernel = dense<{dense_literal(m['kernel'])}> : tensor<{t}x{c}x{fl}xf32>, bias = dense<{dense_literal(m['conv_bias'])}> : tensor<{fl}xf32>, pads = array<i64: {m['pads'][0]}, {m['pads'][1]}>, kernel_quantizer = #hgq.quantizer<f = {m['kernel_f']}, rnd = standard_round>, quantizer = #hgq.quantizer<f = {int_literal(m['conv_f'], [fl])}, rnd = {m['conv_rnd']}>, activation = #hgq<layer_activation relu>}} : (tensor<?x{w}x{c}xf32>) -> tensor<?x{conv_width}x{fl}xf32>
  %p = hgq.max_pool %c {{window = array<i64: 2>}} : (tensor<?x{conv_width}x{fl}xf32>) -> tensor<?x{m['pooled']}x{fl}xf32>
  %r = hgq.flatten %p : (tensor<?x{m['pooled']}x{fl}xf32>) -> tensor<?x{m['pooled'] * fl}xf32>
  %d = hgq.dense %r {{kernel = dense<{dense_literal(m['dense'])}> : tensor<{m['pooled'] * fl}x{u}xf32>, kernel_quantizer = #hgq.quantizer<f = {int_literal(m['dense_kf'], [m['pooled'] * fl, u])}, rnd = floor>, quantizer = #hgq.quantizer<f = {int_literal(m['dense_f'], [u])}, rnd = standard_round>}} : (tensor<?x{m['pooled'] * fl}xf32>) -> tensor<?x{u}xf32>
  %o = hgq.quantize %d {{format = #hgq.fixed<k = {int_literal(k, [u])}, i = {int_literal(i, [u])}, f = {int_literal(f, [u])}, rounding = RND, overflow = {m['overflow']}>}} : tensor<?x{u}xf32>
  return %o : tensor<?x{u}xf32>
}}
"""
    with open(path, "w") as out:
        out.write(text)


def reference(model, sample):
    m = model
    w, c, t, fl, u = m["width"], m["channels"], m["taps"], m["filters"], m["units"]
    x = [[round_to(Fraction(float(sample[p][ch])), m["in_f"][p][ch], "RND") for ch in range(c)] for p in range(w)]
    kernel = [[[round_to(Fraction(m["kernel"][tap][ch][o]), m["kernel_f"], "RND") for o in range(fl)] for ch in range(c)] for tap in range(t)]
    # auto: the conv has a bias and per-channel f, so the bias absorbs: RND
    rounding = "TRN" if m["conv_rnd"] == "floor" else "RND"
    bias = [round_to(Fraction(m["conv_bias"][o]), m["conv_f"][o], rounding) for o in range(fl)]
    conv_width = w + m["pads"][0] + m["pads"][1] - t + 1
    conv = []
    for position in range(conv_width):
        row = []
        for o in range(fl):
            z = bias[o]
            for tap in range(t):
                p = position + tap - m["pads"][0]
                if 0 <= p < w:
                    for ch in range(c):
                        z += x[p][ch] * kernel[tap][ch][o]
            row.append(max(round_to(z, m["conv_f"][o], rounding), Fraction(0)))
        conv.append(row)
    pooled = [[max(conv[2 * q][o], conv[2 * q + 1][o]) for o in range(fl)] for q in range(m["pooled"])]
    flat = [value for row in pooled for value in row]
    out = []
    for o in range(u):
        z = sum((flat[j] * round_to(Fraction(m["dense"][j][o]), m["dense_kf"][j][o], "TRN")
                 for j in range(len(flat))), Fraction(0))
        # no bias: auto would be TRN, but this layer uses standard_round: RND
        z = round_to(z, m["dense_f"][o], "RND")
        k, i, f = m["proxy"][o]
        out.append(fixed(z, k, i, f, "RND", m["overflow"]))
    return out


def main():
    rng = random.Random(20261127)
    models, outputs = 12, 0
    for index in range(models):
        model = make_model(rng, index)
        mlir = os.path.join(WORK, "model%d.mlir" % index)
        write_mlir(model, mlir)
        samples = (np.random.default_rng(index).standard_normal((40, model["width"], model["channels"])) * 3).astype(np.float32)
        np.save(os.path.join(WORK, "x%d.npy" % index), samples)
        result = os.path.join(WORK, "y%d.npy" % index)
        subprocess.run([HGQ_RUN, mlir, "--input", os.path.join(WORK, "x%d.npy" % index),
                        "--output", result], check=True)
        got = np.load(result)
        for n in range(samples.shape[0]):
            expected = reference(model, samples[n])
            for o, value in enumerate(expected):
                if Fraction(float(got[n][o])) != value:
                    print("model %d sample %d output %d: hgq-run %r, reference %s" % (
                        index, n, o, float(got[n][o]), value))
                    print(open(mlir).read())
                    sys.exit(1)
                outputs += 1
    print("%d models, %d outputs, all bit-exact" % (models, outputs))


main()
