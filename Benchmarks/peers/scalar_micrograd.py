"""micrograd's demo step (MLP(2, [16, 16, 1]), SVM loss + 1e-4 L2 over 100 points) with the exported weights."""
import gc

from micrograd.engine import Value
from micrograd.nn import MLP

from common import arguments, emit, load, median_ms

args = arguments(__doc__)
data = load(args, "scalar")
model = MLP(2, [16, 16, 1])
for l, layer in enumerate(model.layers):
    w, b = data["w%d" % l], data["b%d" % l]
    for j, neuron in enumerate(layer.neurons):
        neuron.w = [Value(float(v)) for v in w[j]]
        neuron.b = Value(float(b[j]))
points = [[float(v) for v in row] for row in data["x"]]
labels = [float(v) for v in data["y"]]
result = {}


def step():
    model.zero_grad()
    inputs = [list(map(Value, x)) for x in points]
    scores = list(map(model, inputs))
    losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
    loss = data_loss + reg_loss
    loss.backward()
    result["loss"] = loss.data


gc.disable()   # as in the figure: Python's cycle collector otherwise dominates
paused = median_ms(step, args.repeat)
gc.enable()
collected = median_ms(step, max(3, args.repeat // 3), warmup=1)
emit({"scalar.step_ms": paused, "scalar.step_ms_gc": collected, "scalar.loss": result["loss"]})
