#!/usr/bin/python3
"""Speed and size of the HLS back end (hgq-translate --emit-hls).

Models: MLPs at proxy level with per-element formats, 6-bit weights of which
20% are zero (pruned), generated here: ~100k weights (64-256-256-64-16) and
~1M weights (256-1024-512-128-16); and the bundled jet tagger (proxy of
examples/jet_tagger, traced on its calibration set). It measures:

  * emission: wall time of `hgq-translate --emit-hls` (tb_data included);
  * the C simulation's build: wall time and peak memory of `make build`
    (g++ -O1) with the project's own ap_ headers, and (--vendor DIR) with the
    vendor's;
  * C-simulation throughput: `make csim INPUT= OUTPUT=` on 10,000 samples
    against `hgq-run` on the same samples (whole commands, .npy I/O included;
    the binary is built beforehand), and that both outputs are identical.

Results go to out/bench/hls_backend.json (--output FILE
elsewhere; --record replaces the committed bench/results/hls_backend.json) and are printed.

  /usr/bin/python3 bench/hls_backend.py [--build build] [--vendor DIR] [--output FILE]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import add_output_options, cpu_model, output_path  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mlp(widths, seed):
    """Proxy-level MLP text: per-element input and output formats."""
    rng = np.random.default_rng(seed)

    def bits(values):
        return "dense<[%s]> : tensor<%dxi8>" % (", ".join(map(str, values)), len(values))

    lines = ["func.func @main(%%x: tensor<?x%dxf32>) -> tensor<?x%dxf32> {" % (widths[0], widths[-1]),
             "  %%v0 = hgq.quantize %%x {format = #hgq.fixed<k = 1, i = 2, f = %s, "
             "rounding = RND, overflow = SAT>} : tensor<?x%dxf32>"
             % (bits(rng.integers(3, 7, widths[0])), widths[0])]
    value = 0
    for index, (a, b) in enumerate(zip(widths, widths[1:])):
        kernel = np.round(rng.standard_normal((a, b)) * 16) / 16
        kernel[rng.random((a, b)) < 0.2] = 0
        text = ", ".join("[%s]" % ", ".join(repr(float(x)) for x in row) for row in kernel)
        lines.append("  %%v%d = hgq.dense %%v%d {kernel = dense<[%s]> : tensor<%dx%dxf32>} : "
                     "(tensor<?x%dxf32>) -> tensor<?x%dxf32>" % (value + 1, value, text, a, b, a, b))
        lines.append("  %%v%d = hgq.quantize %%v%d {format = #hgq.fixed<k = 1, i = 3, f = %s, "
                     "rounding = TRN, overflow = WRAP>} : tensor<?x%dxf32>"
                     % (value + 2, value + 1, bits(rng.integers(2, 6, b)), b))
        value += 2
        if index + 2 < len(widths):
            lines.append('  %%v%d = hgq.activation "relu" %%v%d : tensor<?x%dxf32>' % (value + 1, value, b))
            value += 1
    lines.append("  return %%v%d : tensor<?x%dxf32>" % (value, widths[-1]))
    lines.append("}")
    return "\n".join(lines) + "\n"


def timed(args):
    """Wall seconds of a command."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(name, model, inputs, build, vendor, work):
    translate = os.path.join(build, "bin", "hgq-translate")
    run = os.path.join(build, "bin", "hgq-run")
    project = os.path.join(work, name)
    data = os.path.join(work, name + ".x.npy")
    np.save(data, inputs)
    result = {"model": name}
    result["emit_seconds"] = timed([translate, "--emit-hls", model, "--output-dir", project,
                                       "--tb-input", data, "--tb-samples", "16"])
    weights = 0
    with open(os.path.join(project, "firmware", "parameters.h")) as parameters:
        for line in parameters:
            if "multiplications =" in line:
                weights += int(line.split("=")[1].strip(" ;\n"))
    result["multiplications"] = weights
    # Build in a child python so that ru_maxrss is this build's alone.
    for label, directory in [("own", None), ("vendor", vendor)]:
        if label == "vendor" and not directory:
            continue
        args = ["make", "-s", "-C", project, "build"]
        if directory:
            args.append("AP_TYPES_DIR=" + directory)
        probe = subprocess.run(
            [sys.executable, "-c",
             "import resource, subprocess, sys, time, json\n"
             "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True)\n"
             "print(json.dumps([time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0]))"] + args,
            check=True, capture_output=True, text=True)
        seconds, megabytes = json.loads(probe.stdout.strip().splitlines()[-1])
        result["build_seconds_" + label] = seconds
        result["build_peak_mb_" + label] = megabytes
    csim_out = os.path.join(work, name + ".csim.npy")
    run_out = os.path.join(work, name + ".run.npy")
    result["csim_seconds"] = timed(["make", "-s", "-C", project, "csim",
                                       "INPUT=" + data, "OUTPUT=" + csim_out])
    result["hgq_run_seconds"] = timed([run, model, "--input", data, "--output", run_out])
    result["samples"] = int(inputs.shape[0])
    result["identical"] = bool(np.array_equal(np.load(csim_out), np.load(run_out)))
    result["csim_over_hgq_run_time"] = result["csim_seconds"] / result["hgq_run_seconds"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--vendor", default=None,
                        help="the vendor's ap_types include directory")
    parser.add_argument("--samples", type=int, default=10000)
    add_output_options(parser, ROOT, "hls_backend")
    args = parser.parse_args()
    args.output = output_path(args, ROOT, "hls_backend")
    rng = np.random.default_rng(11)
    results = []
    with tempfile.TemporaryDirectory() as work:
        bin_dir = os.path.join(args.build, "bin")
        jet = os.path.join(work, "jet.mlir")
        subprocess.run([os.path.join(bin_dir, "hgq-translate"), "--import-onnx",
                        os.path.join(ROOT, "examples", "jet_tagger", "model.onnx"), "-o", jet],
                       check=True)
        subprocess.run([os.path.join(bin_dir, "hgq-opt"), jet, "--hgq-trace-minmax=calibration=" +
                        os.path.join(ROOT, "examples", "jet_tagger", "calibration.npy"),
                        "--hgq-to-proxy", "-o", jet + ".proxy"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        calibration = np.load(os.path.join(ROOT, "examples", "jet_tagger", "calibration.npy"))
        jet_inputs = calibration[rng.integers(0, len(calibration), args.samples)]
        results.append(measure("jet_tagger", jet + ".proxy", jet_inputs, args.build, args.vendor, work))
        for name, widths in [("mlp_100k", [64, 256, 256, 64, 16]),
                             ("mlp_1m", [256, 1024, 512, 128, 16])]:
            path = os.path.join(work, name + ".mlir")
            with open(path, "w") as out:
                out.write(mlp(widths, 1))
            inputs = (rng.standard_normal((args.samples, widths[0])) * 2).astype(np.float32)
            results.append(measure(name, path, inputs, args.build, args.vendor, work))
    report = {"date": datetime.date.today().isoformat(),
              "machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                          "os": platform.platform()},
              "compiler": subprocess.run(["g++", "--version"], capture_output=True,
                                         text=True).stdout.splitlines()[0],
              "results": results}
    partial = args.output + ".partial"
    with open(partial, "w") as out:
        json.dump(report, out, indent=2)
    os.replace(partial, args.output)
    print("machine: %s, %d cores, %s, %s" % (report["machine"]["cpu"], os.cpu_count(),
                                             report["date"], report["compiler"]))
    header = "%-11s %9s %8s %16s %16s %9s %9s %6s" % (
        "model", "mults", "emit s", "build s (MB)", "vendor s (MB)", "csim s", "hgq-run s",
        "equal")
    print(header)
    for r in results:
        vendor = ("%7.1f (%5.0f)" % (r["build_seconds_vendor"], r["build_peak_mb_vendor"])
                  if "build_seconds_vendor" in r else "-")
        print("%-11s %9d %8.2f %8.1f (%5.0f) %16s %9.2f %9.2f %6s" % (
            r["model"], r["multiplications"], r["emit_seconds"], r["build_seconds_own"],
            r["build_peak_mb_own"], vendor, r["csim_seconds"], r["hgq_run_seconds"],
            "yes" if r["identical"] else "NO"))


main()
