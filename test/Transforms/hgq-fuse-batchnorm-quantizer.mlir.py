"""numpy HGQ forward of hgq-fuse-batchnorm-quantizer.mlir, from semantics.md:
BatchNorm fused first in float32 (ONNX's (b - mean) s + beta for the graph
exporters write, 4.2), the fused kernel rounded to f = 3 (RND, 4.1), the
bias rounded by the pre-activation quantizer at each channel's f (RND: the
per-channel bit widths let the bias absorb the rounding), then z rounded by
the quantizer (RND) and the ReLU. Layer level: nothing overflows."""
import sys

import numpy as np

f32 = np.float32
kernel = np.array([[0.7, -1.3], [0.25, 0.9], [-0.6, 0.35]], f32)
bias = np.array([0.3, -0.2], f32)
gamma = np.array([1.5, 0.8], f32)
beta = np.array([0.1, -0.4], f32)
mean = np.array([0.2, 0.5], f32)
variance = np.array([2.0, 0.5], f32)
scale = gamma / np.sqrt(variance + f32(1e-3))
fused_kernel = (kernel * scale).astype(np.float64)
fused_bias = ((bias - mean) * scale + beta).astype(np.float64)


def rnd(x, f):
    return np.floor(x * 2.0 ** f + 0.5) / 2.0 ** f


f_out = np.array([2, 4])
q_kernel = rnd(fused_kernel, 3)
q_bias = rnd(fused_bias, f_out)
x = np.load(sys.argv[1]).astype(np.float64)  # float32 inputs, exact
z = x @ q_kernel + q_bias                   # exact in float64 here
expected = np.maximum(rnd(z, f_out), 0.0)
y = np.load(sys.argv[2])
if not np.array_equal(y, expected):
    bad = np.argwhere(y != expected)
    sys.exit("%d mismatches, first at %s: got %r, expected %r" % (
        len(bad), bad[0], y[tuple(bad[0])], expected[tuple(bad[0])]))
print("ok: %d samples" % len(x))
