#!/usr/bin/env python3
"""Starts several `mtrec run`s at once on one state folder, round after round.

Usage: scripts/concurrency.py [--binary PATH] [--runs 4] [--rounds 20]

Each round changes a param, so every stage has a new key: one run builds
each key while the others wait for its lock and reuse it, and all of them
publish the same destination. Prints how many runs exited 0, how many the
history recorded, and whether anything was left half-written.
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "mtrec"))
parser.add_argument("--runs", type=int, default=4, help="runs started at once")
parser.add_argument("--rounds", type=int, default=20)
args = parser.parse_args()
binary = os.path.abspath(args.binary)
if not os.path.exists(binary):
    sys.exit(f"no binary at {binary}; build it with: swift build -c release --product mtrec")

PIPELINE = """name: race
params: {round: 0}
stages:
  numbers: {command: "seq {params.round} 100 > {outputs.nums}; sleep 0.3", outputs: [nums], with: {round: "${params.round}"}}
  total:   {command: "awk '{s+=$1} END {print s}' {inputs.n} > {outputs.t}", inputs: {n: numbers.nums}, outputs: [t]}
  rows:    {command: "wc -l < {inputs.n} | tr -d ' ' > {outputs.r}; sleep 0.2", inputs: {n: numbers.nums}, outputs: [r]}
publish:
  out/total.txt: total.t
  out/rows.txt: rows.r
"""

work = tempfile.mkdtemp(prefix="mtrec-concurrency-")
failures = []
try:
    with open(os.path.join(work, "race.yaml"), "w") as file:
        file.write(PIPELINE)
    exits = []
    for round_number in range(1, args.rounds + 1):
        command = [binary, "run", "race.yaml", "--set", f"params.round={round_number}"]
        processes = [subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                     for _ in range(args.runs)]
        for process in processes:
            output, _ = process.communicate()
            exits.append(process.returncode)
            if process.returncode != 0:
                failures.append(f"round {round_number}: exit {process.returncode}\n{output}")
        expected_total = sum(range(round_number, 101))
        with open(os.path.join(work, "out", "total.txt")) as file:
            if file.read().strip() != str(expected_total):
                failures.append(f"round {round_number}: out/total.txt is not {expected_total}")
    database = sqlite3.connect(os.path.join(work, ".mtrec", "history.sqlite"))
    recorded = dict(database.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
    leftovers = [name for name in os.listdir(os.path.join(work, "out")) if name.endswith(".mtrec-tmp")]
    staging = os.listdir(os.path.join(work, ".mtrec", "tmp")) if os.path.isdir(os.path.join(work, ".mtrec", "tmp")) else []
    total = args.runs * args.rounds
    print(f"{args.runs} runs at once x {args.rounds} rounds on one state folder, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}:")
    print(f"  exit 0: {exits.count(0)} of {total}")
    print(f"  recorded in the history: {sum(recorded.values())} of {total} ({', '.join(f'{k} {v}' for k, v in sorted(recorded.items()))})")
    print(f"  temporary publish files left: {len(leftovers)}; staging folders left: {len(staging)}")
    for failure in failures[:5]:
        print("  " + failure.replace("\n", "\n    "))
    ok = exits.count(0) == total and recorded.get("succeeded", 0) == total and not leftovers and not staging and not failures
    sys.exit(0 if ok else 1)
finally:
    shutil.rmtree(work, ignore_errors=True)
