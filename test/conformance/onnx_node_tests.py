#!/usr/bin/python3
"""ONNX's own per-operator tests (Debian's libonnx-testdata) through the
importer and the executor's float path; writes the support table.

    onnx_node_tests.py BUILD_BIN_DIR OUTPUT.md [TESTDATA_DIR]

For every node test whose op types the importer handles (the list comes from
`hgq-translate --list-onnx-ops`), each data set is imported with
`hgq-translate --import-onnx` and run through `hgq-run` (inputs and outputs
moved to and from the channels-last layout that the IR's `hgq.layout`
attributes record), and the outputs are compared with ONNX's expected outputs
(float32 tolerance: |got - expected| <= 1e-4 + 1e-4 * |expected|). The
importer takes weights as constants; where a test feeds them as graph inputs
(the importer says "must be a constant"), that input becomes an initializer
holding the data set's values, as an exporter would write it. The table is written to OUTPUT.md: it is the
generated docs/onnx-support.md, checked by test/conformance/onnx-support.test.
"""

import collections
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

BIN, OUTPUT = sys.argv[1], sys.argv[2]
DATA = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/libonnx-testdata/data/node"
TRANSLATE = os.path.join(BIN, "hgq-translate")
RUN = os.path.join(BIN, "hgq-run")


def layouts(mlir, what):
    """The hgq.layout permutation of each argument or result (None: none)."""
    header = next((line for line in mlir.splitlines() if "func.func @main" in line), "")
    header = header.rstrip().rstrip("{").rstrip()
    signature = re.search(r"func\.func @main\((.*)\) -> (.*)$", header)
    if not signature:
        return []
    text = signature.group(1) if what == "arguments" else signature.group(2)
    parts = re.split(r",\s*(?=%arg|tensor<)", text.strip("() "))
    result = []
    for part in parts:
        match = re.search(r"hgq\.layout = array<i64: ([0-9, ]+)>", part)
        result.append([int(x) for x in match.group(1).split(",")] if match else None)
    return result


def to_physical(array, layout):
    if layout is None:
        return array
    # physical[layout[d]] = logical[d]
    order = [0] * len(layout)
    for logical, physical in enumerate(layout):
        order[physical] = logical
    return np.ascontiguousarray(array.transpose(order))


def to_logical(array, layout):
    if layout is None:
        return array
    return array.transpose(layout)


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as data:
        tensor.ParseFromString(data.read())
    return numpy_helper.to_array(tensor)


