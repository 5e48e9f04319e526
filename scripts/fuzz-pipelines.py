#!/usr/bin/env python3
"""Runs `mtrec validate` on thousands of mutated pipeline files.

Usage: scripts/fuzz-pipelines.py [--binary PATH] [--mutants 3000] [--seed S]
                                 [--timeout 5] [--memory-mb 512]

Mutants are made from pipelines/*.yaml (YAML and pipeline tokens inserted,
bytes replaced, ranges deleted, lines repeated, swapped or spliced from
another file, the file cut short), plus a few hostile shapes: nested aliases,
deep nesting, a long scalar, binary noise. Each must end within the timeout
with exit 0 (valid) or 2 (invalid, with at least one file:line:col: error
line), below the memory limit (peak RSS from wait4). Prints the counts;
exits 1 if any mutant crashed, hung, overran memory or was refused without
a placed error.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
repository = os.path.dirname(here)
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(repository, ".build", "release", "mtrec"))
parser.add_argument("--mutants", type=int, default=3000)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--timeout", type=float, default=5.0, help="seconds one validation may take")
parser.add_argument("--memory-mb", type=float, default=512.0, help="peak RSS one validation may reach")
args = parser.parse_args()
binary = os.path.abspath(args.binary)
if not os.path.exists(binary):
    sys.exit(f"no binary at {binary}; build it with: make build")

TOKENS = ["&a ", "*a", "[", "]", "{", "}", ": ", "- ", '"', "'", "\t", "\n", "  ", "${params.", "${params.seed}",
          "{inputs.", "{outputs.x}", "!!str ", "!!binary ", "!!python/object ", "? ", "|", ">", "#", "\0", "\ufeff",
          "é", "99999999999999999999999", "-1", "1e309", ".nan", "~", "<<: *a", "---\n", "...\n", "uses: ",
          "inputs: {x: a.b}", "command: [", "publish: {../x: a.b}", "%YAML 1.1\n", "&b [*b]"]
PLACED_ERROR = re.compile(rb"^[^\n]*:(\d+):(\d+): error: ", re.MULTILINE)


def mutate(data, corpus, rng):
    at = rng.randrange(len(data) + 1)
    choice = rng.randrange(7)
    if choice == 0:
        return data[:at] + rng.choice(TOKENS).encode() + data[at:]
    if choice == 1 and at < len(data):
        return data[:at] + rng.choice(TOKENS).encode()[:1] + data[at + 1:]
    if choice == 2:
        return data[:at] + data[at + 1 + rng.randrange(40):]
    if choice in (3, 4, 5):
        lines = data.split(b"\n")
        line = rng.randrange(len(lines))
        kind = rng.randrange(3)
        if kind == 0:
            lines.insert(rng.randrange(len(lines) + 1), lines[line])
        elif kind == 1:
            other = rng.randrange(len(lines))
            lines[line], lines[other] = lines[other], lines[line]
        else:
            lines[line] = rng.choice(rng.choice(corpus).split(b"\n"))
        return b"\n".join(lines)
    return data[:at]


def hostile(rng):
    """Shapes a mutation rarely reaches: alias fans, deep nesting, long scalars, noise."""
    kind = rng.randrange(4)
    if kind == 0:
        fan = rng.randrange(2, 12)
        levels = rng.randrange(2, 12)
        lines = ["name: bomb", "params:", "  a0: &a0 [" + ", ".join(["x"] * fan) + "]"]
        lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]" for i in range(1, levels)]
        return ("\n".join(lines + ["stages:", "  s: {command: \"true\"}"]) + "\n").encode()
    if kind == 1:
        depth = rng.randrange(100, 20000)
        return b"name: deep\nparams: {x: " + b"[" * depth + b"]" * depth + b"}\nstages: {s: {command: \"true\"}}\n"
    if kind == 2:
        return b"name: long\ndescription: " + b"a" * rng.randrange(1000, 1_000_000) + b"\nstages: {s: {command: \"true\"}}\n"
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))


def validate(path, folder):
    """(exit code or -signal, seconds, peak RSS in MB, output); the run is killed at the timeout."""
    started = time.monotonic()
    process = subprocess.Popen([binary, "validate", path], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timer_fired = []

    def kill():
        timer_fired.append(True)
        process.kill()

    timer = threading.Timer(args.timeout, kill)
    timer.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    # The timer may fire just after the process ended on its own: only a kill at the limit is a timeout.
    return code, seconds, usage.ru_maxrss / 1024, output, bool(timer_fired) and seconds >= args.timeout


rng = random.Random(args.seed)
corpus_folder = os.path.join(repository, "pipelines")
corpus = [open(os.path.join(corpus_folder, name), "rb").read() for name in sorted(os.listdir(corpus_folder)) if name.endswith(".yaml")]
work = tempfile.mkdtemp(prefix="mtrec-fuzz-")
counts = {"valid": 0, "invalid": 0}
problems = []
slowest = peak = 0.0
try:
    os.makedirs(os.path.join(work, ".git"))
    shutil.copytree(os.path.join(repository, "data"), os.path.join(work, "data"))
    began = time.monotonic()
    for index in range(args.mutants):
        if index % 20 == 19:
            data = hostile(rng)
        else:
            data = rng.choice(corpus)
            for _ in range(1 + rng.randrange(5)):
                data = mutate(data, corpus, rng)
        path = os.path.join(work, "mutant.yaml")
        with open(path, "wb") as file:
            file.write(data)
        code, seconds, rss, output, timed_out = validate(path, work)
        slowest, peak = max(slowest, seconds), max(peak, rss)
        problem = None
        if timed_out:
            problem = f"took over {args.timeout} s"
        elif code < 0:
            problem = f"killed by signal {-code}"
        elif code not in (0, 2):
            problem = f"exit {code}"
        elif code == 2 and not PLACED_ERROR.search(output):
            problem = "refused without a file:line:col error"
        elif rss > args.memory_mb and len(data) < 1 << 20:
            problem = f"peak memory {rss:.0f} MB"
        if problem:
            kept = os.path.join(work, f"problem-{index}.yaml")
            shutil.copy(path, kept)
            problems.append((index, problem, output[-300:].decode(errors="replace")))
        else:
            counts["valid" if code == 0 else "invalid"] += 1
    elapsed = time.monotonic() - began
    print(f"{args.mutants} mutants (seed {args.seed}, every 20th a hostile shape) in {elapsed:.0f} s, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print(f"  valid: {counts['valid']}; invalid with a placed error: {counts['invalid']}; problems: {len(problems)}")
    print(f"  slowest validation: {slowest:.2f} s (limit {args.timeout} s); peak RSS: {peak:.0f} MB (limit {args.memory_mb:.0f} MB)")
    for index, problem, output in problems[:10]:
        print(f"  mutant {index}: {problem}\n    " + output.replace("\n", "\n    "))
    sys.exit(1 if problems else 0)
finally:
    if not problems:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  problem files kept in {work}")
