# A float PyTorch CNN (conv 3x3 1->4 + relu, max pool 2, conv 3x3 4->6 padded
# + relu, average pool 2, flatten, linear 24->10, relu, linear 10->3) exported
# to ONNX, with 128 calibration images: the input of the post-training path
# (attach quantizers, trace, proxy) in csim.test.
#   torch_cnn.py OUTPUT_DIR
import os
import sys

import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(3)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(4, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.AvgPool2d(2, count_include_pad=False),
    torch.nn.Flatten(), torch.nn.Linear(24, 10), torch.nn.ReLU(),
    torch.nn.Linear(10, 3)).eval()
example = torch.randn(1, 1, 10, 10)
torch.onnx.export(model, example, os.path.join(out, "cnn.onnx"),
                  input_names=["image"], output_names=["scores"],
                  dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}},
                  opset_version=13)
# hgq models are channels-last: the calibration images are N x 10 x 10 x 1.
images = np.random.default_rng(5).standard_normal((128, 10, 10, 1))
np.save(os.path.join(out, "calibration.npy"), images.astype(np.float32))
