#!/usr/bin/python3
"""Writes the float-model example: a PyTorch 16-64-32-5 MLP classifier.

A float model as most users have one: trained briefly with PyTorch (seeded)
on synthetic 5-class data, exported to ONNX without any quantization. The
calibration samples are drawn from the same distribution but were not used
for training (on its own training samples a model has wide margins, which
would hide how often quantization flips a class).

    make_model.py model.onnx calibration.npy

Needs python3-torch and python3-numpy.
"""

import sys

import numpy as np
import torch
import torch.nn as nn

SEED = 2026


def data(rng, n, w):
    x = rng.standard_normal((n, 16)).astype(np.float32)
    y = np.argmax(np.tanh(x @ w) + 0.3 * x[:, :5] ** 2, 1)
    return x, y


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    onnx_path, calibration_path = sys.argv[1:]
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    w = rng.standard_normal((16, 5)).astype(np.float32)
    x, y = data(rng, 3000, w)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5))
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    inputs, targets = torch.tensor(x), torch.tensor(y)
    for _ in range(300):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    model.eval()
    torch.onnx.export(model, inputs[:1], onnx_path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
    calibration, _ = data(rng, 1000, w)
    np.save(calibration_path, calibration)


if __name__ == "__main__":
    main()
