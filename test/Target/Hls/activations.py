# The table algorithms of docs/activations.md, written again from the page
# (numpy and Python integers, not the compiler's code), applied to the
# activations.mlir model; compares with hgq-run's outputs.
#   activations.py IN.npy SIGMOID.npy TANH.npy SOFTMAX.npy SOFTMAX_AXIS1.npy
import math
import sys

import numpy as np

ENTRY_FRAC = 17


def entry(value):  # round to nearest (ties up) at 17 fractional bits
    return math.floor(value * 2**ENTRY_FRAC + 0.5)


def quantize(value_mantissa, frac, k, i, f, rounding, saturate=True):
    """value = mantissa * 2^-frac, to (k, i, f) with the given rounding."""
    num = value_mantissa * 2**f
    den = 2**frac
    q, rest = divmod(num, den)  # floor
    twice = 2 * rest
    if rounding == "RND" and twice >= den:
        q += 1
    elif rounding == "RND_CONV" and (twice > den or (twice == den and q % 2)):
        q += 1
    high = 2**(i + f) - 1
    low = -(high + 1) * k
    q = min(max(q, low), high)
    return q / 2**f


inputs = np.load(sys.argv[1]).astype(np.float64)
fracs = [9, 11, 13, 10, 12, 13]
n = inputs.shape[0]
# The input quantizer: RND, SAT, k = 1, i = 4; mantissas at 13 bits.
x = np.zeros(inputs.shape, dtype=object)
for index in np.ndindex(inputs.shape):
    f = fracs[index[2]]
    value = quantize(int(round(inputs[index] * 2**40)), 40, 1, 4, f, "RND")
    x[index] = int(value * 2**13)


def elementwise(fn, r):
    table = [entry(fn(-2**r + (i + 0.5) * 2**(r + 1 - 10))) for i in range(1024)]
    out = np.zeros(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        idx = math.floor(x[index] * 2**(9 - r) / 2**13) + 512
        out[index] = table[min(max(idx, 0), 1023)]
    return out


def softmax(axis):
    out = np.zeros(x.shape, dtype=object)
    length = x.shape[axis]
    t = 10
    if length > 1:
        while (length - 1) * 2**t > 1024:
            t -= 1
    exp = [entry(math.exp(-i / 64)) for i in range(1024)]
    recip = [entry(1 / (1 + (k + 0.5) * 2**-t)) for k in range(1024)]
    moved = np.moveaxis(x, axis, -1)
    result = np.moveaxis(out, axis, -1)
    for index in np.ndindex(moved.shape[:-1]):
        row = moved[index]
        m = max(row)
        e = [exp[min(math.floor((m - v) * 2**6 / 2**13), 1023)] for v in row]
        s = sum(e)
        r = recip[min(math.floor((s - 2**ENTRY_FRAC) * 2**t / 2**ENTRY_FRAC), 1023)]
        result[index] = [ej * r for ej in e]
    return np.moveaxis(result, -1, axis)


checks = [
    (elementwise(lambda v: 1 / (1 + math.exp(-v)), 3), ENTRY_FRAC, (0, 0, 8, "RND"), sys.argv[2]),
    (elementwise(math.tanh, 2), ENTRY_FRAC, (1, 0, 9, "RND_CONV"), sys.argv[3]),
    (softmax(2), 2 * ENTRY_FRAC, (0, 1, 10, "TRN"), sys.argv[4]),
    (softmax(1), 2 * ENTRY_FRAC, None, sys.argv[5]),
]
for mantissas, frac, fmt, path in checks:
    got = np.load(path)
    for index in np.ndindex(mantissas.shape):
        if fmt is None:
            expected = mantissas[index] / 2**frac
        else:
            expected = quantize(mantissas[index], frac, *fmt)
        if expected != got[index]:
            sys.exit("%s %s: reference %r, hgq-run %r" % (path, index, expected, got[index]))
print("sigmoid, tanh, softmax (axis 2, axis 1): equal to the reference")
