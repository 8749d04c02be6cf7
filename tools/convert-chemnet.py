#!/usr/bin/env python3
"""Converts ChemNet's weights from the PyPI `fcd` wheel into MolGen's HDF5 layout.

Usage: convert-chemnet.py FCD_WHEEL OUTPUT.h5   (run by tools/fetch-chemnet; needs numpy and h5py)

The wheel (fcd 1.2.x, LGPL-3.0) holds fcd/ChemNet_v0.13_pretrained.pt: a torch.save'd list of
(layer type, (state dict, constructor arguments, extra)) for two Conv1d and two LSTM layers.
A .pt file is a zip of one pickle plus raw little-endian storages, so it is read here without
torch: the unpickler below rebuilds tensors as numpy views and refuses every other class.

Output (root attributes format = "molgen-chemnet", version = 1, source):
  /parameters/conv0/weight [32, 4, 35]   our conv1d layout [Cout, K, Cin]; stride 2, no bias, SELU
  /parameters/conv1/weight [32, 4, 32]
  /parameters/lstm0/{weight_ih [512, 32], weight_hh [512, 128], bias_ih, bias_hh}   gates i, f, g, o
  /parameters/lstm1/{weight_ih [2048, 128], weight_hh [2048, 512], bias_ih, bias_hh}
"""
import collections
import pickle
import sys
import zipfile

import h5py
import numpy as np

MEMBER = "fcd/ChemNet_v0.13_pretrained.pt"


def load_pt(data):
    archive = zipfile.ZipFile(data)
    root = archive.namelist()[0].split("/")[0]

    def storage(key):
        return np.frombuffer(archive.read(f"{root}/data/{key}"), dtype="<f4")

    def rebuild_tensor(stored, offset, size, stride, *_):
        flat = storage(stored)
        view = np.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=[4 * s for s in stride])
        return np.ascontiguousarray(view)

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return rebuild_tensor
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if module == "torch" and name == "FloatStorage":
                return name
            raise pickle.UnpicklingError(f"unexpected class {module}.{name} in ChemNet weights")

        def persistent_load(self, pid):
            _, _, key, _, _ = pid   # ('storage', FloatStorage, key, location, size)
            return key

    return Unpickler(archive.open(f"{root}/data.pkl")).load()


def main(wheel, output):
    with zipfile.ZipFile(wheel) as w:
        import io
        layers = load_pt(io.BytesIO(w.read(MEMBER)))
        version = [n for n in w.namelist() if n.endswith(".dist-info/METADATA")][0].split(".dist-info")[0]
    kinds = [kind for kind, _ in layers]
    assert kinds == ["Conv1d", "Conv1d", "LSTM", "LSTM"], kinds
    with h5py.File(output, "w") as f:
        f.attrs["format"] = "molgen-chemnet"
        f.attrs["version"] = 1
        f.attrs["source"] = f"{version} {MEMBER} (LGPL-3.0; see LICENSE beside this file)"
        for n, (_, (state, kwargs, extra)) in enumerate(layers[:2]):
            assert kwargs["stride"] == 2 and kwargs["kernel_size"] == 4 and not kwargs["bias"], kwargs
            assert extra == {"activation": "selu", "padding": "same"}, extra
            # torch [Cout, Cin, K] -> ours [Cout, K, Cin]
            f[f"parameters/conv{n}/weight"] = state["weight"].transpose(0, 2, 1).astype("<f4")
        for n, (_, (state, kwargs, extra)) in enumerate(layers[2:]):
            assert extra["reverse"] and extra["last"] == (n == 1), extra
            for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
                f[f"parameters/lstm{n}/{name}"] = state[f"{name}_l0"].astype("<f4")
    print(f"wrote {output} from {version}")


if __name__ == "__main__":
    main(*sys.argv[1:])
