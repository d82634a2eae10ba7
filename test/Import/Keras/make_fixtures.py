# Writes Keras HDF5 proxy models of exactly the layout HGQ saves (root
# attribute model_config, group model_weights/<layer>/<layer>/<weight>:0),
# with h5py and no TensorFlow, and the outputs they must give, computed here
# from the formulas of semantics.md with numpy (float64, exact at these
# widths).   make_fixtures.py OUTPUT_DIR
#
#   mlp.h5      Sequential (Keras 2 style): quantizers per element and per
#               tensor, Dense, ReLU, a UnaryLUT, several rounding/overflow modes
#   mlp_k3.h5   the same model as a Keras 3 style Functional config
#   mlp_no_input_layer.h5  the same Sequential model without an InputLayer
#   conv.h5     Functional (Keras 2 style): Conv2D 'same', MaxPooling2D,
#               AveragePooling2D, Add, Reshape, Conv1D 'valid', Flatten,
#               Concatenate, Dense, per-channel quantizers
#   bad_*.h5    malformed files for errors.test
import json
import os
import sys

import h5py
import numpy as np
from keras_h5 import save

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(2026)


# --- semantics.md 1: the quantizer ------------------------------------------
def round_integer(s, mode):
    floor = np.floor(s)
    frac = s - floor
    if mode == "TRN":
        return floor
    if mode == "RND":
        return np.floor(s + 0.5)
    if mode == "RND_CONV":
        up = (frac > 0.5) | ((frac == 0.5) & (np.mod(floor, 2) == 1))
        return floor + up
    if mode == "TRN_ZERO":
        return np.trunc(s)
    raise ValueError(mode)


def overflow(q, k, w, mode):
    high = 2.0 ** (w - k) - 1
    low = -(high + 1) * k
    if mode == "SAT":
        return np.clip(q, low, high)
    if mode == "SAT_SYM":
        return np.clip(q, -high * k, high)
    if mode == "WRAP":
        return np.mod(q - low, 2.0 ** w) + low
    raise ValueError(mode)


def quantize(x, k, w, i, rnd, sat):
    """x: (batch, *features); k, w, i broadcast against the features."""
    k, w, i = (np.broadcast_to(np.asarray(a, np.float64), x.shape[1:]) for a in (k, w, i))
    f = w - i
    q = overflow(round_integer(x * 2.0 ** f, rnd), k, w, sat)
    return np.where(w == 0, 0.0, q / 2.0 ** f)


def grid(shape, f, low, high):
    """Random values on the 2^-f grid in [low, high]."""
    return np.round(rng.uniform(low, high, shape) * 2.0 ** f) / 2.0 ** f


# --- Keras layers ------------------------------------------------------------
def quantizer_layer(name, rnd, sat):
    return {"class_name": "FixedPointQuantizer",
            "config": {"name": name, "RND": rnd, "SAT": sat, "fusible": False,
                       "overrides": {}, "trainable": False, "dtype": "float32"}}


def dense_layer(name, units, activation="linear"):
    return {"class_name": "Dense",
            "config": {"name": name, "units": units, "activation": activation,
                       "use_bias": True, "trainable": False, "dtype": "float32"}}


def conv_layer(kind, name, filters, kernel, strides, padding):
    return {"class_name": kind,
            "config": {"name": name, "filters": filters, "kernel_size": kernel,
                       "strides": strides, "padding": padding,
                       "data_format": "channels_last",
                       "dilation_rate": [1] * len(kernel), "groups": 1,
                       "activation": "linear", "use_bias": True}}


def kbi(k, w, i, shape):
    return {"keep_negative": np.asarray(k, np.int8).reshape(shape),
            "bits": np.asarray(w, np.int8).reshape(shape),
            "integers": np.asarray(i, np.int8).reshape(shape)}


