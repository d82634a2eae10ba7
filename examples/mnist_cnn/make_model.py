#!/usr/bin/python3
"""Writes the MNIST-shaped CNN example: a small convolutional network on
28x28 images, trained briefly with PyTorch, exported as hgq-domain ONNX.

The network (HGQ's MNIST example, with a tanh to exercise a lookup table):
conv 3x3 1->4, relu, max pool 2, conv 3x3 4->8, relu, max pool 2, flatten,
dense 200->32, tanh, dense 32->10. It is trained for a few hundred steps on
synthetic 28x28 images (a bright bar whose position and orientation give
one of ten classes, plus noise), drawn from a fixed seed, so the files are
reproducible up to PyTorch's own float arithmetic.

Exported with torch.onnx.export (opset 13), then every layer gets HGQ's
quantizers as `hgq.Quantizer` nodes (docs/hgq-onnx-domain.md): per-element
fractional bits on the input, on every weight, on every layer's output and
on the tanh's (2 to 6 bits, drawn from the seed, the way HGQ leaves them after training;
integer bits come from trace-minmax on the calibration images).

    make_model.py --onnx model.onnx                 the model
    make_model.py --calibration calibration.npy     500 calibration images
                                                    (float32, N x 28 x 28 x 1)

The model takes channels-last images, as the dialect does
(docs/guide/importing-onnx.md): a PyTorch batch x of shape (N, 1, 28, 28) is
given as x.transpose(0, 2, 3, 1).

Then, for firmware and the report (the tanh becomes a 1,024-entry lookup
table):

    hgq-compile examples/mnist_cnn/model.onnx \\
        --calibration examples/mnist_cnn/calibration.npy \\
        --lut-max-table-size 1024 -o out/mnist_cnn
"""

import argparse
import io
import sys

import numpy as np

SEED = 2026
CALIBRATION = 500


def images(count, rng):
    """Synthetic digits: class c is a bar at one of five positions, either
    horizontal (c < 5) or vertical, on noise."""
    labels = rng.integers(0, 10, count)
    x = rng.normal(0.0, 0.15, (count, 1, 28, 28)).astype(np.float32)
    for index, label in enumerate(labels):
        position = 3 + 5 * (label % 5)
        if label < 5:
            x[index, 0, position:position + 3, 4:24] += 1.0
        else:
            x[index, 0, 4:24, position:position + 3] += 1.0
    return x, labels


def train():
    import torch
    from torch import nn

    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(200, 32), nn.Tanh(), nn.Linear(32, 10))
    rng = np.random.default_rng(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss = nn.CrossEntropyLoss()
    for _ in range(300):
        x, y = images(64, rng)
        optimizer.zero_grad()
        value = loss(model(torch.from_numpy(x)), torch.from_numpy(y))
        value.backward()
        optimizer.step()
    x, y = images(1000, rng)
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    print("float accuracy on 1,000 fresh images: %.3f" % accuracy, file=sys.stderr)
    return model


def export(model, path):
    import onnx
    import torch
    from onnx import helper, numpy_helper

    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buffer, opset_version=13,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    graph = onnx.load_from_string(buffer.getvalue()).graph
    rng = np.random.default_rng(SEED + 1)
    shapes = {"x": (1, 28, 28)}
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    extra, nodes = [], []

    def bits(name, shape):
        tensor = numpy_helper.from_array(rng.integers(2, 7, shape).astype(np.int8), name)
        extra.append(tensor)
        return name

    def quantizer(source, name, shape, rnd):
        nodes.append(helper.make_node("Quantizer", [source, bits(name + "/f", shape)], [name],
                                      domain="hgq", name=name, rnd_strategy=rnd))
        return name

    renamed = {"x": quantizer("x", "input_quantizer", shapes["x"], "standard_round")}
    # Feature shapes (C, H, W) or (N,) as the layers produce them.
    sizes = {"Conv": [(4, 26, 26), (8, 11, 11)], "Gemm": [(32,), (10,)]}
    seen = {"Conv": 0, "Gemm": 0}
    for node in graph.node:
        inputs = [renamed.get(name, name) for name in node.input]
        if node.op_type in ("Conv", "Gemm"):
            kind = node.op_type
            layer = "%s_%d" % (kind.lower(), seen[kind] + 1)
            weight = node.input[1]
            inputs[1] = quantizer(weight, layer + "/kernel_q", initializers[weight].shape,
                                  "standard_round")
            output = node.output[0]
            node = helper.make_node(kind, inputs, [layer], name=layer,
                                    **{a.name: helper.get_attribute_value(a) for a in node.attribute})
            nodes.append(node)
            renamed[output] = quantizer(layer, layer + "_quantizer", sizes[kind][seen[kind]], "auto")
            seen[kind] += 1
            continue
        if node.op_type == "Tanh":
            # HGQ's activation quantizer, one fractional width for all 32
            # outputs: the tanh and its quantizer become one lookup table
            # over the input's formats (--lut-max-table-size).
            output = node.output[0]
            node.ClearField("input")
            node.input.extend(inputs)
            nodes.append(node)
            renamed[output] = quantizer(output, "tanh_quantizer", (), "standard_round")
            continue
        node.ClearField("input")
        node.input.extend(inputs)
        nodes.append(node)
    graph.ClearField("node")
    graph.node.extend(nodes)
    graph.initializer.extend(extra)
    graph.output[0].name = renamed.get(graph.output[0].name, graph.output[0].name)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("hgq", 1)],
                              producer_name="hgq-mlir examples/mnist_cnn/make_model.py")
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", help="write the model here")
    parser.add_argument("--calibration", help="write the calibration images here")
    args = parser.parse_args()
    if not args.onnx and not args.calibration:
        parser.error("give --onnx and/or --calibration")
    if args.onnx:
        export(train(), args.onnx)
    if args.calibration:
        x, _ = images(CALIBRATION, np.random.default_rng(SEED + 2))
        np.save(args.calibration, np.ascontiguousarray(x.transpose(0, 2, 3, 1)))


if __name__ == "__main__":
    main()
