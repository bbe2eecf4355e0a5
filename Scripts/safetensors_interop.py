#!/usr/bin/env python3
"""Checks safetensors interoperability with the reference implementation (pip install safetensors numpy).

  python3 Scripts/safetensors_interop.py fixture PATH   writes the test fixture: the state_dict layout of
                                                        torch.nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
  python3 Scripts/safetensors_interop.py read PATH      loads a file written by the Swift library and prints
                                                        each tensor's name, dtype, shape and sum
"""
import sys

import numpy as np
from safetensors.numpy import load_file, save_file


def fixture(path):
    tensors = {
        "0.weight": np.arange(12, dtype=np.float32).reshape(4, 3) / 10,
        "0.bias": np.array([0.5, -0.5, 1.0, 0.0], dtype=np.float32),
        "2.weight": -np.arange(8, dtype=np.float32).reshape(2, 4) / 4,
        "2.bias": np.array([0.25, -0.25], dtype=np.float32),
    }
    save_file(tensors, path, metadata={"format": "pt"})


def read(path):
    for name, array in sorted(load_file(path).items()):
        print(f"{name} {array.dtype} {list(array.shape)} {float(array.sum()):.6f}")


if __name__ == "__main__":
    {"fixture": fixture, "read": read}[sys.argv[1]](sys.argv[2])
