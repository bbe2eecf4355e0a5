"""Allreduce bandwidth from NumPy through mpi4py, on the same Open MPI: the ceiling for DistributedTraining's
allReduce (`autodiff-benchmarks distributed` prints the same table).

    /work/venv/bin/pip install mpi4py     # builds against the Open MPI that mpirun belongs to
    mpirun --allow-run-as-root --oversubscribe -np 2 /work/venv/bin/python Benchmarks/peers/allreduce_mpi4py.py

Each size: a Float32 sum in place (MPI.IN_PLACE), median of the timed calls after two untimed ones, each call
preceded by a barrier; bus bandwidth = 2(p-1)/p x bytes / time. Like DistributedTraining, waiting processes yield
their core (Open MPI's mpi_yield_when_idle) unless OMPI_MCA_mpi_yield_when_idle is set: pass
`-x OMPI_MCA_mpi_yield_when_idle=0` to mpirun to compare both spinning.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")   # read by MPI_Init, which importing MPI calls
from mpi4py import MPI  # noqa: E402


def median_ms(comm, buffer, repeat):
    times = []
    for i in range(repeat + 2):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        if i >= 2:
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    figures = {}
    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"mpi4py {MPI.Get_library_version().splitlines()[0].split(',')[0]}, {size} processes, "
        f"mpi_yield_when_idle={os.environ['OMPI_MCA_mpi_yield_when_idle']}")
    gradients = 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    ms = median_ms(comm, np.full(gradients, rank, dtype=np.float32), args.repeat)
    say(f"  allreduce of the wide MLP's {gradients} gradients: {ms:.3f} ms")
    figures["allreduce.wide_gradients_ms"] = ms
    say("     MiB       ms     GB/s   bus GB/s")
    for mib in [1, 2, 4, 8, 16, 32, 64]:
        buffer = np.full(mib * 1048576 // 4, rank, dtype=np.float32)
        ms = median_ms(comm, buffer, args.repeat if mib <= 8 else 5)
        algorithm = mib * 1048576 / (ms * 1e-3) / 1e9
        bus = algorithm * 2 * (size - 1) / size
        say(f"  {mib:6d} {ms:8.3f} {algorithm:8.2f} {bus:10.2f}")
        figures[f"allreduce.{mib}MiB_ms"] = ms
    if args.json and rank == 0:
        json.dump(figures, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
