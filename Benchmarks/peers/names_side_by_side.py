#!/usr/bin/env python3
"""The names workload, ours and PyTorch's, in alternating rounds on 1 thread: each round runs our 6-epoch
benchmark, then names_torch.py on the same exported data, weights and batch order. Prints each round, the
medians of the per-epoch times (wall and CPU) and their ratio, and both validation losses. Alternating keeps a
change in the machine's load from favouring one side, as running one after the other would. (compare.py does the
same for every workload and peer at once; this runs the sequence workload alone, in about 10 s a round.)

    python3 Benchmarks/peers/names_side_by_side.py --python /work/venv/bin/python --rounds 5
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="a Python with torch and safetensors")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--package-path", BENCHMARKS], check=True, stdout=sys.stderr)
    ours_binary = os.path.join(BENCHMARKS, ".build", "release", "autodiff-benchmarks")
    data = tempfile.mkdtemp(prefix="autodiff-names-")
    subprocess.run([ours_binary, "--export", data], check=True, stdout=subprocess.DEVNULL)
    report = os.path.join(data, "ours.json")
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rounds = []
    for i in range(args.rounds):
        subprocess.run([ours_binary, "names", "--report", report], check=True, stdout=subprocess.DEVNULL)
        ours = json.load(open(report))
        out = subprocess.run([args.python, os.path.join(HERE, "names_torch.py"), "--data", data, "--threads", "1"],
                             check=True, stdout=subprocess.PIPE, text=True, env=env, cwd=HERE).stdout
        torch = json.loads(out.strip().splitlines()[-1])
        row = (ours["names.epoch_ms.1"], ours["names.epoch_cpu_ms.1"], torch["names.epoch_ms"], torch["names.epoch_cpu_ms"])
        rounds.append(row)
        print("round %d: ours %.1f ms (CPU %.1f), PyTorch %.1f ms (CPU %.1f): %.2f× (CPU %.2f×)"
              % (i + 1, *row, row[0] / row[2], row[1] / row[3]), flush=True)
    wall, cpu, torch_wall, torch_cpu = (statistics.median(column) for column in zip(*rounds))
    print("medians over %d rounds: ours %.1f ms (CPU %.1f), PyTorch %.1f ms (CPU %.1f): ours takes %.2f× PyTorch's "
          "time (CPU %.2f×)" % (args.rounds, wall, cpu, torch_wall, torch_cpu, wall / torch_wall, cpu / torch_cpu))
    print("validation loss: ours %.6f, PyTorch %.6f nats/char"
          % (ours["names.validation_loss"], torch["names.validation_loss"]))


if __name__ == "__main__":
    main()
