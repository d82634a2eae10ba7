# IR -> --emit-keras-proxy -> --import-keras gives the same IR and the same
# hgq-run bytes, for the Keras proxy fixtures, every ONNX fixture Keras can
# express, the bundled jet tagger and HGQ's trained fixture converted to the
# proxy, and a float CNN's proxy with a parallel_factor. The per-tensor HLS
# types and BOPs that --hgq-to-proxy records (hgq.result_t, hgq.bops, ...)
# and the module's calibration record are derived data the Keras file does
# not hold (HGQ does not save them either), and an ONNX model's input layout
# means nothing in a channels-last Keras model; they are left out of the
# comparison, and so are layer names where several ops share one (Keras's
# are unique).   roundtrip.py BIN_DIR SOURCE_ROOT WORK_DIR
import glob
import os
import re
import subprocess
import sys

import numpy as np

BIN, ROOT, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
TRANSLATE = os.path.join(BIN, "hgq-translate")
OPT = os.path.join(BIN, "hgq-opt")
RUN = os.path.join(BIN, "hgq-run")


def run(*args, stdin=None):
    done = subprocess.run(args, input=stdin, capture_output=True)
    if done.returncode:
        sys.exit("%s failed:\n%s" % (" ".join(args), done.stderr.decode()))
    return done.stdout


DERIVED = (r"hgq\.(result_t|weight_t|bias_t|accum_t|table_t) = #hgq\.fixed<[^>]*>"
           r"|hgq\.(bops|ebops|bops_per_position) = [^,}]*"
           # The ONNX layout of an input: a Keras model is channels-last.
           r"|hgq\.layout = array<[^>]*>")


NAME = r'hgq\.name = "[^"]*"'


def canonical(ir, names=True):
    """The function body, without the derived attributes; layer names as a
    Keras file can hold them ('/' of a nested model's names becomes '_'), or
    none (`names` false)."""
    lines = []
    for line in run(OPT, stdin=ir).decode().splitlines():
        if line.startswith("module"):
            continue
        pattern = DERIVED if names else DERIVED + "|" + NAME
        line = re.sub(r"(, )?(%s)" % pattern, "", line)
        line = line.replace("{, ", "{").replace(" {}", "")
        line = re.sub(r"-> \((tensor<[^>]*>)\) \{$", r"-> \1 {", line)
        line = re.sub(NAME, lambda m: m.group(0).replace("/", "_"), line)
        lines.append(line)
    return "\n".join(lines)


def unique_names(ir):
    """Keras layer names are unique: a model in which several ops share one
    name (an HGQ layer imported as an op and its quantizer) comes back with
    suffixes."""
    names = re.findall(NAME, ir.decode())
    return len(set(names)) == len(names)


models = {}  # name -> (IR, input .npy)
fixtures = os.path.join(WORK, "keras")
run("/usr/bin/python3", os.path.join(ROOT, "test/Import/Keras/make_fixtures.py"), fixtures)
for name in ("mlp", "conv"):
    models["keras " + name] = (run(TRANSLATE, "--import-keras", os.path.join(fixtures, name + ".h5")),
                               os.path.join(fixtures, name + ".input.npy"))
run("/usr/bin/python3", os.path.join(ROOT, "test/Import/Keras/make_hgq_fixtures.py"), fixtures)
trained = run(TRANSLATE, "--import-keras", os.path.join(fixtures, "hgq.h5"))
calibration = os.path.join(fixtures, "hgq.input.npy")
models["HGQ trained model (proxy)"] = (
    run(OPT, "--hgq-proxy-pipeline=calibration=%s" % calibration, stdin=trained), calibration)
example = os.path.join(ROOT, "examples/jet_tagger")
jet = run(TRANSLATE, "--import-onnx", os.path.join(example, "model.onnx"))
models["jet_tagger (proxy)"] = (
    run(OPT, "--hgq-proxy-pipeline=calibration=%s max-table-size=64" %
        os.path.join(example, "calibration.npy"), stdin=jet),
    os.path.join(example, "calibration.npy"))
refused = []
for path in sorted(glob.glob(os.path.join(ROOT, "test/Import/Onnx/Inputs/*.onnx"))):
    name = os.path.basename(path)
    done = subprocess.run([TRANSLATE, "--import-onnx", path], capture_output=True)
    if done.returncode or name.startswith("bad_"):
        continue
    ir = done.stdout
    if subprocess.run([TRANSLATE, "--emit-keras-proxy", "-o", os.devnull],
                      input=ir, capture_output=True).returncode:
        refused.append(name)
        continue
    models[name] = (ir, None)

rng = np.random.default_rng(5)
for name, (ir, inputs) in models.items():
    base = os.path.join(WORK, re.sub(r"[^A-Za-z0-9]+", "_", name))
    h5 = base + ".h5"
    run(TRANSLATE, "--emit-keras-proxy", "-o", h5, stdin=ir)
    back = run(TRANSLATE, "--import-keras", h5)
    names = unique_names(ir)
    if canonical(ir, names) != canonical(back, names):
        sys.exit("%s: the round trip changed the IR" % name)
    with open(base + ".mlir", "wb") as out:
        out.write(ir)
    with open(base + ".back.mlir", "wb") as out:
        out.write(back)
    if inputs is None:
        shapes = re.findall(r"func\.func @main\(%arg0: tensor<\?x([0-9x]+)xf32>", ir.decode())
        if len(shapes) != 1 or "%arg1" in ir.decode():
            continue
        inputs = base + ".input.npy"
        shape = tuple(int(d) for d in shapes[0].split("x"))
        np.save(inputs, (rng.standard_normal((16,) + shape) * 2).astype(np.float32))
    run(RUN, base + ".mlir", "--input", inputs, "--output", base + ".out.npy")
    run(RUN, base + ".back.mlir", "--input", inputs, "--output", base + ".back.npy")
    with open(base + ".out.npy", "rb") as a, open(base + ".back.npy", "rb") as b:
        if a.read() != b.read():
            sys.exit("%s: hgq-run gives different bytes after the round trip" % name)
print("%d models round-trip through the Keras proxy file (same IR, same hgq-run bytes)" % len(models))
print("refused (no Keras layer): %s" % ", ".join(refused))
