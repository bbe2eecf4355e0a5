#!/usr/bin/env python3
"""Runs our benchmarks and the peers' (PyTorch, JAX, micrograd) on the same data, initial weights and batch
order, and prints one table: workload, ours, each peer, and the ratio of the fastest peer to ours.

    python3 Benchmarks/peers/compare.py            # sets up Benchmarks/peers/.venv with pip on first use
    python3 Benchmarks/peers/compare.py --python /path/to/python --repeat 5

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


def peer(python, script, data, threads, repeat):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = run([python, os.path.join(HERE, script), "--data", data, "--threads", str(threads), "--repeat", str(repeat)],
              stdout=subprocess.PIPE, text=True, env=env, cwd=HERE).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", help="a Python that already has requirements.txt installed (skips .venv)")
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per figure (medians are reported)")
    args = parser.parse_args()
    python = python_with_peers(args)
    data = tempfile.mkdtemp(prefix="autodiff-peers-")
    swift = ["swift", "run", "-c", "release", "--package-path", BENCHMARKS, "autodiff-benchmarks"]
    run(swift + ["--export", data])
    report = os.path.join(data, "ours.json")
    run(swift + ["scalar", "digits", "wide", "gemm", "cnn", "names", "--repeat", str(args.repeat), "--report", report],
        stdout=sys.stderr)
    ours = json.load(open(report))

    peers = {"micrograd": {1: peer(python, "scalar_micrograd.py", data, 1, max(3, args.repeat // 2))}}
    peers["PyTorch"] = {t: peer(python, "mlp_torch.py", data, t, args.repeat) for t in (1, 2)}
    peers["PyTorch"][1].update(peer(python, "scalar_torch.py", data, 1, 3))
    peers["PyTorch"][1].update(peer(python, "cnn_torch.py", data, 1, 1))
    peers["PyTorch"][1].update(peer(python, "names_torch.py", data, 1, 1))
    peers["JAX"] = {t: peer(python, "mlp_jax.py", data, t, args.repeat) for t in (1, 2)}

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
        rows.append(("gemm n=%d, GFLOP/s" % n, "gemm.%d.1" % n, "gemm.%d" % n, 1, "", True))
    rows.append(("gemm n=512, GFLOP/s, 2 threads", "gemm.512.2", "gemm.512", 2, "", True))
    rows += [("cnn epoch (digits CNN, batch 32)", "cnn.epoch_ms.1", "cnn.epoch_ms.1", 1, "ms", False),
             ("cnn epoch, CPU time", "cnn.epoch_cpu_ms.1", "cnn.epoch_cpu_ms.1", 1, "ms", False),
             ("cnn test accuracy", "cnn.accuracy", "cnn.accuracy", 1, "", True)]

    names = ["micrograd", "PyTorch", "JAX"]
    print("\nmachine: %s, %d cores; Python %s" % (platform.processor() or platform.machine(), os.cpu_count(),
                                                  platform.python_version()))
    print("| workload | ours | " + " | ".join(names) + " | best peer / ours |")
    print("|---|---|" + "---|" * len(names) + "---|")
    for label, key, peer_key, threads, unit, higher in rows:
        if key not in ours:
            continue
        mine = ours[key]
        values = [peers[name].get(threads, {}).get(peer_key) for name in names]
        cells = ["—" if v is None else fmt(v, unit) for v in values]
        known = [v for v in values if v is not None]
        if not known or key.endswith("accuracy") or key == "names.validation_loss":
            ratio = "—"
        else:
            best = max(known) if higher else min(known)
            ratio = "%.2f×" % (mine / best if higher else best / mine)
        print("| %s | %s | %s | %s |" % (label, fmt(mine, unit), " | ".join(cells), ratio))
    gc = peers["micrograd"][1].get("scalar.step_ms_gc")
    if gc:
        print("\nmicrograd's step with Python's garbage collector running: %s" % fmt(gc, "ms"))
    print("ratio > 1: we are faster (time) or higher (GFLOP/s) than the fastest peer.")


def fmt(value, unit):
    if unit == "ms":
        return "%.3g ms" % value if value < 100 else "%.0f ms" % value
    return "%.4g" % value


if __name__ == "__main__":
    main()
