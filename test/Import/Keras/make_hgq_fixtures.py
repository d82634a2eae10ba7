# Writes a trained HGQ layer-level model as HGQ v0.2 saves it with
# model.save('m.h5') (Keras 2 legacy serialization: class names "HGQ>HDense",
# weights model_weights/<layer>/<layer>/<weight>:0, a nested model's weights
# under model_weights/<model>/<layer>/<weight>:0), with h5py and no
# TensorFlow, and the outputs HGQ's inference (training=False) gives on
# sample inputs, computed here with numpy from semantics.md 1, 4.1 and 4.2:
#
#   hgq.h5   input (8, 8, 2) -> HQuantize -> HConv2DBatchNorm 3x3 'same' relu
#            (parallel_factor 4) -> PMaxPooling2D -> HConv2D 3x3 'same'
#            (per-channel paq, bw_clip) and HAdd of both branches -> PFlatten
#            -> nested Sequential 'head': HDenseBatchNorm relu -> HActivation
#            tanh -> PDropout -> HDense
#   hgq.input.npy, hgq.expected.npy   64 samples and HGQ's outputs
#   hgq_signature.h5 (and .input.npy, .expected.npy)   Signature -> HDense
#   hgq_bad_activation.h5   an HActivation with a function saved by name
#   hgq_bad_bits.h5         a kernel_bw of the wrong shape
#
#   make_hgq_fixtures.py OUTPUT_DIR
import copy
import json
import os
import sys

import h5py
import numpy as np

import keras_h5

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261130)
f32 = np.float32


# --- HGQ's inference quantizer (semantics.md 1): no overflow at layer level --
def f_of(fbw, clip=(-23, 23)):
    """f = round_half_even(clip(fbw, bw_clip))."""
    return np.round(np.clip(fbw, *clip))


def quantize(x, f, rnd):
    scale = 2.0 ** f
    if rnd == "floor":
        return np.floor(x * scale) / scale
    return np.floor(x * scale + 0.5) / scale


def bias_bits(f_act):
    """f of the bias: the max over every dimension but the channel (4.1)."""
    return f_act.reshape(-1, f_act.shape[-1]).max(axis=0)


def conv2d_same(x, kernel):
    kh, kw = kernel.shape[:2]
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    x = np.pad(x, ((0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl), (0, 0)))
    h, w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], h, w, kernel.shape[3]))
    for a in range(kh):
        for b in range(kw):
            out += np.einsum("nhwc,co->nhwo", x[:, a:a + h, b:b + w, :],
                             kernel[a, b])
    return out


def fuse(kernel, bias, gamma, beta, mean, var):
    """HGQ's BatchNorm fusion in float32 (4.2): kernel*s, b - mean*s + beta."""
    scale = gamma / np.sqrt(var + f32(1e-3))
    return kernel * scale, (bias - mean * scale) + beta


def bits(shape, low=0.0, high=6.0):
    """Learned fractional bit widths, with exact halves among them (HGQ
    rounds half to even)."""
    values = rng.uniform(low, high, shape).astype(f32)
    flat = values.reshape(-1)
    flat[::5] = np.floor(flat[::5]) + f32(0.5)
    return values


def conf(init_bw=2, skip_dims=None, rnd="standard_round", bw_clip=(-23, 23)):
    return {"init_bw": init_bw, "skip_dims": skip_dims, "rnd_strategy": rnd,
            "exact_q_value": True, "dtype": None, "bw_clip": list(bw_clip),
            "trainable": True, "regularizer": None, "minmax_record": True}


def layer(cls, name, inbound, **config):
    config["name"] = name
    entry = {"class_name": cls, "config": config, "name": name}
    if inbound is not None:
        entry["inbound_nodes"] = [[[n, 0, 0, {}] for n in inbound]] if inbound else []
    return entry


