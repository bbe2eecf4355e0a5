#!/usr/bin/env python3
"""Runs our benchmarks and the peers' (PyTorch, JAX, micrograd) on the same data, initial weights and batch
order, and prints one table: workload, ours, each peer, and the ratio of the fastest peer to ours.

    python3 Benchmarks/peers/compare.py            # sets up Benchmarks/peers/.venv with pip on first use
    python3 Benchmarks/peers/compare.py --python /path/to/python --repeat 5 --rounds 3 --markdown table.md

A peer's 1-thread run is kept on one core (CPU affinity), as ours on 1 thread is by construction. Each round runs
ours and then every peer; the ratios printed are medians of the rounds' ratios, so a slow spell of a shared machine
touches one round, not one side.

Ours runs on its built-in matrix kernels (AUTODIFF_BLAS=off); when a system BLAS is installed (OpenBLAS:
`apt-get install libopenblas0-pthread`), the wide and gemm workloads also run on it, in rows marked "system BLAS"
(`--blas off` skips them, `--blas on` fails without one).

It needs only Python 3 with pip (and the Swift toolchain); nothing is installed outside .venv.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)


def run(command, **kwargs):
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, **kwargs)


def python_with_peers(args):
    if args.python:
        return args.python
    venv = os.path.join(HERE, ".venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        run([sys.executable, "-m", "venv", venv])
        run([python, "-m", "pip", "install", "--quiet", "-r", os.path.join(HERE, "requirements.txt")])
    return python


def one_core():
    """Keeps the child process on one core: a peer asked for 1 thread may still run work on another core (XLA's
    CPU client does when one is free), and ours on 1 thread never does."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def peer(python, script, data, threads, repeat):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = run([python, os.path.join(HERE, script), "--data", data, "--threads", str(threads), "--repeat", str(repeat)],
              stdout=subprocess.PIPE, text=True, env=env, cwd=HERE, preexec_fn=one_core if threads == 1 else None).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_round(python, data, swift, repeat, blas):
    """Ours, then every peer, once: {"ours": {key: value}, peer name: {threads: {key: value}}}.

    Ours runs on the built-in kernels (AUTODIFF_BLAS=off); unless `blas` is "off", the wide and gemm workloads run
    again on the system BLAS when one loads, their figures kept under "blas." + key."""
    report = os.path.join(data, "ours.json")
    run(swift + ["scalar", "digits", "cnn", "names", "growth", "--repeat", str(repeat),
                 "--report", report], stdout=sys.stderr, env=dict(os.environ, AUTODIFF_BLAS="off"))
    figures = {"ours": json.load(open(report))}
    # The wide and gemm workloads in a fresh process of their own, on the built-in kernels and (below) on the
    # system BLAS alike: a process's earlier workloads change how glibc's allocator returns memory (a fresh
    # process takes 100-150 page faults per wide step, one that ran other workloads first almost none), so the
    # two rows are only comparable with the same history.
    report = os.path.join(data, "ours-wide.json")
    run(swift + ["wide", "gemm", "--repeat", str(repeat), "--report", report], stdout=sys.stderr,
        env=dict(os.environ, AUTODIFF_BLAS="off"))
    figures["ours"].update(json.load(open(report)))
    if blas != "off":
        report = os.path.join(data, "ours-blas.json")
        env = {key: value for key, value in os.environ.items() if key != "AUTODIFF_BLAS"}
        run(swift + ["wide", "gemm", "--repeat", str(repeat), "--report", report], stdout=sys.stderr, env=env)
        with_blas = json.load(open(report))
        if with_blas.get("system_blas") == 1:
            figures["ours"].update({"blas." + key: value for key, value in with_blas.items()})
        elif blas == "on":
            sys.exit("--blas on: no system BLAS loaded (install OpenBLAS, e.g. apt-get install libopenblas0-pthread)")
    figures["micrograd"] = {1: peer(python, "scalar_micrograd.py", data, 1, max(3, repeat // 2))}
    figures["PyTorch"] = {t: peer(python, "mlp_torch.py", data, t, repeat) for t in (1, 2)}
    for script, repeats in (("scalar_torch.py", 3), ("cnn_torch.py", 1), ("names_torch.py", 1),
                            ("growth_torch.py", repeat)):
        figures["PyTorch"][1].update(peer(python, script, data, 1, repeats))
    figures["JAX"] = {t: peer(python, "mlp_jax.py", data, t, repeat) for t in (1, 2)}
    figures["JAX"][1].update(peer(python, "growth_jax.py", data, 1, repeat))
    return figures


PEERS = ["micrograd", "PyTorch", "JAX"]


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def table(rounds, rows):
    """Markdown lines: per row our median, each peer's median and the median over rounds of the per-round ratio of
    the best peer to ours (time: best peer / ours; higher-is-better figures: ours / best peer)."""
    lines = ["| workload | ours | " + " | ".join(PEERS) + " | best peer / ours |",
             "|---|---|" + "---|" * len(PEERS) + "---|"]
    for label, key, peer_key, threads, unit, higher in rows:
        mine = [r["ours"][key] for r in rounds if key in r["ours"]]
        if not mine:
            continue
        theirs = {name: [r[name].get(threads, {}).get(peer_key) for r in rounds] for name in PEERS}
        cells = []
        for name in PEERS:
            known = [v for v in theirs[name] if v is not None]
            cells.append(fmt(median(known), unit) if known else "—")
        ratios = []
        for i, r in enumerate(rounds):
            known = [theirs[name][i] for name in PEERS if theirs[name][i] is not None]
            if known and key in r["ours"] and unit in ("ms", "GFLOP/s"):
                best = max(known) if higher else min(known)
                ratios.append(r["ours"][key] / best if higher else best / r["ours"][key])
        ratio = "%.2f×" % median(ratios) if ratios else "—"
        lines.append("| %s | %s | %s | %s |" % (label, fmt(median(mine), unit), " | ".join(cells), ratio))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", help="a Python that already has requirements.txt installed (skips .venv)")
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per figure within a round (medians)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds (ours, then the peers, each round); ratios are medians of the rounds'")
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--blas", choices=["auto", "on", "off"], default="auto",
                        help="also run our wide and gemm workloads on the system BLAS (libopenblas, libblas) beside the "
                             "built-in kernels: auto (when one loads, the default), on (fail without one), off")
    args = parser.parse_args()
    python = python_with_peers(args)
    data = tempfile.mkdtemp(prefix="autodiff-peers-")
    swift = ["swift", "run", "-c", "release", "--package-path", BENCHMARKS, "autodiff-benchmarks"]
    run(swift + ["--export", data])
    load = [os.getloadavg()[0]]
    rounds = []
    for _ in range(args.rounds):
        rounds.append(one_round(python, data, swift, args.repeat, args.blas))
        load.append(os.getloadavg()[0])

    # (label, our key, peer key, threads, unit, higher is better)
    rows = [("scalar step (micrograd's MLP, 68,818 nodes)", "scalar.step_ms", "scalar.step_ms", 1, "ms", False),
            ("digits epoch (64-128-64-10, batch 32)", "digits.epoch_ms.1", "digits.epoch_ms", 1, "ms", False),
            ("digits epoch, 2 threads", "digits.epoch_ms.2", "digits.epoch_ms", 2, "ms", False),
            ("digits test accuracy", "digits.accuracy", "digits.accuracy", 1, "", True),
            ("wide step (784-512-512-10, batch 128)", "wide.step_ms.1", "wide.step_ms", 1, "ms", False),
            ("wide step, 2 threads", "wide.step_ms.2", "wide.step_ms", 2, "ms", False),
            ("names epoch (Embedding → LSTM 64 → Dense, batch 32)", "names.epoch_ms.1", "names.epoch_ms", 1, "ms", False),
            ("names epoch, CPU time", "names.epoch_cpu_ms.1", "names.epoch_cpu_ms", 1, "ms", False),
            ("names validation loss (nats/char)", "names.validation_loss", "names.validation_loss", 1, "", True)]
    for n in (64, 128, 256, 512, 1024):
        rows.append(("gemm n=%d" % n, "gemm.%d.1" % n, "gemm.%d" % n, 1, "GFLOP/s", True))
    rows.append(("gemm n=512, 2 threads", "gemm.512.2", "gemm.512", 2, "GFLOP/s", True))
    # The same on the system BLAS (rows left out when none loaded).
    rows += [("wide step, system BLAS", "blas.wide.step_ms.1", "wide.step_ms", 1, "ms", False),
             ("wide step, system BLAS, 2 threads", "blas.wide.step_ms.2", "wide.step_ms", 2, "ms", False),
             ("gemm n=512, system BLAS", "blas.gemm.512.1", "gemm.512", 1, "GFLOP/s", True),
             ("gemm n=512, system BLAS, 2 threads", "blas.gemm.512.2", "gemm.512", 2, "GFLOP/s", True)]
    rows += [("cnn epoch (digits CNN, batch 32)", "cnn.epoch_ms.1", "cnn.epoch_ms.1", 1, "ms", False),
             ("cnn epoch, CPU time", "cnn.epoch_cpu_ms.1", "cnn.epoch_cpu_ms.1", 1, "ms", False),
             ("cnn test accuracy", "cnn.accuracy", "cnn.accuracy", 1, "", True)]
    growth = []
    for width in (64, 128, 256, 512, 1024, 2048):
        key = "growth.mlp.%d.32" % width
        growth.append(("width %d, batch 32" % width, key, key, 1, "ms", False))
    for batch in (1, 8, 128, 512):
        key = "growth.mlp.256.%d" % batch
        growth.append(("width 256, batch %d" % batch, key, key, 1, "ms", False))

    out = ["machine: %s, %d cores; Python %s; %d interleaved rounds of %d runs; load average %s" % (
        platform.processor() or platform.machine(), os.cpu_count(), platform.python_version(), args.rounds,
        args.repeat, " → ".join("%.1f" % l for l in load)), ""]
    if args.blas != "off" and not any("blas.wide.step_ms.1" in r["ours"] for r in rounds):
        out += ["no system BLAS loaded: ours on the built-in kernels only", ""]
    out += table(rounds, rows)
    gc = [r["micrograd"][1].get("scalar.step_ms_gc") for r in rounds if r["micrograd"][1].get("scalar.step_ms_gc")]
    if gc:
        out += ["", "micrograd's step with Python's garbage collector running: %s" % fmt(median(gc), "ms")]
    out += ["", "How cost grows: an MLP width-width-width-10 (ReLU) step (forward, backward, Adam), 1 thread:", ""]
    out += table(rounds, growth)
    out += ["", "Bytes and time per node of a scalar chain y ← y·w + b (ours):", "",
            "| nodes | graph bytes/node | peak bytes/node | forward ns/node | backward ns/node |", "|---|---|---|---|---|"]
    for nodes in (1000, 10000, 100000, 1000000, 10000000):
        base = "growth.chain.%d." % nodes
        values = [[r["ours"][base + k] for r in rounds if base + k in r["ours"]]
                  for k in ("bytes", "peak_bytes", "forward_ns", "backward_ns")]
        if all(values):
            out.append("| %s | %s |" % ("{:,}".format(nodes), " | ".join("%.1f" % median(v) for v in values)))
    out += ["", "ratio > 1: we are faster (time) or higher (GFLOP/s) than the fastest peer; medians of the rounds' ratios."]
    print("\n" + "\n".join(out))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(out) + "\n")


def fmt(value, unit):
    if unit == "GFLOP/s":
        return "%.4g GFLOP/s" % value
    if unit == "ms":
        return "%.3g ms" % value if value < 100 else "%.0f ms" % value
    return "%.4g" % value


if __name__ == "__main__":
    main()
