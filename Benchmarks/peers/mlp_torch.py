"""The digits and wide workloads with PyTorch (CPU, float32), from the exported data and initial weights."""
import sys
import time

import torch
from torch import nn

from common import arguments, emit, load, median_ms

args = arguments(__doc__)
torch.set_num_threads(args.threads)
figures = {}


def mlp(data, sizes):
    layers = []
    for l in range(len(sizes) - 1):
        linear = nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(data["%d.weight" % (2 * l)]))
            linear.bias.copy_(torch.from_numpy(data["%d.bias" % (2 * l)]))
        layers.append(linear)
        if l < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


# digits: MLP 64-128-64-10, Adam 1e-3, batch 32, 30 epochs in the exported batch order
data = load(args, "digits")
model = mlp(data, [64, 128, 64, 10])
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x, y = torch.from_numpy(data["train_x"]), torch.from_numpy(data["train_y"])
epoch_ms = []
for order in data["orders"]:
    start = time.perf_counter()
    order = torch.from_numpy(order)
    for b in range(0, len(order), 32):
        index = order[b:b + 32]
        optimizer.zero_grad()
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
    epoch_ms.append((time.perf_counter() - start) * 1e3)
with torch.no_grad():
    predicted = model(torch.from_numpy(data["test_x"])).argmax(dim=1)
figures["digits.epoch_ms"] = sorted(epoch_ms)[len(epoch_ms) // 2]
figures["digits.accuracy"] = (predicted == torch.from_numpy(data["test_y"])).float().mean().item()

# wide: MLP 784-512-512-10, batch 128, one forward + backward + Adam step
data = load(args, "wide")
model = mlp(data, [784, 512, 512, 10])
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])


def wide_step():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()


figures["wide.step_ms"] = median_ms(wide_step, args.repeat)

# gemm: float32 n×n matmul
for n in [64, 128, 256, 512, 1024]:
    a, b = torch.rand(n, n), torch.rand(n, n)
    ms = median_ms(lambda: torch.matmul(a, b), args.repeat if n < 1024 else max(3, args.repeat // 3))
    figures["gemm.%d" % n] = 2 * n ** 3 / (ms / 1e3) / 1e9
emit(figures)