# --- the weights --------------------------------------------------------------
H, W, C = 8, 8, 2
weights = {}   # top-level layer -> {weight: array}
head = {}      # nested 'head' layer -> {weight: array}

hq_bw = bits((1, H, W, C), 1, 5)
weights["hq"] = {"activation_bw": hq_bw, "beta": f32(0), "bops": f32(0)}

c1_kernel = rng.normal(0, 0.5, (3, 3, C, 3)).astype(f32)
c1_bias = rng.normal(0, 0.3, 3).astype(f32)
c1_bn = dict(bn_gamma=rng.uniform(0.5, 1.5, 3).astype(f32),
             bn_beta=rng.normal(0, 0.2, 3).astype(f32),
             moving_mean=rng.normal(0, 0.3, 3).astype(f32),
             moving_variance=rng.uniform(0.3, 2.0, 3).astype(f32))
c1_kbw = bits((3, 3, C, 3), 1, 6)
c1_abw = bits((1, H, W, 3), 1, 5)
weights["c1"] = {"kernel": c1_kernel, "bias": c1_bias, **c1_bn,
                 "kernel_bw": c1_kbw, "activation_bw": c1_abw,
                 "beta": f32(0), "bops": f32(0)}

c2_kernel = rng.normal(0, 0.5, (3, 3, 3, 3)).astype(f32)
c2_bias = rng.normal(0, 0.3, 3).astype(f32)
c2_kbw = bits((3, 3, 3, 3), -1, 7)      # clipped to [0, 4] by bw_clip
c2_abw = bits((1, 1, 1, 3), 2, 5)       # one per channel (except_last)
weights["c2"] = {"kernel": c2_kernel, "bias": c2_bias, "kernel_bw": c2_kbw,
                 "activation_bw": c2_abw, "beta": f32(0), "bops": f32(0)}

add_abw = bits((1, 4, 4, 3), 1, 5)
weights["add"] = {"activation_bw": add_abw, "beta": f32(0), "bops": f32(0)}

d1_kernel = rng.normal(0, 0.3, (48, 8)).astype(f32)
d1_bias = rng.normal(0, 0.3, 8).astype(f32)
d1_bn = dict(bn_gamma=rng.uniform(0.5, 1.5, 8).astype(f32),
             bn_beta=rng.normal(0, 0.2, 8).astype(f32),
             moving_mean=rng.normal(0, 0.5, 8).astype(f32),
             moving_variance=rng.uniform(0.3, 2.0, 8).astype(f32))
d1_kbw = bits((48, 8), 1, 6)
d1_abw = bits((1, 8), 1, 5)
head["d1"] = {"kernel": d1_kernel, "bias": d1_bias, **d1_bn,
              "kernel_bw": d1_kbw, "activation_bw": d1_abw,
              "beta": f32(0), "bops": f32(0)}
act_abw = bits((1, 8), 2, 6)
head["act"] = {"activation_bw": act_abw, "beta": f32(0), "bops": f32(0)}
d2_kernel = rng.normal(0, 0.5, (8, 4)).astype(f32)
d2_bias = rng.normal(0, 0.3, 4).astype(f32)
d2_kbw = bits((8, 1), 2, 6)             # one per input row (skip_dims [1])
d2_abw = bits((1, 4), 1, 5)
head["d2"] = {"kernel": d2_kernel, "bias": d2_bias, "kernel_bw": d2_kbw,
              "activation_bw": d2_abw, "beta": f32(0), "bops": f32(0)}

# --- the config -----------------------------------------------------------------
conv_keys = dict(kernel_size=[3, 3], strides=[1, 1], padding="same",
                 data_format="channels_last", dilation_rate=[1, 1], groups=1,
                 use_bias=True, beta=0.0)
