# The single-layer grid of HGQ's proxy tests, through the whole pipeline:
# layer-level model -> hgq-fuse-batchnorm -> hgq-trace-minmax -> hgq-to-proxy
# (aggressive true and false) [-> hgq-lower-unary-lut]. With a cover factor
# of 1, hgq-run on the calibration data gives identical outputs before and
# after the conversion; with 0.25 the ranges are too narrow, the outputs
# differ and the overflow report counts the changed elements. Sigmoid and
# softmax are the exception: at proxy level they are the fixed-point table
# algorithms of docs/activations.md, not float functions, so their outputs
# may differ, by at most 2^-3 (one step of the coarsest output format the grid
# draws), with no overflow.
#
#   proxy_grid.py BIN_DIR WORK_DIR
# Run by proxy-grid.test.

import itertools
import os
import subprocess
import sys

import numpy as np

rng = np.random.default_rng(2026)


def dense_values(array):
    if array.ndim == 0:
        return repr(float(array))
    return "[" + ", ".join(dense_values(a) for a in array) + "]"


def floats(array):
    array = np.asarray(array, np.float32)
    return "dense<%s> : tensor<%sxf32>" % (dense_values(array), "x".join(map(str, array.shape)))


def bits(array):
    array = np.asarray(array, np.int64)
    if array.ndim == 0:
        return str(int(array))
    return "dense<%s> : tensor<%sxi8>" % (
        dense_values(array).replace(".0", ""), "x".join(map(str, array.shape)))


def ttype(shape):
    return "tensor<?x%sxf32>" % "x".join(map(str, shape))


