# The Keras 2 HDF5 layout both fixture writers use (make_fixtures.py for
# proxy models, make_hgq_fixtures.py for trained ones): root attributes
# keras_version, backend and model_config, and model_weights/<layer>/ with
# each weight at <owner>/<weight>:0, where the owner is the layer itself or,
# for a nested model's group, each of its inner layers.
import json

import h5py
import numpy as np


def save(path, model_config, weights, nested=None):
    """weights: {layer: {weight: array}}; nested: {model: {inner layer:
    {weight: array}}} for the groups of nested models. Weights are written
    in the dicts' order."""
    nested = nested or {}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        layer_names = [layer["config"]["name"] for layer in model_config["config"]["layers"]]
        group.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
        for layer in layer_names:
            g = group.create_group(layer)
            owners = nested.get(layer, {layer: weights.get(layer, {})})
            names = []
            for owner, arrays in owners.items():
                for weight, array in arrays.items():
                    key = "%s/%s:0" % (owner, weight)
                    g.create_dataset(key, data=array)
                    names.append(key.encode())
            g.attrs["weight_names"] = np.array(names)
