"""The names workload with PyTorch (CPU, float32): Embedding(27, 16) -> LSTM(16, 64) -> Linear(64, 27), Adam 5e-3,
batches of names of one length, from the exported split, initial weights and batch order; ms per epoch and the
validation loss in nats per character."""
import time

import torch
from torch import nn

from common import arguments, emit, load

args = arguments(__doc__)
torch.set_num_threads(args.threads)
data = load(args, "names")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(27, 16)
        self.lstm = nn.LSTM(16, 64, batch_first=True)
        self.linear = nn.Linear(64, 27)

    def forward(self, x):
        return self.linear(self.lstm(self.embedding(x))[0])


model = Model()
with torch.no_grad():
    model.embedding.weight.copy_(torch.from_numpy(data["0.weight"]))
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        getattr(model.lstm, name).copy_(torch.from_numpy(data["1." + name]))
    model.linear.weight.copy_(torch.from_numpy(data["2.weight"]))
    model.linear.bias.copy_(torch.from_numpy(data["2.bias"]))


def sequences(names, lengths, indices):
    """Inputs [n, L + 1] (boundary 0, then the letters) and targets (the letters, then the boundary)."""
    length = int(lengths[indices[0]])
    letters = names[indices, :length]
    zeros = torch.zeros(len(indices), 1, dtype=torch.long)
    return torch.cat([zeros, letters], 1), torch.cat([letters, zeros], 1)


train, train_lengths = torch.from_numpy(data["train"]), torch.from_numpy(data["train_lengths"])
epochs = []
for order, sizes in zip(data["orders"], data["batch_sizes"]):
    batches, start = [], 0
    for size in sizes:
        batches.append(sequences(train, train_lengths, torch.from_numpy(order[start:start + size])))
        start += size
    epochs.append(batches)

optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
loss_fn = nn.CrossEntropyLoss()
epoch_ms, epoch_cpu_ms = [], []
for batches in epochs:
    start, cpu = time.perf_counter(), time.process_time()
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x).reshape(-1, 27), y.reshape(-1))
        loss.backward()
        optimizer.step()
    epoch_ms.append((time.perf_counter() - start) * 1e3)
    epoch_cpu_ms.append((time.process_time() - cpu) * 1e3)

validation, lengths = torch.from_numpy(data["validation"]), torch.from_numpy(data["validation_lengths"])
total, count = 0.0, 0
with torch.no_grad():
    for length in sorted(set(lengths.tolist())):
        x, y = sequences(validation, lengths, torch.nonzero(lengths == length).flatten())
        total += nn.functional.cross_entropy(model(x).reshape(-1, 27), y.reshape(-1), reduction="sum").item()
        count += y.numel()
emit({"names.epoch_ms": sorted(epoch_ms)[len(epoch_ms) // 2],
      "names.epoch_cpu_ms": sorted(epoch_cpu_ms)[len(epoch_cpu_ms) // 2],
      "names.validation_loss": total / count})
