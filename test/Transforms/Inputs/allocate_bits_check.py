# Checks hgq-allocate-bits' decisions on tiny hand-made float models against
# numpy (float references and the allocation rule written from docs/ptq.md).
#   allocate_bits_check.py BIN_DIR WORK_DIR
import os
import re
import subprocess
import sys

import numpy as np

BIN, WORK = sys.argv[1:3]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(7)
f32 = np.float32


def tool(name, *args, **kw):
    return subprocess.run([os.path.join(BIN, name)] + list(args), capture_output=True, text=True, **kw)


def dense_model(path, kernel, bias, relu=False):
    k = ", ".join("[" + ", ".join("%.9e" % v for v in row) + "]" for row in kernel)
    b = ", ".join("%.9e" % v for v in bias)
    i, o = kernel.shape
    act = ", activation = #hgq<layer_activation relu>" if relu else ""
    with open(path, "w") as f:
        f.write("func.func @main(%%x: tensor<?x%dxf32>) -> tensor<?x%dxf32> {\n" % (i, o))
        f.write("  %%y = hgq.dense %%x {kernel = dense<[%s]> : tensor<%dx%dxf32>, bias = dense<[%s]> : tensor<%dxf32>%s} : (tensor<?x%dxf32>) -> tensor<?x%dxf32>\n"
                % (k, i, o, b, o, act, i, o))
        f.write("  return %%y : tensor<?x%dxf32>\n}\n" % o)


def bits(text, attr):
    """The f array of the quantizer named `attr` (kernel_quantizer or
    quantizer) of the dense op, broadcast to its declared shape."""
    line = [l for l in text.splitlines() if "hgq.dense" in l][0]
    m = re.search(attr + r" = #hgq.quantizer<f = (dense<(.*?)> : tensor<([0-9x]*)xi8>|(-?\d+))", line)
    if m.group(4) is not None:
        return np.array(int(m.group(4)))
    shape = tuple(int(d) for d in m.group(3).split("x"))
    return np.broadcast_to(np.array(eval(m.group(2))), shape)


def run(mlir, x):
    xin, out = mlir + ".in.npy", mlir + ".out.npy"
    np.save(xin, x)
    done = tool("hgq-run", mlir, "--input", xin, "--output", out)
    assert done.returncode == 0, done.stderr
    return np.load(out)


# 1. Feature 0 has 16x the RMS of feature 1: at element granularity each
# kernel weight of row 0 gets log2(16) = 4 fractional bits more than the
# weight of row 1 in the same column (docs/ptq.md: f = T + offset +
# log2(rms(input) * weight(output))). rel-error target, checked on the proxy
# against numpy.
kernel = np.array([[0.7, -0.3], [0.45, 1.1]], f32)
bias = np.array([0.1, -0.2], f32)
x = np.stack([rng.standard_normal(512) * 8, rng.standard_normal(512) * 0.5], 1).astype(f32)
x *= np.array([8 / np.sqrt(np.mean(x[:, 0] ** 2)), 0.5 / np.sqrt(np.mean(x[:, 1] ** 2))], f32)
np.save(os.path.join(WORK, "cal1.npy"), x)
path = os.path.join(WORK, "rms.mlir")
dense_model(path, kernel, bias)
done = tool("hgq-opt", path, "--hgq-allocate-bits=calibration=%s target=rel-error tolerance=0.01" % os.path.join(WORK, "cal1.npy"))
assert done.returncode == 0, done.stderr
f = bits(done.stdout, "kernel_quantizer")
print("rms rows: f row 0 - row 1 =", (f[0] - f[1]).tolist())
with open(path + ".q.mlir", "w") as out:
    out.write(done.stdout)
proxy = path + ".proxy.mlir"
done = tool("hgq-opt", path + ".q.mlir", "--hgq-trace-minmax=calibration=%s quiet=true" % os.path.join(WORK, "cal1.npy"),
            "--hgq-to-proxy", "-o", proxy)