head_config = {"class_name": "Sequential", "config": {"name": "head", "layers": [
    {"class_name": "InputLayer",
     "config": {"batch_input_shape": [None, 48], "dtype": "float32",
                "sparse": False, "ragged": False, "name": "head_input"}},
    layer("HGQ>HDenseBatchNorm", "d1", None, units=8, activation="relu",
          use_bias=True, kq_conf=conf(), paq_conf=conf(skip_dims=[0], rnd="auto"),
          beta=0.0, parallel_factor=None),
    layer("HGQ>HActivation", "act", None, activation="tanh",
          paq_conf=conf(skip_dims=[0], rnd="auto"), beta=0.0),
    layer("HGQ>PDropout", "drop", None, rate=0.25),
    layer("HGQ>HDense", "d2", None, units=4, activation="linear", use_bias=True,
          kq_conf=conf(skip_dims=[1]),
          paq_conf=conf(skip_dims=[0], rnd="floor"), beta=0.0),
]}}
model_config = {"class_name": "Functional", "config": {
    "name": "hgq_model",
    "layers": [
        layer("InputLayer", "input_1", [], batch_input_shape=[None, H, W, C],
              dtype="float32", sparse=False, ragged=False),
        layer("HGQ>HQuantize", "hq", ["input_1"],
              paq_conf=conf(skip_dims=[0], rnd="auto"), beta=0.0),
        layer("HGQ>HConv2DBatchNorm", "c1", ["hq"], filters=3,
              activation="relu", kq_conf=conf(),
              paq_conf=conf(skip_dims="batch", rnd="auto"),
              parallel_factor=4, **conv_keys),
        layer("HGQ>PMaxPooling2D", "pool", ["c1"], pool_size=[2, 2],
              strides=[2, 2], padding="valid", data_format="channels_last"),
        layer("HGQ>HConv2D", "c2", ["pool"], filters=3, activation="linear",
              kq_conf=conf(bw_clip=(0, 4)),
              paq_conf=conf(skip_dims="except_last", rnd="auto"),
              parallel_factor=None, **conv_keys),
        layer("HGQ>HAdd", "add", ["pool", "c2"],
              paq_conf=conf(skip_dims=[0], rnd="floor"), beta=0.0),
        layer("HGQ>PFlatten", "flat", ["add"], data_format="channels_last"),
        dict(head_config, name="head", inbound_nodes=[[["flat", 0, 0, {}]]]),
    ],
    "input_layers": [["input_1", 0, 0]],
    "output_layers": [["head", 0, 0]],
}}


def save(path, config, top, nested):
    """Weights in reverse order: the reader matches names, never positions."""
    def backwards(arrays):
        return dict(reversed(list(arrays.items())))
    keras_h5.save(path, config, {k: backwards(v) for k, v in top.items()},
                  {"head": {k: backwards(v) for k, v in nested.items()}})


save(os.path.join(OUT, "hgq.h5"), model_config, weights, head)

# --- HGQ's forward (training=False), float64 (exact at these widths) ----------
x = (rng.standard_normal((64, H, W, C)) * 2).astype(f32)
np.save(os.path.join(OUT, "hgq.input.npy"), x)
a = quantize(x.astype(np.float64), f_of(hq_bw)[0], "floor")   # auto, no bias

k1, b1 = fuse(c1_kernel, c1_bias, c1_bn["bn_gamma"], c1_bn["bn_beta"],
              c1_bn["moving_mean"], c1_bn["moving_variance"])
fa1 = f_of(c1_abw)[0]                       # per element: the bias cannot
qk1 = quantize(k1.astype(np.float64), f_of(c1_kbw), "round")   # absorb: floor
qb1 = quantize(b1.astype(np.float64), bias_bits(fa1), "floor")
z1 = quantize(conv2d_same(a, qk1) + qb1, fa1, "floor")
a1 = np.maximum(z1, 0)
p = a1.reshape(64, 4, 2, 4, 2, 3).max(axis=(2, 4))

