#!/usr/bin/python3
"""Executor speed on convolutional networks, against PyTorch float32.

Two float CNNs, built with PyTorch from a fixed seed, are exported to ONNX,
imported, and quantized by `hgq-opt --hgq-proxy-pipeline` (bit allocation on
1,000 calibration images). Then, on the same uniform random images:

  * hgq-run on the proxy: bit-accurate inference, wall time of the whole
    command (parsing, the .npy read and write included);
  * hgq-opt --hgq-trace-minmax on the layer-level model over the same images;
  * PyTorch float32 on the float network, forward passes only (data in
    memory, inference_mode, torch.set_num_threads(cores)), at batch sizes
    256, 1024 and all at once, in child processes with the environment as it
    is and with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, two processes
    each; the fastest of all is compared.

Models: "mnist" is the shape of HGQ's MNIST example (conv 3x3 1->4, relu,
max pool 2, conv 3x3 4->4, relu, max pool 2, flatten, dense 100->32, relu,
dense 32->10) on 20,000 images of 28x28; "deep" has 16-32 channels, 5x5 and
3x3 kernels, a stride, padding and average pooling, on 5,000 images.

hgq-run's fixed cost is measured too: the same command on one image
(process start -- loading libLLVM.so is most of it --, parsing the model,
planning its quantizers, the file I/O). The whole command minus it is what
the images themselves cost; the table shows both ratios. Process start
alone is measured as `hgq-run --help` and as an empty C++ program linked
with and without libLLVM.so.

Each figure is the best of --repeat runs. Results go to
out/bench/executor_conv.json (--output FILE
elsewhere; --record replaces the committed bench/results/executor_conv.json) and are printed.

  /usr/bin/python3 bench/executor_conv.py [--build build]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import add_output_options, best_of, cpu_model, output_path  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = {"mnist": 20000, "deep": 5000}


def make_model(name):
    import torch
    import torch.nn as nn
    torch.manual_seed(2026)
    if name == "mnist":
        class Mnist(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1, self.c2 = nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3)
                self.f1, self.f2 = nn.Linear(100, 32), nn.Linear(32, 10)

            def forward(self, x):
                x = nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
                x = nn.functional.max_pool2d(torch.relu(self.c2(x)), 2)
                return self.f2(torch.relu(self.f1(torch.flatten(x, 1))))
        return Mnist().eval()

    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 16, 5, padding=2)
            self.c2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
            self.c3 = nn.Conv2d(32, 32, 3, padding=1)
            self.fc = nn.Linear(32 * 3 * 3, 10)

        def forward(self, x):
            x = nn.functional.avg_pool2d(torch.relu(self.c1(x)), 2)
            x = torch.relu(self.c2(x))
            x = nn.functional.avg_pool2d(torch.relu(self.c3(x)), 2)
            return self.fc(torch.flatten(x, 1))
    return Deep().eval()



def torch_seconds(name, data, repeat):
    """The fastest forward pass over `data` (child process), any batch size."""
    import torch
    torch.set_num_threads(os.cpu_count())
    model = make_model(name)
    inputs = torch.from_numpy(np.load(data).transpose(0, 3, 1, 2).copy())
    best = float("inf")
    for batch in (256, 1024, inputs.shape[0]):
        def forward():
            with torch.inference_mode():
                for start in range(0, inputs.shape[0], batch):
                    model(inputs[start:start + batch])
        forward()  # warm-up
        best = min(best, best_of(repeat, forward))
    return best


def process_start(hgq_run, work, repeat):
    """What starting a process costs here: `hgq-run --help` (nothing but
    process start and option parsing) and an empty C++ program, linked
    with and without libLLVM.so (the link STYLE.md prescribes for every
    tool). None where no C++ compiler is found."""
    times = {"hgq_run_help_seconds": best_of(max(repeat, 5), lambda: subprocess.run(
        [hgq_run, "--help"], check=True, stdout=subprocess.DEVNULL))}
    source = os.path.join(work, "empty.cpp")
    with open(source, "w") as f:
        f.write("int main() { return 0; }\n")
    libdir = subprocess.run(["llvm-config-22", "--libdir"], capture_output=True, text=True,
                            check=False).stdout.strip() or "/usr/lib/llvm-22/lib"
    for key, flags in (("empty_program_seconds", []),
                       ("empty_program_with_libllvm_seconds",
                        ["-Wl,--no-as-needed", "-L" + libdir, "-lLLVM", "-Wl,-rpath," + libdir])):
        program = os.path.join(work, key)
        try:
            subprocess.run(["g++", "-O1", source, "-o", program] + flags, check=True,
                           capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            times[key] = None
            continue
        times[key] = best_of(max(repeat, 5), lambda: subprocess.run([program], check=True))
    return {k: (round(v, 4) if v is not None else None) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--repeat", type=int, default=3)
    add_output_options(parser, ROOT, "executor_conv")
    parser.add_argument("--torch-only", nargs=2, metavar=("MODEL", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.output = output_path(args, ROOT, "executor_conv")
    if args.torch_only:
        print(torch_seconds(args.torch_only[0], args.torch_only[1], args.repeat))
        return
    import torch
    binary = lambda name: os.path.join(args.build, "bin", name)  # noqa: E731
    rng = np.random.default_rng(2026)
    results = {"date": datetime.date.today().isoformat(),
               "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
                           "torch": torch.__version__},
               "models": []}
    with tempfile.TemporaryDirectory() as work:
        results["process_start"] = process_start(binary("hgq-run"), work, args.repeat)
        for name, samples in SAMPLES.items():
            model = make_model(name)
            onnx_path = os.path.join(work, name + ".onnx")
            torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, input_names=["x"],
                              output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                              opset_version=13)
            mlir, proxy = os.path.join(work, name + ".mlir"), os.path.join(work, name + ".proxy.mlir")
            layer = os.path.join(work, name + ".layer.mlir")
            calibration, data = os.path.join(work, name + ".cal.npy"), os.path.join(work, name + ".x.npy")
            np.save(calibration, rng.random((1000, 28, 28, 1), np.float32))
            np.save(data, rng.random((samples, 28, 28, 1), np.float32))
            one = os.path.join(work, name + ".one.npy")
            np.save(one, np.load(data)[:1])
            subprocess.run([binary("hgq-translate"), "--import-onnx", onnx_path, "-o", mlir], check=True)
            subprocess.run([binary("hgq-opt"), mlir, "--hgq-fuse-batchnorm",
                            "--hgq-allocate-bits=calibration=%s quiet=true" % calibration, "-o", layer],
                           check=True, stderr=subprocess.DEVNULL)
            subprocess.run([binary("hgq-opt"), layer, "--hgq-proxy-pipeline=calibration=" + calibration,
                            "-o", proxy], check=True, stderr=subprocess.DEVNULL)
            run = best_of(args.repeat, lambda: subprocess.run(
                [binary("hgq-run"), proxy, "--input", data, "--output", os.path.join(work, "y.npy")],
                check=True))
            fixed = best_of(max(args.repeat, 5), lambda: subprocess.run(
                [binary("hgq-run"), proxy, "--input", one, "--output", os.path.join(work, "y1.npy")],
                check=True))
            trace = best_of(args.repeat, lambda: subprocess.run(
                [binary("hgq-opt"), layer, "--hgq-trace-minmax=calibration=%s quiet=true" % data,
                 "-o", os.devnull], check=True, stderr=subprocess.DEVNULL))
            pytorch = float("inf")
            # Two child processes per environment: PyTorch's time on these
            # small CNNs is bimodal from one process to the next here (deep:
            # 0.14 s or 1.3 s), and its fastest is what is compared.
            for drop in ([], ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]) * 2:
                env = {k: v for k, v in os.environ.items() if k not in drop}
                child = subprocess.run([sys.executable, __file__, "--torch-only", name, data,
                                        "--repeat", str(args.repeat)],
                                       env=env, check=True, capture_output=True, text=True)
                pytorch = min(pytorch, float(child.stdout.strip().splitlines()[-1]))
            results["models"].append({
                "model": name, "samples": samples, "hgq_run_seconds": round(run, 3),
                "hgq_run_one_sample_seconds": round(fixed, 3),
                "trace_minmax_seconds": round(trace, 3), "pytorch_seconds": round(pytorch, 3),
                "hgq_run_over_pytorch_throughput": round(pytorch / run, 2),
                "images_only_over_pytorch_throughput": round(pytorch / max(run - fixed, 1e-9), 2),
                "trace_over_run_time": round(trace / run, 2)})
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print("%s, %s, %d cores" % (results["date"], results["machine"]["cpu"], results["machine"]["cores"]))
    print("| model | samples | hgq-run (s) | of which fixed (s) | trace-minmax (s) | PyTorch (s) "
          "| throughput vs PyTorch | without the fixed cost |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in results["models"]:
        print("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.2fx | %.2fx |" % (
            m["model"], m["samples"], m["hgq_run_seconds"], m["hgq_run_one_sample_seconds"],
            m["trace_minmax_seconds"], m["pytorch_seconds"], m["hgq_run_over_pytorch_throughput"],
            m["images_only_over_pytorch_throughput"]))
    start = results["process_start"]
    print("process start: hgq-run --help %.4f s; an empty C++ program %s s, linked to libLLVM.so %s s" % (
        start["hgq_run_help_seconds"], start["empty_program_seconds"],
        start["empty_program_with_libllvm_seconds"]))


if __name__ == "__main__":
    main()
