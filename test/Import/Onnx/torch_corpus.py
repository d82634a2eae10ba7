# Small networks of the kinds deployed on FPGAs, exported by PyTorch (Debian's
# python3-torch) at several opsets, imported with hgq-translate and run with
# hgq-run as float models: every output must equal PyTorch's to within 1e-5.
# Nothing is stored: the models, inputs and references are made here.
#   torch_corpus.py BIN_DIR WORK_DIR
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

BIN, WORK = sys.argv[1:3]
os.makedirs(WORK, exist_ok=True)
torch.manual_seed(0)


class MlpBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn, self.fc2 = nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Linear(32, 5)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 8, 3)
        self.fc = nn.Linear(8 * 2 * 2, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(self.c1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.c2(x)), 2)
        return self.fc(x.view(x.size(0), -1))


class Separable(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.pw = nn.Conv2d(4, 8, 1)

    def forward(self, x):
        return torch.relu(self.pw(self.dw(x)))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.b(torch.relu(self.a(x))) + x)


class Conv1dNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv1d(2, 4, 3, stride=2)
        self.fc = nn.Linear(4 * 3, 3)

    def forward(self, x):
        x = nn.functional.max_pool1d(torch.relu(self.c(x)), 2)
        return self.fc(torch.flatten(x, 1))


class ZeroPadConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad, self.c = nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(2, 3, 3)
        self.pool = nn.AdaptiveMaxPool2d(1)

    def forward(self, x):
        return torch.flatten(self.pool(torch.relu(self.c(self.pad(x)))), 1)


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.leaky, self.prelu = nn.LeakyReLU(0.125), nn.PReLU(init=0.25)

    def forward(self, x):
        return self.prelu(self.leaky(self.fc(x)))


class Hardswish(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return nn.functional.hardswish(self.fc(x))


class Relu6Silu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 8), nn.Linear(8, 4)

    def forward(self, x):
        x = nn.functional.relu6(self.fc1(x) * 4)
        return nn.functional.hardtanh(nn.functional.silu(self.fc2(x)), -0.5, 0.5)


class PReluSub(nn.Module):
    """Per-channel PReLU after a Conv2d and a Linear, and the difference of
    two activations."""

    def __init__(self):
        super().__init__()
        self.c, self.fc = nn.Conv2d(2, 4, 3), nn.Linear(36, 6)
        self.prelu_c, self.prelu_f = nn.PReLU(4), nn.PReLU(6)
        with torch.no_grad():
            self.prelu_c.weight.uniform_(-0.5, 0.5)
            self.prelu_f.weight.uniform_(0.0, 0.5)

    def forward(self, x):
        x = self.prelu_c(self.c(x))
        x = torch.flatten(x - torch.relu(x) * 0.5, 1)
        return self.prelu_f(self.fc(x))


MODELS = [
    ("mlp_batchnorm", MlpBatchNorm, (16,)),
    ("lenet", LeNet, (1, 12, 12)),
    ("separable", Separable, (4, 6, 6)),
    ("residual", Residual, (4, 5, 5)),
    ("conv1d", Conv1dNet, (2, 15)),
    ("zero_pad_conv", ZeroPadConv, (2, 6, 6)),
    ("activations", Activations, (8,)),
    ("hardswish", Hardswish, (8,)),
    ("relu6_silu", Relu6Silu, (8,)),
    ("prelu_sub", PReluSub, (2, 5, 5)),
]
OPSETS = [9, 11, 13, 17]

passed, failures = 0, []
for name, make, shape in MODELS:
    model = make().eval()
    # Non-trivial BatchNorm statistics.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    x = torch.randn(64, *shape)
    with torch.no_grad():
        expected = model(x).numpy()
    # The IR is channels-last (its argument records hgq.layout): so are
    # hgq-run's inputs.
    layout = {3: (0, 2, 1), 4: (0, 2, 3, 1)}.get(x.dim())
    np.save(os.path.join(WORK, name + ".input.npy"),
            (x.permute(*layout) if layout else x).contiguous().numpy())
    for opset in OPSETS:
        path = os.path.join(WORK, "%s.%d.onnx" % (name, opset))
        torch.onnx.export(model, x[:1], path, opset_version=opset,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
        mlir = path + ".mlir"
        done = subprocess.run([os.path.join(BIN, "hgq-translate"), "--import-onnx", path, "-o", mlir],
                              capture_output=True, text=True)
        if done.returncode != 0:
            failures.append("%s opset %d: import: %s" % (name, opset, done.stderr.strip()))
            continue
        out = path + ".out.npy"
        done = subprocess.run([os.path.join(BIN, "hgq-run"), mlir, "--input",
                               os.path.join(WORK, name + ".input.npy"), "--output", out],
                              capture_output=True, text=True)
        if done.returncode != 0:
            failures.append("%s opset %d: run: %s" % (name, opset, done.stderr.strip()))
            continue
        got = np.load(out)
        if got.ndim == 4:  # channels-last, as the IR computes
            got = got.transpose(0, 3, 1, 2)
        error = float(np.max(np.abs(got - expected)))
        if error > 1e-5:
            failures.append("%s opset %d: max |hgq-run - torch| = %g" % (name, opset, error))
            continue
        passed += 1

for failure in failures:
    print("FAIL", failure)
print("%d exports import and match PyTorch" % passed)
