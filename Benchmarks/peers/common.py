"""Shared by the peer scripts: arguments, the exported data, timing and the JSON report."""
import argparse
import json
import os
import statistics
import sys
import time

from safetensors.numpy import load_file


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", required=True, help="directory written by `autodiff-benchmarks --export`")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=11)
    return parser.parse_args()


def load(args, name):
    return load_file(os.path.join(args.data, name + ".safetensors"))


def median_ms(function, repeat, warmup=2):
    """Median wall time of `function()` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def emit(figures):
    json.dump(figures, sys.stdout)
    sys.stdout.write("\n")
