# The wide.mlir model computed exactly with Python fractions from the
# semantics (RND/SAT input quantizer, exact dense, RND_CONV/WRAP output
# quantizer), then rounded to float64: must equal OUTPUT.npy element for
# element. Also says how many exact outputs need more than 53 significant
# bits (the point of the test).
#   wide_reference.py INPUT.npy OUTPUT.npy
import sys
from fractions import Fraction
import math

import numpy as np

KERNEL = [[0.75, -1.5], [0.3125, 2.0], [-0.5, 0.625]]
BIAS = [2.0**-40 + 2.0**-41, -(2.0**-39 + 2.0**-40)]


def quantize(x, k, i, f, rnd, sat):
    s = x * 2**f
    fl = math.floor(s)
    rest = s - fl
    if rnd == "RND":
        q = fl + (rest >= Fraction(1, 2))
    else:  # RND_CONV
        q = fl + (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and fl % 2 == 1))
    w = k + i + f
    high = 2**(w - k) - 1
    low = -(high + 1) * k
    if sat:
        q = min(max(q, low), high)
    else:
        q = (q - low) % 2**w + low
    return Fraction(q, 2**f)


inputs = np.load(sys.argv[1]).astype(np.float64)
outputs = np.load(sys.argv[2])
wide = 0
for row, out in zip(inputs, outputs):
    x = [quantize(Fraction(float(v)), 1, 4, 50, "RND", True) for v in row]
    for o in range(2):
        z = Fraction(BIAS[o]) + sum(Fraction(KERNEL[j][o]) * x[j] for j in range(3))
        y = quantize(z, 1, 7, 54, "RND_CONV", False)
        if Fraction(float(y)) != y:
            wide += 1
        if float(y) != out[o]:
            sys.exit("mismatch: %r vs %r" % (float(y), out[o]))
print("equal to the exact reference; %d outputs need more than 53 bits" % wide)
