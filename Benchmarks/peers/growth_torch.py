"""The growth workload with PyTorch (CPU, float32): an MLP width-width-width-10 (ReLU), one forward + backward + Adam
step, against width and batch (the same sizes as `autodiff-benchmarks growth`; seeded random data and weights)."""
import torch
from torch import nn

from common import arguments, emit, median_ms

WIDTHS, BATCHES, FIXED_BATCH, FIXED_WIDTH = [64, 128, 256, 512, 1024, 2048], [1, 8, 32, 128, 512], 32, 256

args = arguments(__doc__)
torch.set_num_threads(args.threads)
figures = {}
configurations = [(w, FIXED_BATCH) for w in WIDTHS] + [(FIXED_WIDTH, b) for b in BATCHES if b != FIXED_BATCH]
for width, batch in configurations:
    torch.manual_seed(width * 1000 + batch)
    model = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.randn(batch, width), torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    figures["growth.mlp.%d.%d" % (width, batch)] = median_ms(step, args.repeat)
emit(figures)
