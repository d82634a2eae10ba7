"""Checks of test/Exec/streamed-outputs.mlir.

  streamed_outputs_check.py X.npy F64.npy F32.npy
      both outputs equal the quantizer computed with numpy from semantics.md
  streamed_outputs_check.py --peak-growth-mb N SMALL.npy BIG.npy COMMAND...
      runs COMMAND --input SMALL.npy, then COMMAND --input BIG.npy; fails
      unless both succeed and the second's peak resident memory exceeds the
      first's by less than N MB
"""
import os
import subprocess
import sys

import numpy as np

# Per element: keep_negative, integer bits (sign excluded), fractional bits.
K = np.array([1, 0, 1, 1])
I = np.array([2, 3, 0, 5])
F = np.array([3, 2, 6, 0])


def quantize_rnd_sat(x):
    scaled = x.astype(np.float64) * 2.0 ** F
    mantissa = np.floor(scaled + 0.5)
    low = -K * 2.0 ** (I + F)
    high = 2.0 ** (I + F) - 1
    return np.clip(mantissa, low, high) * 2.0 ** -F


def peak_mb(command):
    """Runs `command`; its peak resident memory in MB (fails if it fails)."""
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit("%s failed with %d" % (" ".join(command), process.returncode))
    return usage.ru_maxrss / 1024


def main(argv):
    if argv[0] == "--peak-growth-mb":
        limit, small, big, command = float(argv[1]), argv[2], argv[3], argv[4:]
        peaks = [peak_mb(command + ["--input", data]) for data in (small, big)]
        growth = peaks[1] - peaks[0]
        if growth >= limit:
            sys.exit("peak resident memory grew by %.1f MB (%.1f -> %.1f), expected less than %g"
                     % (growth, peaks[0], peaks[1], limit))
        print("peak resident memory grows by less than %g MB (%.1f -> %.1f)" % (limit, peaks[0], peaks[1]))
        return
    x = np.load(argv[0])
    expected = quantize_rnd_sat(x)
    wide, narrow = np.load(argv[1]), np.load(argv[2])
    assert wide.dtype == np.float64 and narrow.dtype == np.float32
    assert wide.shape == x.shape and narrow.shape == x.shape
    bad = np.argwhere(wide != expected)
    assert bad.size == 0, ("float64", bad[:5], wide[tuple(bad[0])], expected[tuple(bad[0])])
    bad = np.argwhere(narrow.astype(np.float64) != expected)
    assert bad.size == 0, ("float32", bad[:5])
    print("%d samples equal numpy in float64 and float32" % x.shape[0])


main(sys.argv[1:])
