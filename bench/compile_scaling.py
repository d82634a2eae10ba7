#!/usr/bin/python3
"""hgq-compile's time and peak memory against model size.

Models: HGQ layer-level networks (per-element kernel and activation
fractional bits, as HGQ leaves them after training), written as MLIR with
the constants in hex, from a fixed seed:

  * dense: 64 inputs, two hidden layers of width W, 10 outputs, ReLU;
  * conv: a 16x16x3 image, conv 3x3 3->C, conv 3x3 C->C stride 2 (both
    padded, ReLU), flatten, dense to 10.

W and C are chosen for about 10k, 100k, 1M and 10M parameters (conv up to
1M). Each runs `hgq-compile MODEL --calibration X -o OUT --no-csim` (trace
on 1,000 samples, proxy, BOPs, the calibration run of both models, every
document, the HLS project and the report) once; the figure is its wall time
and peak resident memory (its VmHWM, read every 20 ms). The scaling exponent is
the slope of log(time) against log(parameters) between the two largest
sizes. Results go to out/bench/compile_scaling.json (--output FILE
elsewhere; --record replaces bench/results/compile_scaling.json) and are
printed. The issue's targets: 1M parameters under 10 s, 10M within 8 GB.

  /usr/bin/python3 bench/compile_scaling.py [--build build] [--quick]
"""

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from machine import add_output_options, cpu_model, output_path  # noqa: E402

SAMPLES = 1000


def hex_dense(array, element):
    data = np.ascontiguousarray(array).tobytes().hex().upper()
    shape = "x".join(str(d) for d in array.shape)
    return 'dense<"0x%s"> : tensor<%sx%s>' % (data, shape, element)


def quantizer(f_bits, rnd):
    return "#hgq.quantizer<f = %s, rnd = %s>" % (hex_dense(f_bits.astype(np.int8), "i8"), rnd)


def dense_layer(rng, name, x, fan_in, fan_out, relu, features_in):
    scale = (6.0 / (fan_in + fan_out)) ** 0.5
    kernel = rng.uniform(-scale, scale, (fan_in, fan_out)).astype(np.float32)
    bias = rng.uniform(-0.1, 0.1, fan_out).astype(np.float32)
    attrs = ("kernel = %s, bias = %s, kernel_quantizer = %s, quantizer = %s, "
             "activation = #hgq<layer_activation %s>"
             % (hex_dense(kernel, "f32"), hex_dense(bias, "f32"),
                quantizer(rng.integers(1, 7, (fan_in, fan_out)), "standard_round"),
                quantizer(rng.integers(2, 7, fan_out), "auto"),
                "relu" if relu else "linear"))
    return ('  %%%s = hgq.dense %%%s {%s} : (tensor<?x%sxf32>) -> tensor<?x%dxf32> loc("%s")'
            % (name, x, attrs, features_in, fan_out, name))


def dense_model(width, rng):
    sizes = [64, width, width, 10]
    lines = ['func.func @main(%x: tensor<?x64xf32> loc("x")) -> tensor<?x10xf32> {',
             '  %%q = hgq.quantize %%x {quantizer = %s} : tensor<?x64xf32> loc("input_quantizer")'
             % quantizer(rng.integers(2, 7, 64), "standard_round")]
    x = "q"
    for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        name = "dense_%d" % (index + 1)
        lines.append(dense_layer(rng, name, x, fan_in, fan_out, index < 2, fan_in))
        x = name
    lines += ["  return %%%s : tensor<?x10xf32>" % x, "}"]
    params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    return "\n".join(lines) + "\n", params, (64,)


