# Reads a file --emit-keras-proxy wrote with h5py (the library Keras itself
# saves and loads with) and checks the tree Keras 2's legacy HDF5 format
# has: root attributes, model_config as JSON of a Functional model, the
# model_weights group with layer_names, one group per layer with its
# weight_names, and every weight as a float32 dataset at
# model_weights/<layer>/<layer>/<weight>:0 of the shape Keras gives it.
#   tree.py FILE.h5
import json
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["keras_version"] in (b"2.13.1", "2.13.1"), f.attrs["keras_version"]
    assert f.attrs["backend"] in (b"tensorflow", "tensorflow")
    config = json.loads(f.attrs["model_config"])
    assert config["class_name"] == "Functional"
    layers = config["config"]["layers"]
    names = [layer["config"]["name"] for layer in layers]
    listed = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
    assert listed == names, (listed, names)
    counts = {}
    for layer in layers:
        name, cls = layer["config"]["name"], layer["class_name"]
        counts[cls] = counts.get(cls, 0) + 1
        group = f["model_weights"][name]
        weights = [w.decode() for w in group.attrs["weight_names"]]
        own = sorted(w.split("/")[-1] for w in weights)
        for weight in weights:
            assert weight.startswith(name + "/") and weight.endswith(":0"), weight
            data = group[weight]
            # HGQ keeps a quantizer's bit counts in int8 variables.
            expected = np.int8 if cls == "HGQ>FixedPointQuantizer" else np.float32
            assert data.dtype == expected, (weight, data.dtype)
        if cls == "HGQ>FixedPointQuantizer":
            assert own == ["bits:0", "integers:0", "keep_negative:0"], own
            shape = group[name + "/bits:0"].shape
            # from_config rebuilds the variables from config['shape'].
            assert shape[0] == 1 and tuple(layer["config"]["shape"]) == shape, shape
            assert layer["config"]["RND"] and layer["config"]["SAT"]
            assert isinstance(layer["config"]["fusible"], bool)
            bits = group[name + "/bits:0"][()]
            keep = group[name + "/keep_negative:0"][()]
            integers = group[name + "/integers:0"][()]
            assert np.all((keep == 0) | (keep == 1)) and np.all(bits >= 0)
            assert np.all(keep[bits == 0] == 0) and np.all(integers[bits == 0] == 0)
        elif cls in ("Dense", "Conv1D", "Conv2D"):
            kernel = group[name + "/kernel:0"]
            out = layer["config"].get("units", layer["config"].get("filters"))
            assert kernel.shape[-1] == out, (name, kernel.shape)
            assert ("bias:0" in own) == layer["config"]["use_bias"]
        elif cls == "HGQ>UnaryLUT":
            assert own == ["table:0"], own
            k, i, frac = layer["config"]["kif_in"]
            assert group[name + "/table:0"].shape == (2 ** (k + i + frac),)
            assert len(layer["config"]["kif_out"]) == 3
        else:
            assert own == [], (name, own)
        if cls != "InputLayer":
            for source, node, tensor, kwargs in layer["inbound_nodes"][0]:
                assert source in names and node == 0 and tensor == 0
    for entry in config["config"]["input_layers"] + config["config"]["output_layers"]:
        assert entry[0] in names
print("keras tree ok: %s" % ", ".join("%d %s" % (n, c) for c, n in sorted(counts.items())))