# --- The MLP -------------------------------------------------------------------
def make_mlp():
    weights = {}
    # q_in: per element, signed, RND / SAT.
    k_in = np.ones(8)
    i_in = rng.integers(2, 4, 8)            # integers, sign included
    w_in = i_in + rng.integers(2, 5, 8)
    weights["q_in"] = kbi(k_in, w_in, i_in, (1, 8))
    kernel1 = grid((8, 6), 3, -1, 1).astype(np.float32)
    bias1 = grid((6,), 3, -1, 1).astype(np.float32)
    weights["dense_1"] = {"kernel": kernel1, "bias": bias1}
    # q_1: per element, signed, RND_CONV / WRAP (some values wrap).
    k1 = np.ones(6)
    i1 = rng.integers(1, 4, 6)
    w1 = i1 + 3
    weights["q_1"] = kbi(k1, w1, i1, (1, 6))
    # q_2 after ReLU: one format, unsigned (k=0, W=4, I=2), TRN / SAT.
    weights["q_2"] = kbi([0], [4], [2], (1,))
    # The LUT: tanh on the 16 codes of ufixed<4,2>, quantized to f=4.
    codes = np.arange(16) / 4.0
    table = (np.floor(np.tanh(codes) * 16) / 16).astype(np.float32)
    weights["lut"] = {"table": table}
    kernel2 = grid((6, 3), 2, -1, 1).astype(np.float32)
    bias2 = grid((3,), 2, -1, 1).astype(np.float32)
    weights["dense_2"] = {"kernel": kernel2, "bias": bias2}
    # q_out: per element, with one zero-width (dead) element.
    weights["q_out"] = kbi([1, 1, 0], [8, 6, 0], [4, 3, 0], (1, 3))

    layers = [
        {"class_name": "InputLayer",
         "config": {"name": "x", "batch_input_shape": [None, 8], "dtype": "float32"}},
        quantizer_layer("q_in", "RND", "SAT"),
        dense_layer("dense_1", 6),
        quantizer_layer("q_1", "RND_CONV", "WRAP"),
        {"class_name": "Activation", "config": {"name": "relu_1", "activation": "relu"}},
        quantizer_layer("q_2", "TRN", "SAT"),
        {"class_name": "UnaryLUT", "config": {"name": "lut", "function": "tanh"}},
        {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.1}},
        dense_layer("dense_2", 3),
        quantizer_layer("q_out", "RND", "SAT_SYM"),
    ]
    config = {"class_name": "Sequential", "config": {"name": "mlp", "layers": layers}}

    x = rng.uniform(-6, 6, (200, 8))
    y = quantize(x, k_in, w_in, i_in, "RND", "SAT")
    y = y @ kernel1.astype(np.float64) + bias1
    y = quantize(y, k1, w1, i1, "RND_CONV", "WRAP")
    y = np.maximum(y, 0)
    y = quantize(y, 0, 4, 2, "TRN", "SAT")
    y = table.astype(np.float64)[np.mod(np.round(y * 4), 16).astype(int)]
    y = y @ kernel2.astype(np.float64) + bias2
    y = quantize(y, [1, 1, 0], [8, 6, 0], [4, 3, 0], "RND", "SAT_SYM")
    return config, weights, x, y


def keras3(config):
    """The Sequential MLP as a Keras 3 Functional config (batch_shape,
    keras_history in inbound_nodes)."""
    layers = []
    previous = None
    for layer in config["config"]["layers"]:
        entry = {"module": "keras.layers", "class_name": layer["class_name"],
                 "config": dict(layer["config"]), "name": layer["config"]["name"]}
        if layer["class_name"] == "InputLayer":
            entry["config"]["batch_shape"] = entry["config"].pop("batch_input_shape")
            entry["inbound_nodes"] = []
        else:
            entry["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__",
                                                 "config": {"shape": [None], "dtype": "float32",
                                                            "keras_history": [previous, 0, 0]}}],
                                       "kwargs": {}}]
        previous = layer["config"]["name"]
        layers.append(entry)
    return {"module": "keras", "class_name": "Functional",
            "config": {"name": "mlp", "layers": layers,
                       "input_layers": [["x", 0, 0]], "output_layers": [previous, 0, 0]}}


# --- The conv net ----------------------------------------------------------------
def conv2d(x, kernel, bias, pads):
    """x (N, H, W, C), kernel (KH, KW, C, O), pads (top, left, bottom, right)."""
    x = np.pad(x, ((0, 0), (pads[0], pads[2]), (pads[1], pads[3]), (0, 0)))
    kh, kw = kernel.shape[:2]
    h, w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], h, w, kernel.shape[3]))
    for a in range(kh):
        for b in range(kw):
            out += np.einsum("nhwc,co->nhwo", x[:, a:a + h, b:b + w, :], kernel[a, b])
    return out + bias


