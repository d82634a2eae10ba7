#!/usr/bin/python3
"""Post-training bit allocation (hgq-allocate-bits) against uniform PTQ.

Trains, with PyTorch on seeded synthetic data, three small float models
(an MLP classifier, a small CNN classifier, a regression MLP), exports them
to ONNX and quantizes each one

  * with hgq-opt --hgq-proxy-pipeline and no option (on a float model it
    allocates bits: target argmax agreement >= 99% for classifiers, max error
    <= 2% of the output range for the regressor), and
  * with the baseline people use, uniform per-tensor PTQ at 4, 6, 8, 10 and 12
    bits (hgq-allocate-bits uniform-bits=N: one width per quantizer, integer
    bits from the calibration range, power-of-two scales),

(proxies with SAT overflow, aggressive=false: held-out samples may leave the
calibration ranges, and wrapping would turn that into large errors), then
measures, on held-out samples neither training nor allocation saw, the fidelity of
the bit-accurate proxy (hgq-run) against PyTorch's float model, and the
proxy's EBOPs (hgq-estimate-bops). It also times the allocation of a
~100k-parameter MLP on 10,000 calibration samples.

Results go to out/bench/ptq.json (--output FILE
elsewhere; --record replaces the committed bench/results/ptq.json) and are printed as the
table docs/ptq.md quotes.

  /usr/bin/python3 bench/ptq.py [--build build] [--output FILE]
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
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import add_output_options, cpu_model, output_path  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIFORM = [4, 6, 8, 10, 12]


def classification_data(rng, n, features, classes):
    x = rng.standard_normal((n, features)).astype(np.float32)
    w = rng.standard_normal((features, classes)).astype(np.float32)
    y = np.argmax(np.tanh(x @ w) + 0.3 * x[:, :classes] ** 2, 1)
    return x, y


def image_data(rng, n, classes):
    # Each class is a fixed 12x12 pattern, shifted by up to one pixel, in noise.
    patterns = rng.standard_normal((classes, 12, 12)).astype(np.float32)
    y = rng.integers(0, classes, n)
    x = np.empty((n, 1, 12, 12), np.float32)
    for index in range(n):
        shift = rng.integers(-1, 2, 2)
        x[index, 0] = np.roll(patterns[y[index]], shift, (0, 1))
    x += 0.8 * rng.standard_normal(x.shape).astype(np.float32)
    return x, y


def regression_data(rng, n):
    x = rng.uniform(-2, 2, (n, 8)).astype(np.float32)
    y = (np.sin(x[:, 0]) * x[:, 1] + 0.5 * x[:, 2] ** 2 - x[:, 3] * x[:, 4]).astype(np.float32)
    return x, y[:, None]


class Cnn(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 4, 3), nn.Conv2d(4, 8, 3)
        self.fc = nn.Linear(8 * 3 * 3, classes)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
        x = torch.relu(self.c2(x))
        return self.fc(torch.flatten(x, 1))


def train(model, x, y, steps, classify, seed):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    inputs, targets = torch.tensor(x), torch.tensor(y)
    loss_fn = nn.functional.cross_entropy if classify else nn.functional.mse_loss
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return float(loss)


def tool(build, name, *args):
    done = subprocess.run([os.path.join(build, "bin", name)] + list(args),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (name, done.stderr))
    return done


def fidelity(quantized, reference, classify):
    if classify:
        return float(np.mean(quantized.argmax(1) == reference.argmax(1)))
    return float(np.max(np.abs(quantized - reference)) / (reference.max() - reference.min()))


def channels_last(x):
    return x.transpose(0, 2, 3, 1).copy() if x.ndim == 4 else x


def evaluate(build, work, name, float_mlir, calibration, test, reference, classify, uniform=None):
    model = os.path.join(work, "%s.%s" % (name, uniform or "alloc"))
    source = float_mlir
    start = time.perf_counter()
    if uniform:
        source = model + ".uniform.mlir"
        tool(build, "hgq-opt", float_mlir, "--hgq-allocate-bits=calibration=%s uniform-bits=%d quiet=true"
             % (calibration, uniform), "-o", source)
    tool(build, "hgq-opt", source,
         "--hgq-proxy-pipeline=calibration=%s aggressive=false bops-json=%s.bops.json" % (calibration, model),
         "-o", model + ".proxy.mlir")
    seconds = time.perf_counter() - start
    tool(build, "hgq-run", model + ".proxy.mlir", "--input", test, "--output", model + ".out.npy")
    with open(model + ".bops.json") as f:
        ebops = json.load(f)["functions"][0]["total_ebops"]
    out = np.load(model + ".out.npy")
    if out.ndim == 4:
        out = out.transpose(0, 3, 1, 2)
    return {"method": "uniform %d-bit" % uniform if uniform else "allocate-bits (default)",
            "ebops": ebops, "fidelity": fidelity(out, reference, classify), "seconds": round(seconds, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    add_output_options(parser, ROOT, "ptq")
    args = parser.parse_args()
    args.output = output_path(args, ROOT, "ptq")
    torch.set_num_threads(2)
    rng = np.random.default_rng(2026)
    work = tempfile.mkdtemp(prefix="hgq-ptq-")

    # Every initialisation and training run is seeded: the results repeat.
    def seeded(make):
        torch.manual_seed(2026)
        return make()

    cases = []
    x, y = classification_data(rng, 6000, 16, 5)
    cases.append(("mlp_classifier", seeded(lambda: nn.Sequential(
        nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5))), x, y, True, 300))
    x, y = image_data(rng, 6000, 4)
    cases.append(("cnn_classifier", seeded(lambda: Cnn(4)), x, y, True, 150))
    x, y = regression_data(rng, 6000)
    cases.append(("mlp_regression", seeded(lambda: nn.Sequential(
        nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))), x, y, False, 600))

    results = {"date": datetime.date.today().isoformat(), "machine": cpu_model(),
               "cores": os.cpu_count(), "platform": platform.platform(),
               "torch": torch.__version__, "models": []}
    for name, model, x, y, classify, steps in cases:
        # Trained on the first 3000 samples; calibrated on 1500 it never saw
        # (training samples sit far from its decision boundaries and would
        # hide how often quantization flips a class); tested on 1500 more.
        loss = train(model, x[:3000], y[:3000], steps, classify, 0)
        model.eval()
        calibration, test = x[3000:4500], x[4500:]
        with torch.no_grad():
            reference = model(torch.tensor(test)).numpy()
        onnx_path = os.path.join(work, name + ".onnx")
        torch.onnx.export(model, torch.tensor(x[:1]), onnx_path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
        float_mlir = os.path.join(work, name + ".mlir")
        tool(args.build, "hgq-translate", "--import-onnx", onnx_path, "-o", float_mlir)
        cal_path, test_path = os.path.join(work, name + ".cal.npy"), os.path.join(work, name + ".test.npy")
        np.save(cal_path, channels_last(calibration))
        np.save(test_path, channels_last(test))
        rows = [evaluate(args.build, work, name, float_mlir, cal_path, test_path, reference, classify)]
        for bits in UNIFORM:
            rows.append(evaluate(args.build, work, name, float_mlir, cal_path, test_path, reference, classify, bits))
        ours = rows[0]
        good = lambda row: row["fidelity"] >= ours["fidelity"] if classify else row["fidelity"] <= ours["fidelity"]
        reaching = [row for row in rows[1:] if good(row)]
        cheapest = min(reaching, key=lambda row: row["ebops"]) if reaching else None
        results["models"].append({
            "model": name, "parameters": sum(p.numel() for p in model.parameters()),
            "train_loss": round(loss, 4),
            "metric": "argmax agreement" if classify else "max |q - f| / output range",
            "held_out_samples": len(test), "calibration_samples": len(calibration), "rows": rows,
            "cheapest_uniform_reaching": cheapest and cheapest["method"],
            "ebops_ratio": cheapest and round(cheapest["ebops"] / ours["ebops"], 2)})

    # Allocation time: ~100k parameters, 10,000 calibration samples.
    x, y = classification_data(rng, 10000, 64, 10)
    big = seeded(lambda: nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                                       nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10)))
    train(big, x, y, 60, True, 0)
    big.eval()
    onnx_path = os.path.join(work, "big.onnx")
    torch.onnx.export(big, torch.tensor(x[:1]), onnx_path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
    tool(args.build, "hgq-translate", "--import-onnx", onnx_path, "-o", os.path.join(work, "big.mlir"))
    np.save(os.path.join(work, "big.cal.npy"), x)
    start = time.perf_counter()
    done = tool(args.build, "hgq-opt", os.path.join(work, "big.mlir"),
                "--hgq-allocate-bits=calibration=%s" % os.path.join(work, "big.cal.npy"),
                "-o", os.path.join(work, "big.q.mlir"))
    seconds = time.perf_counter() - start
    runs = [line for line in done.stderr.splitlines() if "executor runs" in line]
    results["timing"] = {"parameters": sum(p.numel() for p in big.parameters()), "calibration_samples": len(x),
                         "seconds": round(seconds, 2),
                         "executor_runs": int(runs[0].split(";")[1].split()[0]) if runs else None}

    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print("%s, %s, %d cores, torch %s" % (results["date"], results["machine"], results["cores"], results["torch"]))
    for entry in results["models"]:
        print("\n%s (%d parameters, %s on %d held-out samples)" % (entry["model"], entry["parameters"],
                                                                 entry["metric"], entry["held_out_samples"]))
        print("| method | EBOPs | %s |" % entry["metric"])
        print("| --- | ---: | ---: |")
        for row in entry["rows"]:
            print("| %s | %.0f | %.4f |" % (row["method"], row["ebops"], row["fidelity"]))
        print("cheapest uniform setting as good: %s (%.2fx the EBOPs)" % (entry["cheapest_uniform_reaching"],
                                                                          entry["ebops_ratio"] or 0))
    timing = results["timing"]
    print("\nallocation of %d parameters on %d samples: %.2f s (%s executor runs)" % (
        timing["parameters"], timing["calibration_samples"], timing["seconds"], timing["executor_runs"]))


if __name__ == "__main__":
    main()
