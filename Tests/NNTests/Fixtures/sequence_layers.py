#!/usr/bin/env python3
"""Writes sequence-layers.safetensors: for each sequence layer, PyTorch's module with seeded weights (saved
under PyTorch's state_dict names, prefixed by the layer), an input, the output, and the gradients of
L = sum(output * seed) for the input and every parameter. Tests/NNTests/SequenceFixtureTests.swift loads it.

    /work/venv/bin/python Tests/NNTests/Fixtures/sequence_layers.py      (any Python with torch + safetensors)
"""
import pathlib

import torch
from safetensors.torch import save_file

torch.manual_seed(0)
out = {}


def record(prefix, module, x, forward, index_input=False):
    """Saves module's parameters, x, forward(module, x), and the gradients of sum(y * seed)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias"):
                p.uniform_(-0.5, 0.5)      # nonzero biases, so they are really checked
    x = x.clone().requires_grad_(not index_input)
    y = forward(module, x)
    seed = torch.randn_like(y)
    (y * seed).sum().backward()
    for name, p in module.named_parameters():
        out[f"{prefix}.{name}"] = p.detach().clone()
        out[f"{prefix}.grad.{name}"] = p.grad.detach().clone()
    out[f"{prefix}.input"] = x.detach().float().clone()
    out[f"{prefix}.output"] = y.detach().clone()
    out[f"{prefix}.seed"] = seed
    if not index_input:
        out[f"{prefix}.grad.input"] = x.grad.detach().clone()


record("embedding", torch.nn.Embedding(7, 3), torch.tensor([[1, 6, 1, 0], [3, 3, 5, 2]]),
       lambda m, x: m(x), index_input=True)
record("lstm", torch.nn.LSTM(3, 4, batch_first=True), torch.randn(2, 5, 3), lambda m, x: m(x)[0])
record("gru", torch.nn.GRU(3, 4, batch_first=True), torch.randn(2, 5, 3), lambda m, x: m(x)[0])
norm = torch.nn.LayerNorm(6)
with torch.no_grad():
    norm.weight.uniform_(0.5, 1.5)
record("layernorm", norm, torch.randn(2, 3, 6) * 2 + 1, lambda m, x: m(x))
for causal in (True, False):
    T = 5
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T) if causal else None
    record("attention" if causal else "attention_open", torch.nn.MultiheadAttention(8, 2, batch_first=True),
           torch.randn(2, T, 8),
           lambda m, x: m(x, x, x, attn_mask=mask, is_causal=causal, need_weights=False)[0])

# scaled_dot_product_attention on [N, heads, T, d], causal.
q, k, v = (torch.randn(2, 2, 4, 3, requires_grad=True) for _ in range(3))
y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
seed = torch.randn_like(y)
(y * seed).sum().backward()
for name, t in (("query", q), ("key", k), ("value", v)):
    out[f"sdpa.{name}"] = t.detach().clone()
    out[f"sdpa.grad.{name}"] = t.grad.detach().clone()
out["sdpa.output"] = y.detach().clone()
out["sdpa.seed"] = seed

save_file({name: t.contiguous().float() for name, t in out.items()},
          str(pathlib.Path(__file__).with_name("sequence-layers.safetensors")))
