"""Writes convolution-reference.json: PyTorch's conv2d, conv1d, max_pool2d and avg_pool2d outputs (float64) for
inputs every side computes the same way, element i of a tensor being sin(0.37·i + offset). Run with the venv:

    /work/venv/bin/python Tests/AutoDiffTests/Fixtures/make_convolution_reference.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F


def filled(shape, offset):
    n = math.prod(shape)
    return torch.tensor([math.sin(0.37 * i + offset) for i in range(n)], dtype=torch.float64).reshape(shape)


cases = []


def conv(name, x, w, b, stride=1, padding=0, dilation=1, groups=1):
    xs, ws = filled(x, 0.1), filled(w, 0.2)
    bs = filled([b], 0.3) if b else None
    f = F.conv2d if len(x) == 4 else F.conv1d
    y = f(xs, ws, bs, stride=stride, padding=padding, dilation=dilation, groups=groups)
    cases.append(dict(op=name, input=x, filter=w, bias=b or None, stride=stride, padding=padding, dilation=dilation,
                      groups=groups, shape=list(y.shape), output=y.flatten().tolist()))


def pool(name, x, k, stride, padding):
    xs = filled(x, 0.1)
    f = F.max_pool2d if name == "maxPool2d" else F.avg_pool2d
    y = f(xs, k, stride=stride, padding=padding)
    cases.append(dict(op=name, input=x, kernelSize=k, stride=stride, padding=padding, shape=list(y.shape),
                      output=y.flatten().tolist()))


conv("conv2d", [2, 3, 6, 5], [4, 3, 3, 3], 4, padding=1)
conv("conv2d", [1, 2, 7, 7], [3, 2, 2, 2], 0, stride=3)
conv("conv2d", [1, 2, 5, 6], [2, 2, 3, 2], 2, stride=2, padding=3)
conv("conv2d", [2, 4, 6, 6], [4, 1, 3, 3], 4, padding=1, groups=4)
conv("conv2d", [1, 4, 5, 5], [6, 2, 2, 2], 6, groups=2, dilation=2, padding=1)
conv("conv2d", [2, 3, 4, 4], [5, 3, 1, 1], 5)
conv("conv2d", [2, 2, 3, 3], [3, 2, 3, 3], 0)
conv("conv1d", [2, 3, 9], [4, 3, 3], 4, stride=2, padding=1)
conv("conv1d", [1, 4, 7], [8, 2, 2], 0, dilation=3, padding=2, groups=2)
pool("maxPool2d", [2, 2, 6, 6], 2, 2, 0)
pool("maxPool2d", [1, 3, 7, 5], 3, 2, 1)
pool("maxPool2d", [1, 1, 5, 5], 2, 1, 1)
pool("avgPool2d", [2, 2, 6, 6], 2, 2, 0)
pool("avgPool2d", [1, 3, 7, 5], 3, 2, 1)
pool("avgPool2d", [1, 1, 6, 7], 2, 3, 0)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convolution-reference.json")
with open(path, "w") as f:
    json.dump(cases, f, indent=None)
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
