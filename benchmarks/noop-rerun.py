#!/usr/bin/env python3
"""Times `mtrec run` on an 8-stage pipeline whose stages are all cached.

Usage: benchmarks/noop-rerun.py [--binary PATH] [--repeats N] [--verify]
Prints min, median and mean wall time in milliseconds over N reruns, with the
default cache check (each output file's size and mtime) and, with --verify,
also with every file's SHA-256 compared, in the same run.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "mtrec"))
parser.add_argument("--repeats", type=int, default=30)
parser.add_argument("--verify", action="store_true", help="also time reruns with run --verify")
args = parser.parse_args()

binary = os.path.abspath(args.binary)
if not os.path.exists(binary):
    sys.exit(f"no binary at {binary}; build it with: swift build -c release --product mtrec")

work = tempfile.mkdtemp(prefix="mtrec-bench-")
try:
    pipeline = os.path.join(work, "eight-stages.yaml")
    shutil.copy(os.path.join(here, "eight-stages.yaml"), pipeline)
    command = [binary, "run", pipeline]
    first = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if first.returncode != 0:
        sys.exit(f"first run failed:\n{first.stdout}\n{first.stderr}")
    print(f"no-op rerun of an all-cached 8-stage pipeline, {args.repeats} runs:")
    for label, extra in [("size+mtime", []), ("--verify", ["--verify"])][:2 if args.verify else 1]:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            rerun = subprocess.run(command + extra, cwd=work, capture_output=True, text=True)
            times.append((time.perf_counter() - start) * 1000)
            if rerun.returncode != 0 or "8 cached" not in rerun.stdout:
                sys.exit(f"rerun was not all cached:\n{rerun.stdout}")
        print(f"  {label:<11} min {min(times):.1f} ms   median {statistics.median(times):.1f} ms   mean {statistics.mean(times):.1f} ms")
finally:
    shutil.rmtree(work, ignore_errors=True)
