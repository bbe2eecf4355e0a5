"""The cnn workload with PyTorch (CPU, float32): the digits CNN from the exported data (standardized images),
initial weights and batch orders (`autodiff-benchmarks --export DIR`): ms per epoch (median of 30) and test
accuracy. cnn_seeds_torch.py trains it from PyTorch's own initialization over several seeds instead."""
import time

import torch
from torch import nn

from common import arguments, emit, load

args = arguments(__doc__)
torch.set_num_threads(args.threads)
data = load(args, "cnn")

# The twin of the Swift Sequential: module indices match its parameter names (0, 3, 7).
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(128, 10),
)
model.load_state_dict({name: torch.from_numpy(data[name]) for name in model.state_dict()}, strict=True)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x, y = torch.from_numpy(data["train_x"]), torch.from_numpy(data["train_y"])
epoch_ms, epoch_cpu_ms = [], []
for order in data["orders"]:
    start, cpu = time.perf_counter(), time.process_time()
    order = torch.from_numpy(order)
    for b in range(0, len(order), 32):
        index = order[b:b + 32]
        optimizer.zero_grad()
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
    epoch_ms.append((time.perf_counter() - start) * 1e3)
    epoch_cpu_ms.append((time.process_time() - cpu) * 1e3)
with torch.no_grad():
    predicted = model(torch.from_numpy(data["test_x"])).argmax(dim=1)
emit({
    "cnn.epoch_ms.%d" % args.threads: sorted(epoch_ms)[len(epoch_ms) // 2],
    "cnn.epoch_cpu_ms.%d" % args.threads: sorted(epoch_cpu_ms)[len(epoch_cpu_ms) // 2],
    "cnn.accuracy": (predicted == torch.from_numpy(data["test_y"])).float().mean().item(),
})
