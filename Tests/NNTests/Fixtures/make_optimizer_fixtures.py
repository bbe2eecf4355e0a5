"""Writes optimizers.json: PyTorch's optimizers (torch.optim) run for six steps on two float32 parameters with
given gradients, the second parameter without a gradient at step 3. OptimizerTests.swift replays the same
gradients through NN's optimizers and compares the parameters after every step.

    /work/venv/bin/python Tests/NNTests/Fixtures/make_optimizer_fixtures.py
"""
import json
import os

import numpy as np
import torch

CASES = [
    # (name in the Swift test, torch constructor, the hyperparameters as both spell them)
    ("SGD", torch.optim.SGD, {"lr": 0.1}),
    ("SGD", torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("SGD", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.1}),
    ("RMSProp", torch.optim.RMSprop, {"lr": 0.01}),
    ("RMSProp", torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.8}),
    ("Adam", torch.optim.Adam, {"lr": 0.01}),
    ("Adam", torch.optim.Adam, {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05}),
    ("AdamW", torch.optim.AdamW, {"lr": 0.01}),
    ("AdamW", torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    ("AdaGrad", torch.optim.Adagrad, {"lr": 0.1}),
    ("AdaGrad", torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.05,
                                      "initial_accumulator_value": 0.2, "eps": 1e-8}),
]
STEPS = 6
MISSING = (1, 2)   # parameter 1 has no gradient at step index 2


def main():
    rng = np.random.default_rng(13)
    start = [rng.normal(size=5).astype(np.float32), rng.normal(size=3).astype(np.float32)]
    grads = [[rng.normal(size=p.shape).astype(np.float32) for p in start] for _ in range(STEPS)]
    cases = []
    for name, make, options in CASES:
        params = [torch.tensor(p.copy(), requires_grad=True) for p in start]
        torch_options = dict(options)
        if "betas" in torch_options:
            torch_options["betas"] = tuple(torch_options["betas"])
        optimizer = make(params, **torch_options)
        after = []
        for step in range(STEPS):
            for i, p in enumerate(params):
                p.grad = None if (i, step) == MISSING else torch.tensor(grads[step][i])
            optimizer.step()
            after.append([p.detach().numpy().astype(float).tolist() for p in params])
        cases.append({"optimizer": name, "options": options, "after": after})
    document = {
        "torch": torch.__version__,
        "start": [p.astype(float).tolist() for p in start],
        "gradients": [[None if (i, s) == MISSING else g.astype(float).tolist() for i, g in enumerate(step)]
                      for s, step in enumerate(grads)],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json")
    with open(path, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
