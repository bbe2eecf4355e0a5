"""The digits and wide workloads with JAX (jit, CPU, float32), from the exported data and initial weights."""
import os
import sys
import time

from common import arguments, load, emit, median_ms

args = arguments(__doc__)
if args.threads == 1:
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
import jax  # noqa: E402  (after XLA_FLAGS)
import jax.numpy as jnp  # noqa: E402

figures = {}


def params_of(data, layers):
    return [(jnp.asarray(data["%d.weight" % (2 * l)]), jnp.asarray(data["%d.bias" % (2 * l)])) for l in range(layers)]


def forward(params, x):
    for l, (w, b) in enumerate(params):
        x = x @ w.T + b
        if l < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def loss_fn(params, x, y):
    logits = forward(params, x)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@jax.jit
def train_step(params, m, v, t, x, y):
    """One Adam step (PyTorch's defaults: betas 0.9, 0.999, eps 1e-8), lr 1e-3."""
    grads = jax.grad(loss_fn)(params, x, y)
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
    c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
    params = jax.tree_util.tree_map(lambda p, m, v: p - 1e-3 * (m / c1) / (jnp.sqrt(v / c2) + 1e-8), params, m, v)
    return params, m, v, t


def adam_state(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return zeros, zeros, jnp.float32(0)


# digits: 30 epochs in the exported batch order (the two batch shapes are compiled before timing)
data = load(args, "digits")
params = params_of(data, 3)
m, v, t = adam_state(params)
x, y = data["train_x"], data["train_y"].astype("int32")   # batches are gathered with NumPy, then passed to jit
for size in (32, len(data["train_x"]) % 32):
    jax.block_until_ready(train_step(params, m, v, t, x[:size], y[:size]))
epoch_ms = []
for order in data["orders"]:
    start = time.perf_counter()
    for b in range(0, len(order), 32):
        index = order[b:b + 32]
        params, m, v, t = train_step(params, m, v, t, x[index], y[index])
    jax.block_until_ready(params)
    epoch_ms.append((time.perf_counter() - start) * 1e3)
predicted = jnp.argmax(forward(params, jnp.asarray(data["test_x"])), axis=1)
figures["digits.epoch_ms"] = sorted(epoch_ms)[len(epoch_ms) // 2]
figures["digits.accuracy"] = float(jnp.mean(predicted == jnp.asarray(data["test_y"])))

# wide: one jitted forward + backward + Adam step
data = load(args, "wide")
state = [params_of(data, 3)]
state += list(adam_state(state[0]))
x, y = jnp.asarray(data["x"]), jnp.asarray(data["y"]).astype(jnp.int32)


def wide_step():
    state[:] = train_step(*state, x, y)
    jax.block_until_ready(state[0])


figures["wide.step_ms"] = median_ms(wide_step, args.repeat)
emit(figures)
