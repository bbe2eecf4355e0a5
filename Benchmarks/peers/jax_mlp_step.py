"""The MLP and its jitted Adam training step, shared by the JAX peer scripts. Import it after setting XLA_FLAGS."""
import jax
import jax.numpy as jnp


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