assert done.returncode == 0, done.stderr
ref = x.astype(np.float64) @ kernel.astype(np.float64) + bias
got = run(proxy, x)
error = np.max(np.abs(got - ref)) / (ref.max() - ref.min())
print("rms rel-error within 0.01:", bool(error <= 0.01))

# 2. Granularity: channel shares one width per output column, tensor one
# for the whole kernel.
for granularity, shape in (("channel", (1, 2)), ("tensor", ())):
    done = tool("hgq-opt", path, "--hgq-allocate-bits=calibration=%s target=rel-error granularity=%s quiet=true"
                % (os.path.join(WORK, "cal1.npy"), granularity))
    assert done.returncode == 0, done.stderr
    print(granularity, "kernel bits shape:", bits(done.stdout, "kernel_quantizer").shape == shape)

# 3. A feature that is always zero in the calibration data: its weights do
# not matter and are pruned (f at the clip, -23); a layer that reads only
# zeros has every weight pruned, and its constant output is a warning.
x = np.stack([rng.standard_normal(256), np.zeros(256)], 1).astype(f32)
np.save(os.path.join(WORK, "cal2.npy"), x)
done = tool("hgq-opt", path, "--hgq-allocate-bits=calibration=%s" % os.path.join(WORK, "cal2.npy"))
assert done.returncode == 0, done.stderr
f = bits(done.stdout, "kernel_quantizer")
print("zero feature: row 1 f =", f[1].tolist(), "row 0 f > -23:", bool((f[0] > -23).all()))
np.save(os.path.join(WORK, "cal3.npy"), np.zeros((64, 2), f32))
done = tool("hgq-opt", path, "--hgq-allocate-bits=calibration=%s" % os.path.join(WORK, "cal3.npy"), "-o", os.devnull)
for line in done.stderr.splitlines():
    if "warning" in line:
        print(line[line.index("warning"):])

# 4. argmax target on a 3-class ReLU MLP: the proxy agrees with the numpy
# float model on at least 95% of the calibration samples.
w1 = rng.standard_normal((4, 16)).astype(f32)
b1 = rng.standard_normal(16).astype(f32) * 0.1
w2 = rng.standard_normal((16, 3)).astype(f32)
b2 = np.zeros(3, f32)
with open(os.path.join(WORK, "mlp.mlir"), "w") as out:
    def dense(name, arg, w, b, relu):
        k = ", ".join("[" + ", ".join("%.9e" % v for v in row) + "]" for row in w)
        bb = ", ".join("%.9e" % v for v in b)
        act = ", activation = #hgq<layer_activation relu>" if relu else ""
        return ("  %%%s = hgq.dense %%%s {kernel = dense<[%s]> : tensor<%dx%dxf32>, bias = dense<[%s]> : tensor<%dxf32>%s}"
                " : (tensor<?x%dxf32>) -> tensor<?x%dxf32>\n" % (name, arg, k, w.shape[0], w.shape[1], bb, w.shape[1], act, w.shape[0], w.shape[1]))
    out.write("func.func @main(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {\n")
    out.write(dense("h", "x", w1, b1, True))
    out.write(dense("y", "h", w2, b2, False))
    out.write("  return %y : tensor<?x3xf32>\n}\n")
x = rng.standard_normal((1000, 4)).astype(f32)
np.save(os.path.join(WORK, "cal4.npy"), x)
done = tool("hgq-opt", os.path.join(WORK, "mlp.mlir"),
            "--hgq-proxy-pipeline=calibration=%s tolerance=0.05" % os.path.join(WORK, "cal4.npy"),
            "-o", os.path.join(WORK, "mlp.proxy.mlir"))
assert done.returncode == 0, done.stderr
print("pipeline allocated:", "argmax agreement with the float model" in done.stderr)
ref = np.maximum(x.astype(np.float64) @ w1 + b1, 0) @ w2 + b2
got = run(os.path.join(WORK, "mlp.proxy.mlir"), x)
print("argmax agreement >= 0.95:", bool(np.mean(got.argmax(1) == ref.argmax(1)) >= 0.95))
