#!/usr/bin/env python3
"""Kills `mtrec run` at random moments and checks the rerun loses nothing.

Usage: scripts/fault-kill.py [--binary PATH] [--pipeline FILE] [--kills N]
                             [--mode process|group|both] [--seed S]

One uninterrupted run gives the reference outputs. Each trial starts the
pipeline in a fresh folder, sends SIGKILL after a random delay (within the
reference run's duration) to the mtrec process alone or to its whole process
group, then counts stage processes still alive a second later (orphans),
runs again to the end and compares every stage output, byte for byte, with
the reference (train's history without its wall-clock timings). Prints identical / orphans / leftover staging folders.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "mtrec"))
parser.add_argument("--pipeline", default=os.path.join(here, "..", "pipelines", "diamond.yaml"))
parser.add_argument("--kills", type=int, default=30)
parser.add_argument("--mode", choices=["process", "group", "both"], default="both")
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
binary, pipeline = os.path.abspath(args.binary), os.path.abspath(args.pipeline)
if not os.path.exists(binary):
    sys.exit(f"no binary at {binary}; build it with: swift build -c release --product mtrec")


# Wall-clock measurements inside train's history: they differ between any two
# runs, killed or not, so they are left out of the comparison.
TIMINGS = {"samplesPerSecond", "seconds"}


def without_timings(value):
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if key not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def file_bytes(path):
    with open(path, "rb") as file:
        data = file.read()
    if os.path.basename(path) == "history":
        data = json.dumps(without_timings(json.loads(data)), sort_keys=True).encode()
    return data


def digest(path):
    """SHA-256 over a file, or over a folder's relative paths and file bytes."""
    hasher = hashlib.sha256()
    if os.path.isdir(path):
        for root, folders, files in os.walk(path):
            folders.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                hasher.update(os.path.relpath(full, path).encode() + b"\0")
                hasher.update(file_bytes(full))
    else:
        hasher.update(file_bytes(path))
    return hasher.hexdigest()


def outputs(report_path):
    with open(report_path) as file:
        report = json.load(file)
    return {f"{stage['name']}.{name}": digest(path) for stage in report["stages"] for name, path in stage["outputs"].items()}


def start(folder, tag):
    environment = dict(os.environ, MTREC_FAULT_TAG=tag, NO_COLOR="1")
    environment.pop("MTREC_STATE_DIR", None)
    with open(os.path.join(folder, "killed.log"), "w") as log:
        # A session of its own, so that killing its group cannot touch this script.
        return subprocess.Popen([binary, "run", pipeline, "--state-dir", os.path.join(folder, ".mtrec")], cwd=folder,
                                env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def tagged_processes(tag):
    """Processes whose environment carries the trial's tag: mtrec and every stage it started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as file:
                if f"MTREC_FAULT_TAG={tag}".encode() in file.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            pass
    return found


def finish(folder, report):
    result = subprocess.run([binary, "run", pipeline, "--state-dir", os.path.join(folder, ".mtrec"), "--report", report],
                            cwd=folder, capture_output=True, text=True)
    return result


random.seed(args.seed)
work = tempfile.mkdtemp(prefix="mtrec-faults-")
try:
    reference_folder = os.path.join(work, "reference")
    os.makedirs(reference_folder)
    began = time.monotonic()
    reference = finish(reference_folder, os.path.join(reference_folder, "report.json"))
    duration = time.monotonic() - began
    if reference.returncode != 0:
        sys.exit(f"the reference run failed:\n{reference.stdout}\n{reference.stderr}")
    expected = outputs(os.path.join(reference_folder, "report.json"))

    identical = orphans = leftover_staging = failed_reruns = 0
    orphan_trials = []
    for trial in range(args.kills):
        mode = args.mode if args.mode != "both" else ("process", "group")[trial % 2]
        folder = os.path.join(work, f"trial-{trial}")
        os.makedirs(folder)
        tag = f"{os.getpid()}-{trial}"
        victim = start(folder, tag)
        delay = random.uniform(0.02, duration)
        time.sleep(delay)
        if mode == "group":
            os.killpg(victim.pid, signal.SIGKILL)
        else:
            victim.send_signal(signal.SIGKILL)
        victim.wait()
        time.sleep(1.0)
        alive = tagged_processes(tag)
        if alive:
            orphans += len(alive)
            orphan_trials.append(trial)
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
        rerun = finish(folder, os.path.join(folder, "report.json"))
        if rerun.returncode != 0:
            failed_reruns += 1
            print(f"trial {trial} ({mode}, killed at {delay:.2f} s): rerun exited {rerun.returncode}\n{rerun.stdout}{rerun.stderr}")
            continue
        if outputs(os.path.join(folder, "report.json")) == expected:
            identical += 1
        staging = os.path.join(folder, ".mtrec", "tmp")
        leftover_staging += len(os.listdir(staging)) if os.path.isdir(staging) else 0
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{os.path.basename(pipeline)}: {args.kills} kills ({args.mode}), seed {args.seed}, "
          f"delays up to {duration:.2f} s (the uninterrupted run), OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print(f"  reruns identical to the uninterrupted run: {identical} of {args.kills}")
    print(f"  orphan processes 1 s after the kill: {orphans}" + (f" (trials {orphan_trials})" if orphan_trials else ""))
    print(f"  staging folders left after the rerun: {leftover_staging}; failed reruns: {failed_reruns}")
    sys.exit(0 if identical == args.kills and orphans == 0 and leftover_staging == 0 else 1)
finally:
    shutil.rmtree(work, ignore_errors=True)
