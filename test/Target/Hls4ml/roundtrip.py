# For every ONNX fixture the importer accepts, and the proxy forms of the
# jet tagger and an HGQ-domain model: IR -> --emit-hls4ml -> --import-hls4ml
# gives the same IR, layer names included (module attributes aside, which the
# document does not carry; names shared by several ops are made unique).   roundtrip.py BIN_DIR SOURCE_ROOT WORK_DIR
import glob
import os
import re
import subprocess
import sys

BIN, ROOT, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
TRANSLATE = os.path.join(BIN, "hgq-translate")
OPT = os.path.join(BIN, "hgq-opt")


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=True).stdout


def body(ir):
    return "\n".join(line for line in ir.splitlines() if not line.startswith("module"))


NAME = r'hgq.name = "[^"]*"'


def without_names(ir):
    """The IR without layer names: for models in which several ops share one
    name (an ONNX node imported as several ops), which the document, whose
    layer names are unique, renames."""
    ir = re.sub(NAME + ", ", "", ir)
    ir = re.sub(", " + NAME, "", ir)
    return re.sub(r" \{" + NAME + r"\}", "", ir)


models = {}
for path in sorted(glob.glob(os.path.join(ROOT, "test/Import/Onnx/Inputs/*.onnx"))):
    name = os.path.basename(path)
    if name.startswith("bad_") or name == "hgq_domain.onnx":
        continue
    done = subprocess.run([TRANSLATE, "--import-onnx", path], capture_output=True, text=True)
    if done.returncode == 0:
        models[name] = done.stdout
example = os.path.join(ROOT, "examples/jet_tagger")
layer = run(TRANSLATE, "--import-onnx", os.path.join(example, "model.onnx"))
models["jet_tagger (proxy)"] = run(
    OPT, "--hgq-proxy-pipeline=calibration=%s max-table-size=64" %
    os.path.join(example, "calibration.npy"), stdin=layer)
hgq = run(TRANSLATE, "--import-onnx", os.path.join(ROOT, "test/Import/Onnx/Inputs/hgq_domain.onnx"))
calibration = os.path.join(WORK, "hgq_calibration.npy")
subprocess.run(["/usr/bin/python3", "-c",
                "import numpy as np; np.save('%s', np.random.default_rng(1).standard_normal((64, 3)).astype(np.float32))" % calibration],
               check=True)
models["hgq_domain (proxy)"] = run(OPT, "--hgq-proxy-pipeline=calibration=%s" % calibration, stdin=hgq)

refused = []
for name, ir in list(models.items()):
    done = subprocess.run([TRANSLATE, "--emit-hls4ml"], input=ir, capture_output=True, text=True)
    if done.returncode != 0:
        # A proxy with an activation hls4ml does not have is refused.
        if "hls4ml has no activation" not in done.stderr:
            sys.exit("%s: %s" % (name, done.stderr))
        refused.append(name)
        del models[name]
for name, ir in models.items():
    document = run(TRANSLATE, "--emit-hls4ml", stdin=ir)
    back = run(TRANSLATE, "--import-hls4ml", stdin=document)
    before, after = body(run(OPT, stdin=ir)), body(run(OPT, stdin=back))
    names = re.findall(NAME, before)
    if len(set(names)) != len(names):
        before, after = without_names(before), without_names(after)
    if before != after:
        sys.exit("%s: the round trip changed the IR" % name)
print("%d models round-trip through the hls4ml document" % len(models))
print("refused (activations hls4ml does not have): %s" % ", ".join(refused))
