"""The growth workload with JAX (jit, CPU, float32): an MLP width-width-width-10 (ReLU), one forward + backward +
Adam step, against width and batch (the same sizes as `autodiff-benchmarks growth`; seeded random data and
weights)."""
import os

from common import arguments, emit, median_ms

WIDTHS, BATCHES, FIXED_BATCH, FIXED_WIDTH = [64, 128, 256, 512, 1024, 2048], [1, 8, 32, 128, 512], 32, 256

args = arguments(__doc__)
if args.threads == 1:
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
import jax  # noqa: E402  (after XLA_FLAGS)
import jax.numpy as jnp  # noqa: E402
from jax_mlp_step import train_step  # noqa: E402


figures = {}
configurations = [(w, FIXED_BATCH) for w in WIDTHS] + [(FIXED_WIDTH, b) for b in BATCHES if b != FIXED_BATCH]
for width, batch in configurations:
    key = jax.random.PRNGKey(width * 1000 + batch)
    sizes = [width, width, width, 10]
    params = []
    for l in range(3):
        key, kw, kb = jax.random.split(key, 3)
        bound = 1 / sizes[l] ** 0.5
        params.append((jax.random.uniform(kw, (sizes[l + 1], sizes[l]), minval=-bound, maxval=bound),
                       jax.random.uniform(kb, (sizes[l + 1],), minval=-bound, maxval=bound)))
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    key, kx, ky = jax.random.split(key, 3)
    x = jax.random.normal(kx, (batch, width))
    y = jax.random.randint(ky, (batch,), 0, 10)
    state = [params, zeros, zeros, jnp.float32(0)]

    def step():
        state[:] = train_step(*state, x, y)
        jax.block_until_ready(state[0])

    figures["growth.mlp.%d.%d" % (width, batch)] = median_ms(step, args.repeat)
emit(figures)