class Model:
    def __init__(self, shape, rnd):
        self.shape, self.rnd, self.lines, self.count = list(shape), rnd, [], 0
        self.signature = False

    def value(self):
        return "%%v%d" % self.count

    def emit(self, text, shape):
        self.count += 1
        self.lines.append("  %s = %s" % (self.value(), text))
        self.shape = list(shape)
        return self.value()

    def quantizer(self, shape, scalar=False, lo=2, hi=6, rnd=None):
        f = rng.integers(lo, hi, ()) if scalar else rng.integers(lo, hi, shape)
        return "#hgq.quantizer<f = %s, rnd = %s>" % (bits(f), rnd or self.rnd)

    def input(self, signature=False):
        if signature:
            self.signature = True
            return self.emit("hgq.signature %%x {format = #hgq.fixed<k = 1, i = 3, f = 3, rounding = TRN, overflow = WRAP>} : %s" % ttype(self.shape), self.shape)
        rnd = "floor" if self.rnd == "floor" else "standard_round"
        return self.emit("hgq.quantize %%x {quantizer = %s} : %s" % (
            self.quantizer(self.shape, rnd=rnd), ttype(self.shape)), self.shape)

    def kernel_quantizer(self, shape):
        rnd = "floor" if self.rnd == "floor" else "standard_round"
        return self.quantizer(shape, lo=1, hi=5, rnd=rnd)

    def dense(self, x, units, bias=True, relu=False, bn=False, scalar=False):
        shape = self.shape[:-1] + [units]
        kernel = rng.standard_normal((self.shape[-1], units)) * 0.7
        attrs = ["kernel = %s" % floats(kernel),
                 "kernel_quantizer = %s" % self.kernel_quantizer(kernel.shape)]
        if bias:
            attrs.append("bias = %s" % floats(rng.standard_normal(units) * 0.3))
        if not bn:
            attrs.append("quantizer = %s" % self.quantizer(shape, scalar=scalar))
            if relu:
                attrs.append("activation = #hgq<layer_activation relu>")
        before = ttype(self.shape)
        out = self.emit("hgq.dense %s {%s} : (%s) -> %s" % (x, ", ".join(attrs), before, ttype(shape)), shape)
        if bn:
            out = self.batchnorm(out)
            out = self.emit("hgq.quantize %s {quantizer = %s} : %s" % (
                out, self.quantizer(shape, scalar=scalar), ttype(shape)), shape)
        return out

    def conv(self, x, filters, window, stride, same, bn=False, relu=False):
        spatial = len(window)
        inputs = self.shape[-1]
        kernel = rng.standard_normal(tuple(window) + (inputs, filters)) * 0.5
        pads = []
        out_sizes = []
        for d in range(spatial):
            size = self.shape[d]
            if same:
                out = -(-size // stride)
                total = max((out - 1) * stride + window[d] - size, 0)
                pads.append((total // 2, total - total // 2))
            else:
                out = (size - window[d]) // stride + 1
                pads.append((0, 0))
            out_sizes.append(out)
        shape = out_sizes + [filters]
        attrs = ["kernel = %s" % floats(kernel),
                 "kernel_quantizer = %s" % self.kernel_quantizer(kernel.shape),
                 "bias = %s" % floats(rng.standard_normal(filters) * 0.3),
                 "strides = array<i64: %s>" % ", ".join([str(stride)] * spatial),
                 "pads = array<i64: %s>" % ", ".join(
                     [str(p[0]) for p in pads] + [str(p[1]) for p in pads])]
        if not bn:
            attrs.append("quantizer = %s" % self.quantizer(shape))
            if relu:
                attrs.append("activation = #hgq<layer_activation relu>")
        out = self.emit("hgq.conv %s {%s} : (%s) -> %s" % (
            x, ", ".join(attrs), ttype(self.shape), ttype(shape)), shape)
        if bn:
            out = self.batchnorm(out)
            out = self.emit("hgq.quantize %s {quantizer = %s} : %s" % (
                out, self.quantizer(shape), ttype(shape)), shape)
        return out

    def batchnorm(self, x):
        c = self.shape[-1]
        return self.emit(
            "hgq.batchnorm %s {gamma = %s, beta = %s, mean = %s, variance = %s, epsilon = 1.0e-3 : f64} : %s"
            % (x, floats(rng.uniform(0.5, 1.5, c)), floats(rng.standard_normal(c) * 0.2),
               floats(rng.standard_normal(c) * 0.2), floats(rng.uniform(0.5, 2.0, c)),
               ttype(self.shape)), self.shape)

    def activation(self, x, fn, scalar=False):
        extra = " {quantizer = %s}" % self.quantizer(self.shape, scalar=scalar, lo=3, hi=6)
        return self.emit('hgq.activation "%s" %s%s : %s' % (fn, x, extra, ttype(self.shape)), self.shape)

    def pool(self, x, kind, window, same):
        spatial = len(window)
        pads, sizes = [], []
        for d in range(spatial):
            size = self.shape[d]
            if same:  # window 2, stride 1, one cell padded after
                pads.append((0, 1))
                sizes.append(size)
            else:
                pads.append((0, 0))
                sizes.append(size // window[d])
        stride = 1 if same else window[0]
        shape = sizes + [self.shape[-1]]
        return self.emit("hgq.%s %s {window = array<i64: %s>, strides = array<i64: %s>, pads = array<i64: %s>} : (%s) -> %s" % (
            kind, x, ", ".join(map(str, window)), ", ".join([str(stride)] * spatial),
            ", ".join([str(p[0]) for p in pads] + [str(p[1]) for p in pads]),
            ttype(self.shape), ttype(shape)), shape)

    def text(self, input_shape, output):
        return "func.func @main(%%x: %s) -> %s {\n%s\n  return %s : %s\n}\n" % (
            ttype(input_shape), ttype(self.shape), "\n".join(self.lines), output, ttype(self.shape))


def grid():
    """(name, input shape, builder, lowers a LUT) for each model."""
    cases = []
    for bias, bn, relu in [(True, False, False), (False, False, True), (True, True, False)]:
        def build(m, bias=bias, bn=bn, relu=relu):
            return m.dense(m.input(), 5, bias=bias, relu=relu, bn=bn)
        cases.append(("dense_bias%d_bn%d_relu%d" % (bias, bn, relu), [6], build, False))
    for spatial, stride, same, bn in itertools.product([1, 2], [1, 2], [True, False], [False, True]):
        shape = [8, 3] if spatial == 1 else [6, 6, 2]
        def build(m, spatial=spatial, stride=stride, same=same, bn=bn):
            return m.conv(m.input(), 3, [3] * spatial, stride, same, bn=bn, relu=not bn)
        cases.append(("conv%dd_stride%d_%s_bn%d" % (spatial, stride, "same" if same else "valid", bn),
                      shape, build, False))
    def add(m):
        x = m.input()
        shape = m.shape
        a = m.dense(x, 4)
        m.shape = shape
        b = m.dense(x, 4, relu=True)
        return m.emit("hgq.add %s, %s {quantizer = %s} : %s" % (
            a, b, m.quantizer([4]), ttype([4])), [4])
    cases.append(("add", [5], add, False))
    for fn in ["tanh", "sigmoid", "softmax", "sin"]:
        def build(m, fn=fn):
            x = m.dense(m.input(), 4, scalar=True)
            # A lookup table needs one format on each side.
            return m.activation(x, fn, scalar=fn in ("tanh", "sin"))
        cases.append(("activation_" + fn, [5], build, fn in ("tanh", "sin")))
    for kind, spatial, same in itertools.product(["max_pool", "avg_pool"], [1, 2], [True, False]):
        shape = [8, 2] if spatial == 1 else [4, 4, 2]
        def build(m, kind=kind, spatial=spatial, same=same):
            return m.pool(m.input(), kind, [2] * spatial, same)
        cases.append(("%s_%dd_%s" % (kind, spatial, "same" if same else "valid"), shape, build, False))
    def concat(m):
        x = m.input()
        a = m.dense(x, 2)
        m.shape = [4]
        b = m.dense(x, 3, relu=True)
        return m.emit("hgq.concat %s, %s {axis = 1 : i64} : (%s, %s) -> %s" % (
            a, b, ttype([2]), ttype([3]), ttype([5])), [5])
    cases.append(("concat", [4], concat, False))
    def flatten(m):
        x = m.conv(m.input(), 2, [2, 2], 1, False, relu=True)
        count = int(np.prod(m.shape))
        f = m.emit("hgq.flatten %s : (%s) -> %s" % (x, ttype(m.shape), ttype([count])), [count])
        return m.dense(f, 3)
    cases.append(("flatten", [4, 4, 1], flatten, False))
    def signature(m):
        return m.dense(m.input(signature=True), 3, relu=True)
    cases.append(("signature", [4], signature, False))
    return cases


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def main():
    os.makedirs(WORK, exist_ok=True)
    checked = differed = narrowed = tabled = 0
    for (name, shape, build, lut), rnd in itertools.product(grid(), ["standard_round", "floor", "auto"]):
        m = Model(shape, rnd)
        output = build(m)
        path = os.path.join(WORK, "%s_%s.mlir" % (name, rnd))
        with open(path, "w") as out:
            out.write(m.text(shape, output))
        data = os.path.join(WORK, "x.npy")
        if m.signature:  # inputs already in the declared fixed<7,4>
            values = rng.integers(-64, 64, (64,) + tuple(shape)) / 8.0
        else:
            values = rng.standard_normal((64,) + tuple(shape)) * 2
        np.save(data, values.astype(np.float32))
        layer = os.path.join(WORK, "layer.npy")
        for cover, aggressive in [(1.0, "true"), (1.0, "false"), (0.25, "false")]:
            traced = os.path.join(WORK, "traced.mlir")
            run([OPT, path, "--hgq-fuse-batchnorm",
                 "--hgq-trace-minmax=calibration=%s cover-factor=%s" % (data, cover), "-o", traced])
            run([RUN, traced, "--input", data, "--output", layer])
            steps = ["--hgq-to-proxy=aggressive=%s" % aggressive]
            if lut:
                steps.append("--hgq-lower-unary-lut=max-table-size=4096")
            proxy = os.path.join(WORK, "proxy.mlir")
            run([OPT, traced] + steps + ["-o", proxy])
            if lut and "hgq.unary_lut" not in open(proxy).read():
                sys.exit("%s (%s): no lookup table was built" % (name, rnd))
            result = os.path.join(WORK, "proxy.npy")
            report = run([RUN, proxy, "--input", data, "--output", result, "--report-overflow"]).stdout
            overflows = int(report.strip().splitlines()[-1].split()[-1])
            same = np.array_equal(np.load(layer), np.load(result))
            if cover >= 1 and name in ("activation_sigmoid", "activation_softmax"):
                step = np.abs(np.load(layer) - np.load(result)).max()
                if overflows or step > 2.0**-3:
                    sys.exit("%s (%s, aggressive=%s): the table algorithm is more "
                             "than one output step (%g) from the float function"
                             % (name, rnd, aggressive, step))
                tabled += 1
                checked += 1
                continue
            if cover >= 1 and (not same or overflows):
                sys.exit("%s (%s, aggressive=%s): layer-level and proxy outputs differ "
                         "with cover factor 1 (%d overflows)\n%s" % (name, rnd, aggressive,
                                                                    overflows, report))
            if cover < 1 and overflows == 0:
                sys.exit("%s (%s): a cover factor of 0.25 caused no overflow" % (name, rnd))
            if cover < 1:
                narrowed += 1
                differed += not same
            checked += 1
    print("%d conversions checked: identical at cover factor 1 (the %d with sigmoid or "
          "softmax tables within 2^-3), overflows reported at 0.25 "
          "(outputs differed in %d of %d)" % (checked, tabled, differed, narrowed))


if __name__ == "__main__":
    BIN, WORK = sys.argv[1], sys.argv[2]
    OPT, RUN = os.path.join(BIN, "hgq-opt"), os.path.join(BIN, "hgq-run")
    main()
