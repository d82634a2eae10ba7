# HGQ's single-layer proxy grid (test/E2E/proxy_grid.py: dense with and
# without bias/BN/relu, 1-D/2-D convolutions same/valid stride 1/2, add,
# lookup tables, max/avg pooling 1-D/2-D same/valid, concat, flatten,
# signature), each converted with aggressive true and false from ranges traced
# at cover factor 0.25, so that the proxy's quantizers overflow (WRAP or SAT)
# on the data. Every model is emitted with --emit-hls and its C simulation
# must equal hgq-run on the proxy, bit for bit, on 64 samples; the models
# converted with aggressive=false are written in the table form
# (--unroll-limit 0: loops over term tables), the others as straight-line
# code; every other model is written with --io-type io_stream. Sigmoid and
# softmax are the table algorithms of docs/activations.md.
#
#   csim_grid.py BIN_DIR WORK_DIR [AP_TYPES_DIR]
# With AP_TYPES_DIR (the vendor's headers, four times slower to compile) each
# grid model is converted once, aggressive true and false alternating.

import concurrent.futures
import itertools
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "E2E"))
import numpy as np
import proxy_grid

BIN, WORK = sys.argv[1], sys.argv[2]
AP_TYPES = sys.argv[3] if len(sys.argv) > 3 else None
OPT = os.path.join(BIN, "hgq-opt")
TRANSLATE = os.path.join(BIN, "hgq-translate")
os.makedirs(WORK, exist_ok=True)


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def prepare(index, name, shape, build, lut, rnd, aggressive):
    """Writes the proxy model and its data; returns the project directory or
    the emitter's refusal."""
    m = proxy_grid.Model(shape, rnd)
    output = build(m)
    base = os.path.join(WORK, "%s_%s_%s" % (name, rnd, aggressive))
    with open(base + ".mlir", "w") as out:
        out.write(m.text(shape, output))
    if m.signature:
        values = proxy_grid.rng.integers(-64, 64, (64,) + tuple(shape)) / 8.0
    else:
        values = proxy_grid.rng.standard_normal((64,) + tuple(shape)) * 2
    np.save(base + ".npy", values.astype(np.float32))
    steps = ["--hgq-fuse-batchnorm",
             "--hgq-trace-minmax=calibration=%s.npy cover-factor=0.25" % base,
             "--hgq-to-proxy=aggressive=%s" % aggressive]
    if lut:
        steps.append("--hgq-lower-unary-lut=max-table-size=4096")
    result = run([OPT, base + ".mlir"] + steps + ["-o", base + ".proxy.mlir"])
    if result.returncode:
        sys.exit("%s: hgq-opt failed\n%s" % (base, result.stderr))
    result = run([TRANSLATE, "--emit-hls", base + ".proxy.mlir", "--output-dir",
                  base, "--project-name", "grid%d" % index, "--tb-input",
                  base + ".npy", "--tb-samples", "64", "--unroll-limit",
                  "0" if aggressive == "false" else "4096", "--io-type",
                  "io_stream" if index % 2 else "io_parallel"])
    return base, result


def csim(base):
    args = ["make", "-s", "-C", base, "csim"]
    if AP_TYPES:
        args.append("AP_TYPES_DIR=" + AP_TYPES)
    result = run(args)
    return base, result


def main():
    cases = []
    rounding = itertools.cycle(["standard_round", "floor", "auto"])
    for index, (name, shape, build, lut) in enumerate(proxy_grid.grid()):
        rnd = next(rounding)
        modes = ["true", "false"]
        if AP_TYPES:
            modes = [modes[index % 2]]
        for aggressive in modes:
            cases.append((len(cases), name, shape, build, lut, rnd, aggressive))
    projects = []
    for case in cases:
        base, result = prepare(*case)
        if result.returncode:
            sys.exit("%s: --emit-hls failed\n%s" % (base, result.stderr))
        projects.append(base)
    equal = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for base, result in pool.map(csim, projects):
            if result.returncode or "equal hgq-run bit for bit" not in result.stdout:
                sys.exit("%s: C simulation differs from hgq-run\n%s%s" % (
                    base, result.stdout, result.stderr))
            equal += 1
    print("%d proxy models: the C simulation equals hgq-run bit for bit in %d"
          % (len(cases), equal))


main()