def make_conv():
    weights = {}
    weights["q_in"] = kbi([1], [6], [3], (1,))
    k_conv = grid((3, 3, 2, 3), 2, -1, 1).astype(np.float32)
    b_conv = grid((3,), 2, -1, 1).astype(np.float32)
    weights["conv2d"] = {"kernel": k_conv, "bias": b_conv}
    # Per channel: (1, 1, 1, 3) broadcast over the 8x8 positions.
    weights["q_conv"] = kbi([1, 1, 1], [8, 7, 9], [5, 4, 5], (1, 1, 1, 3))
    weights["q_avg"] = kbi([0], [8], [4], (1,))
    weights["q_add"] = kbi(np.zeros(48), np.full(48, 7), rng.integers(3, 6, 48), (1, 4, 4, 3))
    k_1d = grid((3, 3, 2), 2, -1, 1).astype(np.float32)
    b_1d = grid((2,), 2, -1, 1).astype(np.float32)
    weights["conv1d"] = {"kernel": k_1d, "bias": b_1d}
    weights["q_1d"] = kbi([1, 1], [8, 8], [5, 5], (1, 1, 2))
    k_out = grid((76, 4), 3, -1, 1).astype(np.float32)
    b_out = grid((4,), 3, -1, 1).astype(np.float32)
    weights["dense"] = {"kernel": k_out, "bias": b_out}
    weights["q_out"] = kbi([1] * 4, [10] * 4, [7] * 4, (1, 4))

    def node(*names):
        return [[[n, 0, 0, {}] for n in names]]

    layers = [
        {"class_name": "InputLayer", "name": "x",
         "config": {"name": "x", "batch_input_shape": [None, 8, 8, 2]}, "inbound_nodes": []},
        dict(quantizer_layer("q_in", "RND", "SAT"), name="q_in", inbound_nodes=node("x")),
        dict(conv_layer("Conv2D", "conv2d", 3, [3, 3], [1, 1], "same"), name="conv2d",
             inbound_nodes=node("q_in")),
        dict(quantizer_layer("q_conv", "TRN", "SAT"), name="q_conv", inbound_nodes=node("conv2d")),
        {"class_name": "Activation", "name": "relu",
         "config": {"name": "relu", "activation": "relu"}, "inbound_nodes": node("q_conv")},
        {"class_name": "MaxPooling2D", "name": "max_pool",
         "config": {"name": "max_pool", "pool_size": [2, 2], "strides": [2, 2],
                    "padding": "valid", "data_format": "channels_last"},
         "inbound_nodes": node("relu")},
        {"class_name": "AveragePooling2D", "name": "avg_pool",
         "config": {"name": "avg_pool", "pool_size": [2, 2], "strides": None,
                    "padding": "valid", "data_format": "channels_last"},
         "inbound_nodes": node("relu")},
        dict(quantizer_layer("q_avg", "RND", "SAT"), name="q_avg", inbound_nodes=node("avg_pool")),
        {"class_name": "Add", "name": "add", "config": {"name": "add"},
         "inbound_nodes": node("max_pool", "q_avg")},
        dict(quantizer_layer("q_add", "TRN", "WRAP"), name="q_add", inbound_nodes=node("add")),
        {"class_name": "Reshape", "name": "reshape",
         "config": {"name": "reshape", "target_shape": [16, -1]}, "inbound_nodes": node("q_add")},
        dict(conv_layer("Conv1D", "conv1d", 2, [3], [1], "valid"), name="conv1d",
             inbound_nodes=node("reshape")),
        dict(quantizer_layer("q_1d", "RND", "SAT"), name="q_1d", inbound_nodes=node("conv1d")),
        {"class_name": "Flatten", "name": "flatten_a",
         "config": {"name": "flatten_a"}, "inbound_nodes": node("q_add")},
        {"class_name": "Flatten", "name": "flatten_b",
         "config": {"name": "flatten_b"}, "inbound_nodes": node("q_1d")},
        {"class_name": "Concatenate", "name": "concat",
         "config": {"name": "concat", "axis": -1}, "inbound_nodes": node("flatten_a", "flatten_b")},
        dict(dense_layer("dense", 4), name="dense", inbound_nodes=node("concat")),
        dict(quantizer_layer("q_out", "RND", "SAT"), name="q_out", inbound_nodes=node("dense")),
    ]
    config = {"class_name": "Functional",
              "config": {"name": "cnn", "layers": layers,
                         "input_layers": [["x", 0, 0]], "output_layers": [["q_out", 0, 0]]}}

    x = rng.uniform(-5, 5, (50, 8, 8, 2))
    y = quantize(x, 1, 6, 3, "RND", "SAT")
    y = conv2d(y, k_conv.astype(np.float64), b_conv, (1, 1, 1, 1))
    y = quantize(y, [1, 1, 1], [8, 7, 9], [5, 4, 5], "TRN", "SAT")
    y = np.maximum(y, 0)
    n = y.shape[0]
    blocks = y.reshape(n, 4, 2, 4, 2, 3)
    peak = blocks.max(axis=(2, 4))
    mean = quantize(blocks.sum(axis=(2, 4)) / 4, 0, 8, 4, "RND", "SAT")
    added = quantize(peak + mean, weights["q_add"]["keep_negative"][0],
                     weights["q_add"]["bits"][0], weights["q_add"]["integers"][0], "TRN", "WRAP")
    seq = added.reshape(n, 16, 3)
    conv1 = np.zeros((n, 14, 2))
    for t in range(3):
        conv1 += np.einsum("nlc,co->nlo", seq[:, t:t + 14, :], k_1d[t].astype(np.float64))
    conv1 = quantize(conv1 + b_1d, [1, 1], [8, 8], [5, 5], "RND", "SAT")
    features = np.concatenate([added.reshape(n, -1), conv1.reshape(n, -1)], axis=1)
    out = features @ k_out.astype(np.float64) + b_out
    out = quantize(out, 1, 10, 7, "RND", "SAT")
    return config, weights, x, out


