"""The same micrograd step with PyTorch 0-d tensors (autograd on scalars), float64."""
import torch

from common import arguments, emit, load, median_ms

args = arguments(__doc__)
torch.set_num_threads(args.threads)
data = load(args, "scalar")
layers = []
for l in range(3):
    w, b = data["w%d" % l], data["b%d" % l]
    layers.append(([[torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in row] for row in w],
                   [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in b]))
parameters = [p for w, b in layers for row in w for p in row] + [p for w, b in layers for p in b]
points = [[torch.tensor(float(v), dtype=torch.float64) for v in row] for row in data["x"]]
labels = [float(v) for v in data["y"]]
result = {}


def forward(x):
    h = x
    for l, (w, b) in enumerate(layers):
        out = []
        for j in range(len(w)):
            z = b[j]
            for k in range(len(h)):
                z = z + w[j][k] * h[k]
            out.append(z if l == len(layers) - 1 else torch.relu(z))
        h = out
    return h[0]


def step():
    for p in parameters:
        p.grad = None
    data_loss = torch.tensor(0.0, dtype=torch.float64)
    for x, y in zip(points, labels):
        data_loss = data_loss + torch.relu(1 + -y * forward(x))
    data_loss = data_loss * (1.0 / len(points))
    reg = torch.tensor(0.0, dtype=torch.float64)
    for p in parameters:
        reg = reg + p * p
    loss = data_loss + 1e-4 * reg
    loss.backward()
    result["loss"] = loss.item()


ms = median_ms(step, max(3, args.repeat // 3), warmup=1)
emit({"scalar.step_ms": ms, "scalar.loss": result["loss"]})
