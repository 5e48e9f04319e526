#!/usr/bin/env python3
"""Runs mtrec-bench and the peer baselines (../shared/peers) one after the
other on the same generated data and prints the ratios.

Usage: benchmarks/compare-peers.py [--models shared_bottom mmoe] [--repeats 1]
  PEERS_PYTHON  the peers' virtualenv python (default ~/peers-venv/bin/python);
                without it only mtrec runs.
  PEERS_DIR     the peer scripts (default ../shared/peers beside the repository)
  PEERS_DATA    the data folder gen_data.py writes (default ~/peers-data);
                generated when missing.
"""
import argparse
import json
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
parser = argparse.ArgumentParser()
parser.add_argument("--models", nargs="+", default=["shared_bottom", "mmoe"])
parser.add_argument("--repeats", type=int, default=1)
args = parser.parse_args()

python = os.path.expanduser(os.environ.get("PEERS_PYTHON", "~/peers-venv/bin/python"))
peers = os.environ.get("PEERS_DIR", os.path.join(root, "..", "shared", "peers"))
data = os.path.expanduser(os.environ.get("PEERS_DATA", "~/peers-data"))
have_peer = os.path.exists(python) and os.path.exists(os.path.join(peers, "torch_mtl.py"))

subprocess.run(["swift", "build", "-c", "release", "--product", "mtrec-bench"], cwd=root, check=True,
               stdout=subprocess.DEVNULL)
train, test = os.path.join(data, "synth_train.csv"), os.path.join(data, "synth_test.csv")
if not os.path.exists(train):
    if not os.path.exists(python):
        sys.exit(f"no data in {data} and no peer python to generate it; see ../shared/peers/README.md")
    subprocess.run([python, os.path.join(peers, "gen_data.py"), "--out", data], check=True, stdout=subprocess.DEVNULL)


def mtrec(model):
    out = subprocess.run([os.path.join(root, ".build", "release", "mtrec-bench"), "--model", model, "--train", train,
                          "--test", test, "--json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    return {"train": report["train_samples_per_s"], "predict": report["predict_samples_per_s"],
            "auc": report["auc"], "mse": report["mse"]}


def torch(model):
    out = subprocess.run([python, os.path.join(peers, "torch_mtl.py"), "--model", model, "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=dict(os.environ, PEERS_DATA=data)).stdout
    row = lambda name: float(re.search(r"\| %s \| ([0-9.]+) \|" % name, out).group(1))
    return {"train": row("train_steady_per_s"), "predict": row("predict_per_s"), "auc": row("auc"), "mse": row("mse")}


print("| model | framework | train samples/s | predict samples/s | click AUC | conversion MSE |")
print("|---|---|---|---|---|---|")
for model in args.models:
    ours = mtrec(model)
    print(f"| {model} | mtrec | {ours['train']:,.0f} | {ours['predict']:,.0f} | {ours['auc']:.4f} | {ours['mse']:.4f} |")
    if not have_peer:
        continue
    theirs = torch(model)
    print(f"| {model} | PyTorch | {theirs['train']:,.0f} | {theirs['predict']:,.0f} | {theirs['auc']:.4f} | {theirs['mse']:.4f} |")
    print(f"| {model} | ratio mtrec/PyTorch | {ours['train'] / theirs['train']:.2f}x | {ours['predict'] / theirs['predict']:.2f}x "
          f"| {ours['auc'] - theirs['auc']:+.4f} | {100 * (ours['mse'] / theirs['mse'] - 1):+.1f}% |")
if not have_peer:
    print(f"(no peer run: {python} or {peers}/torch_mtl.py not found)")
