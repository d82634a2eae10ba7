# compare.py ACTUAL.npy EXPECTED.npy: prints "bit-exact: N values" when the
# two arrays hold the same numbers, else the first differences.
import sys

import numpy as np

actual, expected = np.load(sys.argv[1]), np.load(sys.argv[2])
if actual.shape != expected.shape:
    sys.exit("shapes differ: %s vs %s" % (actual.shape, expected.shape))
different = np.argwhere(actual != expected)
if len(different):
    for index in different[:5]:
        index = tuple(index)
        print("at %s: %r, expected %r" % (index, actual[index], expected[index]))
    sys.exit("%d of %d values differ" % (len(different), actual.size))
print("bit-exact: %d values" % actual.size)
