# IR -> --emit-onnx -> --import-onnx, on every ONNX fixture the importer
# takes (float models) and on proxy-level models from the pipeline (the jet
# tagger, an HGQ-domain model, PyTorch MLP and CNN with attached quantizers):
# the ONNX checker (full check, with shape inference) accepts each written
# model, the re-imported IR is the same, module attributes included, and
# hgq-run gives the same bytes on random inputs.
#   roundtrip.py BIN_DIR SOURCE_ROOT WORK_DIR
import glob
import os
import subprocess
import sys

import numpy as np
import onnx

BIN, ROOT, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
TRANSLATE = os.path.join(BIN, "hgq-translate")
OPT = os.path.join(BIN, "hgq-opt")
RUN = os.path.join(BIN, "hgq-run")
INPUTS = os.path.join(ROOT, "test/Import/Onnx/Inputs")


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=True).stdout


def save(name, array):
    path = os.path.join(WORK, name)
    np.save(path, array.astype(np.float32))
    return path


def proxy(ir, calibration, attach=False):
    options = "calibration=%s" % calibration
    if attach:
        options += " attach-quantizers=true"
    return run(OPT, "--hgq-proxy-pipeline=" + options, stdin=ir)


models = {}
for path in sorted(glob.glob(os.path.join(INPUTS, "*.onnx"))):
    name = os.path.basename(path)
    if name.startswith("bad_"):
        continue
    done = subprocess.run([TRANSLATE, "--import-onnx", path], capture_output=True, text=True)
    if done.returncode == 0 and "#hgq.quantizer" not in done.stdout:
        models[name] = done.stdout

example = os.path.join(ROOT, "examples/jet_tagger")
models["jet_tagger (proxy)"] = proxy(
    run(TRANSLATE, "--import-onnx", os.path.join(example, "model.onnx")),
    os.path.join(example, "calibration.npy"))
rng = np.random.default_rng(7)
models["hgq_domain (proxy)"] = proxy(
    run(TRANSLATE, "--import-onnx", os.path.join(INPUTS, "hgq_domain.onnx")),
    save("hgq_calibration.npy", rng.standard_normal((64, 3))))
models["torch_mlp (proxy)"] = proxy(
    run(TRANSLATE, "--import-onnx", os.path.join(INPUTS, "torch_mlp.onnx")),
    os.path.join(INPUTS, "torch_mlp.input.npy"), attach=True)
models["torch_cnn (proxy)"] = proxy(
    run(TRANSLATE, "--import-onnx", os.path.join(INPUTS, "torch_cnn.onnx")),
    save("cnn_calibration.npy", np.load(os.path.join(INPUTS, "torch_cnn.input.npy")).transpose(0, 2, 3, 1)),
    attach=True)

for name, ir in models.items():
    source = os.path.join(WORK, "model.mlir")
    with open(source, "w") as f:
        f.write(ir)
    written = os.path.join(WORK, "model.onnx")
    done = subprocess.run([TRANSLATE, "--emit-onnx", source, "-o", written], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("%s: --emit-onnx failed: %s" % (name, done.stderr))
    onnx.checker.check_model(onnx.load(written), full_check=True)
    back = run(TRANSLATE, "--import-onnx", written)
    if run(OPT, stdin=ir) != run(OPT, stdin=back):
        sys.exit("%s: the ONNX round trip changed the IR" % name)
    # The same outputs, bit for bit, on inputs of the model's own shapes.
    returned = os.path.join(WORK, "back.mlir")
    with open(returned, "w") as f:
        f.write(back)
    graph = onnx.load(written).graph
    arguments = []
    for index, value in enumerate(graph.input):
        shape = [16] + [d.dim_value for d in value.type.tensor_type.shape.dim[1:]]
        arguments += ["--input", save("input%d.npy" % index, 4 * rng.standard_normal(shape))]
    outputs = []
    for model in (source, returned):
        target = os.path.join(WORK, "out_%d.npy" % len(outputs))
        run(RUN, model, *arguments, "--output", target)
        with open(target, "rb") as f:
            outputs.append(f.read())
    if outputs[0] != outputs[1]:
        sys.exit("%s: hgq-run outputs differ after the ONNX round trip" % name)
print("%d models round-trip through ONNX" % len(models))