for name, (config, weights, x, y) in {"mlp": make_mlp(), "conv": make_conv()}.items():
    save(os.path.join(OUT, name + ".h5"), config, weights)
    np.save(os.path.join(OUT, name + ".input.npy"), x.astype(np.float32))
    np.save(os.path.join(OUT, name + ".expected.npy"), y.astype(np.float32))
    if name == "mlp":
        save(os.path.join(OUT, "mlp_k3.h5"), keras3(config), weights)
        # Older Sequential configs have no InputLayer: the first layer
        # carries batch_input_shape.
        implicit = json.loads(json.dumps(config))
        layers = implicit["config"]["layers"]
        shape = layers.pop(0)["config"]["batch_input_shape"]
        layers[0]["config"]["batch_input_shape"] = shape
        save(os.path.join(OUT, "mlp_no_input_layer.h5"), implicit, weights)

# HGQ writes hls4ml settings into a quantizer's overrides: conv2d's
# parallelization factor (and per-tensor types, which the proxy conversion
# recomputes), plus an entry naming a layer the model does not have.
pf = json.loads(json.dumps(make_conv()[0]))
for layer in pf["config"]["layers"]:
    if layer["name"] == "q_conv":
        layer["config"]["overrides"] = {"layers": {
            "conv2d": {"parallelization_factor": 4, "weight_t": "fixed<4,1>"},
            "gone": {"parallelization_factor": 2}}}
save(os.path.join(OUT, "conv_pf.h5"), pf, make_conv()[1])

# --- Malformed files -------------------------------------------------------------
config, weights, _, _ = make_mlp()
with open(os.path.join(OUT, "bad_not_hdf5.h5"), "w") as f:
    f.write("this is not an HDF5 file\n")
with h5py.File(os.path.join(OUT, "bad_no_config.h5"), "w") as f:
    f.create_group("model_weights")
with h5py.File(os.path.join(OUT, "bad_json.h5"), "w") as f:
    f.attrs["model_config"] = b'{"class_name": "Sequential", "config": {"layers": ['
    f.create_group("model_weights")
missing = {layer: dict(w) for layer, w in weights.items()}
del missing["dense_1"]["kernel"]
save(os.path.join(OUT, "bad_missing_kernel.h5"), config, missing)
shaped = {layer: dict(w) for layer, w in weights.items()}
shaped["q_1"]["bits"] = np.zeros((2, 6), np.int8)
save(os.path.join(OUT, "bad_bits_shape.h5"), config, shaped)
unknown = json.loads(json.dumps(config))
unknown["config"]["layers"][4] = {"class_name": "LSTM", "config": {"name": "lstm", "units": 4}}
save(os.path.join(OUT, "bad_unknown_class.h5"), unknown, weights)
padding = json.loads(json.dumps(make_conv()[0]))
padding["config"]["layers"][2]["config"]["padding"] = "causal"
save(os.path.join(OUT, "bad_padding.h5"), padding, make_conv()[1])
truncated = open(os.path.join(OUT, "mlp.h5"), "rb").read()
with open(os.path.join(OUT, "bad_truncated.h5"), "wb") as f:
    f.write(truncated[:len(truncated) // 2])
print("fixtures written")
