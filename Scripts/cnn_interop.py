#!/usr/bin/env python3
"""Checks that a CNN with BatchNorm moves between PyTorch and the Swift library (needs torch and safetensors:
/work/venv/bin/python or pip install torch safetensors).

  python3 Scripts/cnn_interop.py fixture    writes Tests/NNTests/Fixtures/reference-cnn.safetensors (the state_dict of
                                            the PyTorch twin below after three training batches, so the running
                                            statistics are not trivial) and reference-cnn-io.safetensors (an input,
                                            the twin's outputs in evaluation and in training mode, and its state
                                            after that training-mode pass, under "after.<name>")
                                            and the same for the twin with options (bias=False, affine=False,
                                            track_running_stats=False): reference-cnn-options(-io).safetensors
  python3 Scripts/cnn_interop.py check PATH loads a file written by the Swift tests (NNTests, "a PyTorch-written CNN
                                            with BatchNorm…" writes $TMPDIR/autodiff-cnn-interop.safetensors) into the
                                            twin with load_state_dict(strict=True) and compares it with the "after"
                                            state: the same weights and the same running statistics
  python3 Scripts/cnn_interop.py check-options PATH   the same for the twin with options
                                            ($TMPDIR/autodiff-cnn-options.safetensors)
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NNTests", "Fixtures")


def twin():
    """The twin of the Swift Sequential in Tests/NNTests/CNNInteropTests.swift (module indices = parameter names)."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),   # Conv2D(1→4, 3, padding 1, relu): modules 0, 1
        nn.BatchNorm2d(4),                          # 2
        nn.MaxPool2d(2),                            # 3
        nn.Conv2d(4, 6, 3, stride=2, padding=1),    # 4
        nn.AvgPool2d(2),                            # 5
        nn.Flatten(),                               # 6
        nn.Linear(6, 3),                            # 7
    )


def twin_options():
    """The twin of CNNInteropTests.optionsModel(): bias=False, affine=False, track_running_stats=False."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False),         # 0: "0.weight" only
        nn.BatchNorm2d(4, affine=False),                   # 1: buffers only
        nn.MaxPool2d(2),                                   # 2
        nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False),   # 3
        nn.BatchNorm2d(6, track_running_stats=False),      # 4: weight and bias only; batch statistics always
        nn.Flatten(),                                      # 5
        nn.Linear(24, 3),                                  # 6
    )


def fixture(make=twin, name="reference-cnn"):
    torch.manual_seed(0)
    model = make()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.rand(5, 1, 8, 8)
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              os.path.join(FIXTURES, name + ".safetensors"), metadata={"format": "pt"})
    x = torch.rand(4, 1, 8, 8)
    model.eval()
    with torch.no_grad():
        evaluation = model(x)
    model.train()
    with torch.no_grad():
        training = model(x)
    io = {"input": x, "eval_output": evaluation, "train_output": training}
    io.update({"after." + k: v.contiguous() for k, v in model.state_dict().items()})
    save_file(io, os.path.join(FIXTURES, name + "-io.safetensors"))
    print(f"wrote {name}.safetensors and {name}-io.safetensors:", ", ".join(model.state_dict().keys()))


def check(path, make=twin, name="reference-cnn"):
    model = make()
    state = load_file(path)
    model.load_state_dict(state, strict=True)
    expected = load_file(os.path.join(FIXTURES, name + "-io.safetensors"))
    worst = 0.0
    for name, value in model.state_dict().items():
        reference = expected["after." + name]
        assert value.dtype == reference.dtype, f"{name}: dtype {value.dtype}, expected {reference.dtype}"
        worst = max(worst, (value.double() - reference.double()).abs().max().item())
    model.eval()
    with torch.no_grad():
        out = model(expected["input"])
    model2 = make()
    model2.load_state_dict({k[len("after."):]: v for k, v in expected.items() if k.startswith("after.")}, strict=True)
    model2.eval()
    with torch.no_grad():
        reference_out = model2(expected["input"])
    difference = (out - reference_out).abs().max().item()
    counters = ", ".join(f"{k} {v.dtype} {int(v)}" for k, v in state.items() if k.endswith("num_batches_tracked"))
    print(f"loaded {path} with strict=True: {len(state)} tensors ({counters}); "
          f"largest state difference {worst:.3g}, largest evaluation-output difference {difference:.3g}")
    if worst > 1e-5 or difference > 1e-5:
        sys.exit("MISMATCH")
    print("OK")


if __name__ == "__main__":
    if sys.argv[1] == "fixture":
        fixture()
        fixture(twin_options, "reference-cnn-options")
    elif sys.argv[1] == "check-options":
        check(sys.argv[2], twin_options, "reference-cnn-options")
    else:
        check(sys.argv[2])
