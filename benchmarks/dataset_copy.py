"""Benchmark: reading COPY's CSV for the dataset's CSV zip, psycopg's cursor.copy() against a raw libpq loop.

Usage: .venv/bin/python benchmarks/dataset_copy.py [VILLAGES] [--runs N] [--keep]   (default 100,000, 3 runs)
PostgreSQL only. Builds (or, with --keep, reuses) the round of benchmarks/exports.py, then writes the
round's CSV zip with each reader in turn, alternating, N times each, and prints each run and the median.
The export reads at the libpq level (bma/exports/dataset/pg_copy.copy_out); psycopg's own cursor.copy()
is here to measure against it (issue 33: psycopg's own unless it is more than 10% slower).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402

from benchmarks.exports import populated_round  # noqa: E402  (sets Django up)
from benchmarks.throwaway import benchmark_database  # noqa: E402
from bma.exports.dataset import pg_copy, write_csv_zip  # noqa: E402


def psycopg_copy_out(pg_connection, statement: str, write) -> None:
    """The same COPY read through psycopg's own cursor.copy(), gathered into ~1 MB blocks alike."""
    buffer = bytearray()
    with pg_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in copy:
            buffer += row
            if len(buffer) > 1 << 20:
                write(buffer)
                buffer.clear()
    write(buffer)


def main(n: int, runs: int, keep: bool) -> None:
    name = f"bma_benchmark_exports_{n}" if keep else None
    with benchmark_database(keep_as=name):
        if connection.vendor != "postgresql":
            sys.exit("PostgreSQL only: set DATABASE_URL")
        round_ = populated_round(n, kept=keep)
        readers = {"psycopg cursor.copy()": psycopg_copy_out, "libpq loop": pg_copy.copy_out}
        times: dict[str, list[float]] = {label: [] for label in readers}
        for run in range(runs):
            for label, reader in readers.items():
                pg_copy.copy_out = reader
                with tempfile.TemporaryFile() as out:
                    started = time.perf_counter()
                    write_csv_zip(out, round_)
                    elapsed = time.perf_counter() - started
                    size = out.tell()
                times[label].append(elapsed)
                print(f"run {run + 1}, {label}: {elapsed:.2f} s, {size / 1e6:.0f} MB")
        pg_copy.copy_out = readers["libpq loop"]
        medians = {label: statistics.median(values) for label, values in times.items()}
        for label, median in medians.items():
            print(f"median {label}: {median:.2f} s")
        # Run by run: the machine's load drifts between runs, less between the two halves of one run.
        paired = [p / q for p, q in zip(times["psycopg cursor.copy()"], times["libpq loop"], strict=True)]
        print("psycopg / libpq, run by run: " + ", ".join(f"{ratio:.3f}" for ratio in paired))
        ratio = statistics.median(paired)
        print(f"median of the paired ratios: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    args = sys.argv[1:]
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
    numbers = [int(arg) for i, arg in enumerate(args) if arg.isdigit() and (i == 0 or args[i - 1] != "--runs")]
    main(numbers[0] if numbers else 100_000, runs, keep="--keep" in args)
