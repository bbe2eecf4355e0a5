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
from jax_mlp_step import forward, train_step  # noqa: E402

figures = {}


def params_of(data, layers):
    return [(jnp.asarray(data["%d.weight" % (2 * l)]), jnp.asarray(data["%d.bias" % (2 * l)])) for l in range(layers)]


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
