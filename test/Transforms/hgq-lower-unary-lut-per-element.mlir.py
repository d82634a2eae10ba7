"""numpy reference for hgq-lower-unary-lut-per-element.mlir (semantics.md 1):
quantize each element to its own format (TRN, WRAP), take abs, quantize to
ufixed<3,2> with RND and SAT."""
import sys

import numpy as np


def quantize(x, k, i, f, rnd, sat):
    s = x * 2.0 ** f
    q = np.floor(s + 0.5) if rnd else np.floor(s)
    width = k + i + f
    high = 2.0 ** (width - k) - 1
    low = -(high + 1) * k
    if sat:
        q = np.clip(q, low, high)
    else:
        q = np.mod(q - low, 2.0 ** width) + low
    return q / 2.0 ** f


x = np.load(sys.argv[1]).astype(np.float64)
y = np.load(sys.argv[2])
q = np.stack([quantize(x[:, 0], 1, 0, 1, False, False),
              quantize(x[:, 1], 0, 1, 0, False, False)], axis=1)
expected = quantize(np.abs(q), 0, 2, 1, True, True)
if not np.array_equal(y, expected):
    sys.exit("mismatch:\n%s\nexpected\n%s" % (y, expected))
print("ok: %d samples" % len(x))