fa2 = f_of(c2_abw)[0]                       # per channel: the bias absorbs
qk2 = quantize(c2_kernel.astype(np.float64), f_of(c2_kbw, (0, 4)), "round")
qb2 = quantize(c2_bias.astype(np.float64), bias_bits(fa2), "round")
z2 = quantize(conv2d_same(p, qk2) + qb2, fa2, "round")
s = quantize(p + z2, f_of(add_abw)[0], "floor")
flat = s.reshape(64, -1)

k3, b3 = fuse(d1_kernel, d1_bias, d1_bn["bn_gamma"], d1_bn["bn_beta"],
              d1_bn["moving_mean"], d1_bn["moving_variance"])
fa3 = f_of(d1_abw)[0]                       # (1, units): the bias absorbs
qk3 = quantize(k3.astype(np.float64), f_of(d1_kbw), "round")
qb3 = quantize(b3.astype(np.float64), bias_bits(fa3), "round")
h1 = np.maximum(quantize(flat @ qk3 + qb3, fa3, "round"), 0)
t = np.tanh(h1.astype(f32)).astype(np.float64)   # float32, as TensorFlow
h2 = quantize(t, f_of(act_abw)[0], "round")      # HActivation: auto rounds
qk4 = quantize(d2_kernel.astype(np.float64), f_of(d2_kbw), "round")
fa4 = f_of(d2_abw)[0]
qb4 = quantize(d2_bias.astype(np.float64), bias_bits(fa4), "floor")
y = quantize(h2 @ qk4 + qb4, fa4, "floor")
np.save(os.path.join(OUT, "hgq.expected.npy"), y)

# --- Signature (already quantized inputs) -> HDense, Sequential ---------------
sig_int = np.array([[3, 3, 2, 1]], np.int64)       # integer bits with the sign
sig_kernel = rng.normal(0, 0.5, (4, 3)).astype(f32)
sig_bias = rng.normal(0, 0.3, 3).astype(f32)
sig_kbw = bits((4, 3), 1, 6)
sig_abw = bits((1, 3), 1, 5)
sig_config = {"class_name": "Sequential", "config": {"name": "sig", "layers": [
    {"class_name": "InputLayer",
     "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                "name": "sig_input"}},
    layer("HGQ>Signature", "signature", None, keep_negative=1, bits=6,
          int_bits=sig_int.tolist()),
    layer("HGQ>HDense", "fc", None, units=3, activation="linear",
          use_bias=True, kq_conf=conf(),
          paq_conf=conf(skip_dims=[0], rnd="auto"), beta=0.0),
]}}
save(os.path.join(OUT, "hgq_signature.h5"), sig_config,
     {"fc": {"kernel": sig_kernel, "bias": sig_bias, "kernel_bw": sig_kbw,
             "activation_bw": sig_abw}}, {})
# Inputs on each element's grid and inside its range (Signature states it).
step = 2.0 ** -(6 - sig_int[0])
xs = (rng.integers(-32, 32, (64, 4)) * step).astype(f32)
np.save(os.path.join(OUT, "hgq_signature.input.npy"), xs)
fa = f_of(sig_abw)[0]                        # (1, units): the bias absorbs
ys = quantize(xs.astype(np.float64) @ quantize(sig_kernel.astype(np.float64),
                                                f_of(sig_kbw), "round")
              + quantize(sig_bias.astype(np.float64), fa, "round"), fa, "round")
np.save(os.path.join(OUT, "hgq_signature.expected.npy"), ys)

# --- malformed variants -----------------------------------------------------------
bad = copy.deepcopy(model_config)
bad["config"]["layers"][-1]["config"]["layers"][2]["config"]["activation"] = \
    "my_swish"
save(os.path.join(OUT, "hgq_bad_activation.h5"), bad, weights, head)
wrong = copy.deepcopy(weights)
wrong["c1"]["kernel_bw"] = bits((3, 3, 3, 3))
save(os.path.join(OUT, "hgq_bad_bits.h5"), model_config, wrong, head)
print("wrote hgq.h5 and %d expected outputs" % y.size)