def conv_model(channels, rng):
    lines = ['func.func @main(%x: tensor<?x16x16x3xf32> loc("x")) -> tensor<?x10xf32> {',
             '  %%q = hgq.quantize %%x {quantizer = %s} : tensor<?x16x16x3xf32> loc("input_quantizer")'
             % quantizer(rng.integers(2, 7, (16, 16, 3)), "standard_round")]
    params = 0
    x, shape = "q", (16, 16, 3)
    for index, stride in enumerate([1, 2]):
        cin = shape[2]
        kernel = rng.uniform(-0.3, 0.3, (3, 3, cin, channels)).astype(np.float32)
        bias = rng.uniform(-0.1, 0.1, channels).astype(np.float32)
        out = (shape[0] // stride, shape[1] // stride, channels)
        name = "conv_%d" % (index + 1)
        # Keras's 'same' padding (what the Keras proxy can express).
        pads = "1, 1, 1, 1" if stride == 1 else "0, 0, 1, 1"
        attrs = (("kernel = %s, bias = %s, strides = array<i64: %d, %d>, pads = array<i64: " + pads + ">, "
                  "kernel_quantizer = %s, quantizer = %s, activation = #hgq<layer_activation relu>")
                 % (hex_dense(kernel, "f32"), hex_dense(bias, "f32"), stride, stride,
                    quantizer(rng.integers(1, 7, kernel.shape), "standard_round"),
                    quantizer(rng.integers(2, 7, out), "auto")))
        lines.append('  %%%s = hgq.conv %%%s {%s} : (tensor<?x%dx%dx%dxf32>) -> tensor<?x%dx%dx%dxf32> loc("%s")'
                     % ((name, x, attrs) + shape + out + (name,)))
        params += kernel.size + bias.size
        x, shape = name, out
    flat = shape[0] * shape[1] * shape[2]
    lines.append('  %%flat = hgq.flatten %%%s : (tensor<?x%dx%dx%dxf32>) -> tensor<?x%dxf32> loc("flatten")'
                 % ((x,) + shape + (flat,)))
    lines.append(dense_layer(rng, "dense", "flat", flat, 10, False, flat))
    params += flat * 10 + 10
    lines += ["  return %dense : tensor<?x10xf32>", "}"]
    return "\n".join(lines) + "\n", params, (16, 16, 3)


def run(command):
    """Wall time and peak resident memory (MB) of `command`.

    The peak is the child's VmHWM, read every 20 ms: getrusage's maxrss would
    count this script's own memory, which the child shares between fork and
    exec."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:
        try:
            with open("/proc/%d/status" % process.pid) as status:
                for line in status:
                    if line.startswith("VmHWM:") and process.poll() is None:
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if process.returncode:
        sys.exit("%s failed:\n%s" % (" ".join(command), process.stderr.read().decode()))
    return seconds, peak_kb / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--quick", action="store_true",
                        help="only the 10k and 100k models (a smoke run)")
    add_output_options(parser, ROOT, "compile_scaling")
    args = parser.parse_args()
    args.output = output_path(args, ROOT, "compile_scaling")
    compile_tool = os.path.join(args.build, "bin", "hgq-compile")
    rng = np.random.default_rng(2026)
    # (family, target parameters, width or channels)
    plan = [("dense", 10_000, 60), ("dense", 100_000, 280), ("dense", 1_000_000, 960),
            ("dense", 10_000_000, 3120),
            ("conv", 10_000, 12), ("conv", 100_000, 72), ("conv", 1_000_000, 300)]
    if args.quick:
        plan = [entry for entry in plan if entry[1] <= 100_000]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for family, target, size in plan:
            text, params, features = (dense_model if family == "dense" else conv_model)(size, rng)
            model = os.path.join(work, "%s_%d.mlir" % (family, target))
            with open(model, "w") as out:
                out.write(text)
            calibration = os.path.join(work, "%s_%d.npy" % (family, target))
            np.save(calibration, rng.standard_normal((SAMPLES,) + features).astype(np.float32))
            seconds, megabytes = run([compile_tool, model, "--calibration", calibration,
                                      "-o", os.path.join(work, "out"), "--no-csim"])
            rows.append({"family": family, "parameters": params, "seconds": round(seconds, 3),
                         "peak_mb": round(megabytes, 1),
                         "model_mb": round(os.path.getsize(model) / 2**20, 1)})
            print("%-5s %11s parameters: %8.2f s, peak %8.1f MB (model file %.1f MB)"
                  % (family, "{:,}".format(params), seconds, megabytes, rows[-1]["model_mb"]),
                  flush=True)
            os.remove(model)
    exponents = {}
    for family in ("dense", "conv"):
        points = [r for r in rows if r["family"] == family]
        if len(points) >= 2:
            a, b = points[-2], points[-1]
            exponents[family] = round(math.log(b["seconds"] / a["seconds"]) /
                                      math.log(b["parameters"] / a["parameters"]), 2)
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "os": platform.platform()},
        "calibration_samples": SAMPLES,
        "runs": rows,
        "time_exponent_between_two_largest": exponents,
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output + ".partial", "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    os.replace(args.output + ".partial", args.output)
    for family, exponent in exponents.items():
        print("%s: time grows as parameters^%.2f between the two largest models" % (family, exponent))
    print("wrote", os.path.relpath(args.output, ROOT))


if __name__ == "__main__":
    sys.exit(main())
