#!/usr/bin/python3
"""Executor throughput against PyTorch float32 on the same network.

The model is examples/jet_tagger/model.mlir (16-64-32-32-5, per-element
fractional bits), traced on 10,000 samples first. It measures, on 1,000,000
samples:

  * hgq-run: bit-accurate inference, wall time of the whole command
    (parsing, .npy read and write included);
  * hgq-opt --hgq-trace-minmax over the same samples (wall time);
  * the peak anonymous memory of trace-minmax on those samples and on
    --streaming-samples (10,000,000) samples: the .npy is memory-mapped and
    read a work item at a time, so it should not grow; the same for hgq-run,
    which writes its outputs as work items finish;
  * PyTorch float32 inference of the same float network (same weights,
    torch.set_num_threads(cores), inference_mode, batches of 65,536), forward
    passes only: data already in memory. It runs twice in child processes,
    with the environment as it is and with OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE unset (this workplace sets them for old OpenBLAS
    builds; they can slow a current one); the faster is compared.

Each figure is the best of --repeat runs. Results go to
out/bench/executor_throughput.json (--output FILE elsewhere;
--record replaces the committed bench/results/executor_throughput.json) and are printed as a table.

  /usr/bin/python3 bench/executor_throughput.py [--build build] [--samples N]
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import add_output_options, best_of, cpu_model, output_path  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))



def peak_anonymous_mb(command):
    """Runs `command`, polling its anonymous resident memory (RssAnon)."""
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            with open("/proc/%d/status" % process.pid) as status:
                for line in status:
                    if line.startswith("RssAnon"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit("%s failed" % command[0])
    return peak // 1024


def dense_layers(mlir_text):
    """(kernel, bias, relu) of each hgq.dense, from the MLIR text."""
    layers = []
    for line in mlir_text.splitlines():
        if "hgq.dense" not in line:
            continue
        kernel = re.search(r"kernel = dense<(.*?)> : tensor<(\d+)x(\d+)xf32>", line)
        bias = re.search(r"bias = dense<(.*?)> : tensor<(\d+)xf32>", line)
        layers.append((np.array(json.loads(kernel.group(1)), np.float32),
                       np.array(json.loads(bias.group(1)), np.float32),
                       "layer_activation relu" in line))
    return layers


def torch_forward_seconds(data, weights, repeat):
    """Best forward time of the float network on `data` (child process)."""
    import torch
    torch.set_num_threads(os.cpu_count())
    stored = np.load(weights)
    relu = stored["relu"]
    modules = []
    for index in range(len(relu)):
        kernel, bias = stored["arr_%d" % (2 * index)], stored["arr_%d" % (2 * index + 1)]
        linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(bias))
        modules.append(linear)
        if relu[index]:
            modules.append(torch.nn.ReLU())
    network = torch.nn.Sequential(*modules).eval()
    inputs = torch.from_numpy(np.load(data))

    def forward():
        with torch.inference_mode():
            for start in range(0, inputs.shape[0], 65536):
                network(inputs[start:start + 65536])

    forward()  # warm-up
    return best_of(repeat, forward)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--streaming-samples", type=int, default=10_000_000)
    parser.add_argument("--torch-only", nargs=2, metavar=("DATA", "WEIGHTS"),
                        help=argparse.SUPPRESS)
    add_output_options(parser, ROOT, "executor_throughput")
    args = parser.parse_args()
    args.output = output_path(args, ROOT, "executor_throughput")

    if args.torch_only:
        print(torch_forward_seconds(args.torch_only[0], args.torch_only[1], args.repeat))
        return 0
    import torch

    cores = os.cpu_count()
    hgq_run = os.path.join(args.build, "bin", "hgq-run")
    hgq_opt = os.path.join(args.build, "bin", "hgq-opt")
    model = os.path.join(ROOT, "examples", "jet_tagger", "model.mlir")
    rng = np.random.default_rng(2026)
    with tempfile.TemporaryDirectory() as work:
        calibration = os.path.join(work, "calibration.npy")
        data = os.path.join(work, "x.npy")
        traced = os.path.join(work, "traced.mlir")
        np.save(calibration, (rng.standard_normal((10_000, 16)) * 2).astype(np.float32))
        x = (rng.standard_normal((args.samples, 16)) * 2).astype(np.float32)
        np.save(data, x)
        subprocess.run([hgq_opt, model, "--hgq-trace-minmax=calibration=" + calibration,
                        "-o", traced], check=True, stderr=subprocess.DEVNULL)

        executor = best_of(args.repeat, lambda: subprocess.run(
            [hgq_run, traced, "--input", data, "--output", os.path.join(work, "y.npy")],
            check=True))
        trace = best_of(args.repeat, lambda: subprocess.run(
            [hgq_opt, traced, "--hgq-trace-minmax=calibration=" + data, "-o", os.devnull],
            check=True, stderr=subprocess.DEVNULL))

        weights = os.path.join(work, "weights.npz")
        layers = dense_layers(open(model).read())
        np.savez(weights, *[array for kernel, bias, _ in layers for array in (kernel, bias)],
                 relu=np.array([relu for _, _, relu in layers]))
        timings = {}
        for label, drop in [("as_is", []),
                            ("openblas_unset", ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"])]:
            env = {k: v for k, v in os.environ.items() if k not in drop}
            child = subprocess.run(
                [sys.executable, __file__, "--torch-only", data, weights,
                 "--repeat", str(args.repeat)],
                env=env, check=True, capture_output=True, text=True)
            timings[label] = float(child.stdout.strip())
        pytorch = min(timings.values())

        # Streaming: trace-minmax's peak anonymous memory (the .npy is
        # mapped; its pages are the page cache's) on the data above and on
        # --streaming-samples samples.
        big = os.path.join(work, "big.npy")
        stream = np.lib.format.open_memmap(big, mode="w+", dtype=np.float32,
                                           shape=(args.streaming_samples, 16))
        for start in range(0, args.streaming_samples, 1_000_000):
            end = min(args.streaming_samples, start + 1_000_000)
            stream[start:end] = (rng.standard_normal((end - start, 16)) * 2).astype(np.float32)
        stream.flush()
        del stream
        memory = {str(args.samples): peak_anonymous_mb([hgq_opt, traced, "--hgq-trace-minmax=calibration=%s quiet=true" % data, "-o", os.devnull]),
                  str(args.streaming_samples): peak_anonymous_mb([hgq_opt, traced, "--hgq-trace-minmax=calibration=%s quiet=true" % big, "-o", os.devnull])}
        # hgq-run writes its outputs as work items finish: its memory
        # stays flat too (the output file is written, not held).
        run_memory = {str(samples): peak_anonymous_mb([hgq_run, traced, "--input", path, "--output", os.path.join(work, "y.npy")])
                      for samples, path in [(args.samples, data), (args.streaming_samples, big)]}

    result = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpu": cpu_model(), "cores": cores,
                    "os": platform.platform()},
        "torch": torch.__version__,
        "pytorch_seconds_by_environment": timings,
        "samples": args.samples,
        "seconds": {"hgq_run": executor, "trace_minmax": trace,
                    "pytorch_float32": pytorch},
        "samples_per_second": {"hgq_run": args.samples / executor,
                               "trace_minmax": args.samples / trace,
                               "pytorch_float32": args.samples / pytorch},
        "hgq_run_speedup_over_pytorch": pytorch / executor,
        "trace_over_executor": trace / executor,
        "trace_peak_anonymous_mb_by_samples": memory,
        "hgq_run_peak_anonymous_mb_by_samples": run_memory,
    }
    with open(args.output + ".partial", "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    os.replace(args.output + ".partial", args.output)

    print("machine: %s, %d cores, %s" % (result["machine"]["cpu"], cores, result["date"]))
    print("%-34s %10s %16s" % ("", "seconds", "samples/s"))
    for key, label in [("hgq_run", "hgq-run (bit-accurate, end to end)"),
                       ("trace_minmax", "hgq-opt --hgq-trace-minmax"),
                       ("pytorch_float32", "PyTorch float32 (forward only)")]:
        print("%-34s %10.3f %16.0f" % (label, result["seconds"][key],
                                      result["samples_per_second"][key]))
    print("hgq-run / PyTorch throughput ratio: %.2f" % result["hgq_run_speedup_over_pytorch"])
    print("trace-minmax time / hgq-run time:   %.2f" % result["trace_over_executor"])
    for samples, megabytes in memory.items():
        print("trace-minmax on %s samples: peak anonymous memory %d MB" % (samples, megabytes))
    for samples, megabytes in run_memory.items():
        print("hgq-run on %s samples: peak anonymous memory %d MB" % (samples, megabytes))
    print("wrote", os.path.relpath(args.output, ROOT))


if __name__ == "__main__":
    sys.exit(main())