def import_model(model, work):
    """(returncode, stdout, stderr) of importing `model` (a ModelProto)."""
    path = os.path.join(work, "model.onnx")
    with open(path, "wb") as out:
        out.write(model.SerializeToString())
    done = subprocess.run([TRANSLATE, "--import-onnx", path],
                          capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def first_error(stderr, directory):
    message = stderr.strip().splitlines()[0] if stderr.strip() else "?"
    message = re.sub(r"^.*?error: (loc\([^)]*\): )?", "", message)
    # Every case's file is model.onnx: the table names the case instead.
    message = message.replace(directory + "/", "")
    return re.sub(r"^model\.onnx: ", "", message).replace("|", "/")


def run_data_set(directory, data_set, work):
    """'pass', 'mismatch: ...' or 'refused: ...' for one data set."""
    model = onnx.load(os.path.join(directory, "model.onnx"), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    values = {}
    for index, name in enumerate(inputs):
        file = os.path.join(data_set, "input_%d.pb" % index)
        if os.path.exists(file):
            try:
                values[name] = load_pb(file)
            except ValueError as error:
                return "refused: test input unreadable by numpy (%s)" % error
    constant = set()

    def make_constant(name):
        constant.add(name)
        model.graph.initializer.append(numpy_helper.from_array(values[name], name))
        kept = [i for i in model.graph.input if i.name != name]
        del model.graph.input[:]
        model.graph.input.extend(kept)

    # Scalars and integer tensors are parameters (shapes, scales, ratios),
    # never activations: an exporter writes them as initializers.
    for name, array in values.items():
        if array.ndim == 0 or array.dtype != np.float32:
            make_constant(name)
    while True:
        code, mlir, stderr = import_model(model, work)
        match = re.search(r"input \d+ \('([^']*)'\) must be a constant", stderr)
        if code == 0 or not match or match.group(1) not in values:
            break
        make_constant(match.group(1))
    if code != 0:
        return "refused: " + first_error(stderr, work)
    path = os.path.join(work, "model.mlir")
    with open(path, "w") as out:
        out.write(mlir)
    arguments = layouts(mlir, "arguments")
    results = layouts(mlir, "results")
    command = [RUN, path]
    position = 0
    for name in inputs:
        if name in constant:
            continue
        array = values.get(name)
        if array is None:
            return "refused: optional input '%s' without data" % name
        if array.dtype != np.float32:
            return "refused: input '%s' of type %s" % (name, array.dtype)
        file = os.path.join(work, "in%d.npy" % position)
        layout = arguments[position] if position < len(arguments) else None
        np.save(file, to_physical(array, layout))
        command += ["--input", file]
        position += 1
    outputs = sorted(glob.glob(os.path.join(data_set, "output_*.pb")))
    for index in range(len(outputs)):
        command += ["--output", os.path.join(work, "out%d.npy" % index)]
    ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode != 0:
        return "refused: " + re.sub(r"^hgq-run: error: ", "",
                                    ran.stderr.strip().splitlines()[-1]).replace("|", "/")
    for index, expected_path in enumerate(outputs):
        try:
            expected = load_pb(expected_path)
        except ValueError as error:
            return "refused: expected output unreadable by numpy (%s)" % error
        got = np.load(os.path.join(work, "out%d.npy" % index))
        got = to_logical(got, results[index] if index < len(results) else None)
        if got.shape != expected.shape:
            return "mismatch: shape %s, expected %s" % (got.shape, expected.shape)
        if not np.allclose(got, expected.astype(np.float64), rtol=1e-4, atol=1e-4,
                           equal_nan=True):
            return "mismatch: max error %.3g" % np.max(np.abs(got - expected))
    return "pass"


def run_test(directory, work):
    """The first data set that does not pass decides; else 'pass'."""
    for data_set in sorted(glob.glob(os.path.join(directory, "test_data_set_*"))):
        outcome = run_data_set(directory, data_set, work)
        if outcome != "pass":
            return outcome
    return "pass"


def main():
    listed = subprocess.run([TRANSLATE, "--list-onnx-ops"], capture_output=True,
                            text=True, check=True).stdout.split()
    handled = {name.split(":", 1)[1] for name in listed if name.startswith("ai.onnx:")}
    tests = sorted(d for d in glob.glob(os.path.join(DATA, "test_*"))
                   if os.path.isfile(os.path.join(d, "model.onnx")))
    by_op = collections.OrderedDict()
    with tempfile.TemporaryDirectory() as work:
        for directory in tests:
            model = onnx.load(os.path.join(directory, "model.onnx"),
                              load_external_data=False)
            ops = sorted({n.op_type for n in model.graph.node if n.domain in ("", "ai.onnx")})
            if not ops or any(op not in handled for op in ops) or any(
                    n.domain not in ("", "ai.onnx") for n in model.graph.node):
                continue
            outcome = run_test(directory, work)
            key = ops[0] if len(ops) == 1 else " + ".join(ops)
            by_op.setdefault(key, []).append((os.path.basename(directory), outcome))

    supported = dict(sorted(by_op.items()))
    total = sum(len(v) for v in supported.values())
    passed = sum(1 for v in supported.values() for _, o in v if o == "pass")
    lines = [
        "# ONNX operator support",
        "",
        "Generated by `test/conformance/onnx_node_tests.py` from ONNX's own node",
        "tests (Debian package libonnx-testdata, ONNX 1.12); do not edit.",
        "`test/conformance/onnx-support.test` regenerates it and fails when it",
        "is stale.",
        "",
        "Each test model is imported (`hgq-translate --import-onnx`) and each of",
        "its data sets is run with `hgq-run` (the float path: these models are",
        "not quantized), outputs compared with ONNX's within float32 tolerance.",
        "Only tests whose every op type the importer handles are run. A",
        "*refused* test is one the importer or executor turns down with an",
        "error (an attribute value, a type or a shape outside what is",
        "supported); the reason is listed. The quantization encodings (hgq",
        "domain, QONNX, QDQ) are covered by test/Import/Onnx.",
        "",
        "Summary: %d of %d tests of supported op types pass." % (passed, total),
        "",
        "| op type | tests | pass | refused | mismatch |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for op, results in supported.items():
        outcomes = [o for _, o in results]
        lines.append("| %s | %d | %d | %d | %d |" % (
            op, len(outcomes), outcomes.count("pass"),
            sum(o.startswith("refused") for o in outcomes),
            sum(o.startswith("mismatch") for o in outcomes)))
    lines += ["", "## Tests that do not pass", ""]
    for op, results in supported.items():
        for name, outcome in results:
            if outcome != "pass":
                lines.append("- `%s` (%s): %s" % (name, op, outcome.replace("|", "/")))
    lines.append("")
    with open(OUTPUT + ".partial", "w") as out:
        out.write("\n".join(lines))
    os.replace(OUTPUT + ".partial", OUTPUT)
    print("%d of %d tests of supported op types pass" % (passed, total))


main()
