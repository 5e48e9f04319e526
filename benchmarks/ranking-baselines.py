#!/usr/bin/env python3
"""Recomputes a pipeline's ranking baselines with numpy, apart from mtrec.

Usage: benchmarks/ranking-baselines.py [--binary PATH] [--pipeline FILE] [--ease-lambda L]

Runs the pipeline (a cached rerun when nothing changed), reads its
features.train, features.valid and features.test tables and evaluate's
metrics.json from the state folder, and computes on the same users and
exclusions (docs/stages/evaluate.md):
- popularity lists: items by train positives of the relevance task, ties by id;
- EASE lists (Steck 2019): B = I - P diag(1/diag(P)), P = (X'X + lambda I)^-1
  over the train interaction matrix X, seen items excluded;
- the model's lists from rank.recommendations.
Prints one table beside evaluate's figures and exits 1 if its model,
popularity or EASE figures differ from evaluate's by more than 1e-6.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
repository = os.path.dirname(here)
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(repository, ".build", "release", "mtrec"))
parser.add_argument("--pipeline", default=os.path.join(repository, "pipelines", "quickstart.yaml"))
parser.add_argument("--ease-lambda", type=float, help="default: evaluate's ease_lambda, read from its metrics")
parser.add_argument("--relevance", help="the relevance task (default: evaluate's relevance_task, read from its metrics)")
args = parser.parse_args()


def read_table(folder):
    """A table folder: schema.json and one .npy per column (text as bytes + offsets)."""
    with open(os.path.join(folder, "schema.json")) as file:
        schema = json.load(file)
    columns = {}
    for entry in schema["columns"]:
        values = np.load(os.path.join(folder, entry["file"]))
        if entry.get("offsets"):
            offsets = np.load(os.path.join(folder, entry["offsets"]))
            raw = values.tobytes()
            values = [raw[offsets[i]:offsets[i + 1]].decode() for i in range(len(offsets) - 1)]
        elif values.dtype.kind == "S":
            values = [value.decode() for value in values]
        columns[entry["name"]] = values
    return columns


def metrics(lists, relevant, users, k):
    """Mean hit rate, NDCG, recall and reciprocal rank at k over `users`."""
    hit = ndcg = recall = mrr = 0.0
    for user in users:
        ranked, wanted = lists.get(user, [])[:k], relevant[user]
        hits = [index for index, item in enumerate(ranked) if item in wanted]
        hit += 1.0 if hits else 0.0
        ndcg += sum(1 / np.log2(index + 2) for index in hits) / sum(1 / np.log2(index + 2) for index in range(min(k, len(wanted))))
        recall += len(hits) / len(wanted)
        mrr += 1 / (hits[0] + 1) if hits else 0.0
    n = len(users)
    return {"hit_rate": hit / n, "ndcg": ndcg / n, "recall": recall / n, "mrr": mrr / n}


with tempfile.TemporaryDirectory() as scratch:
    report_path = os.path.join(scratch, "report.json")
    run = subprocess.run([args.binary, "run", args.pipeline, "--report", report_path], cwd=repository, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"mtrec run failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    with open(report_path) as file:
        report = json.load(file)
outputs = {stage["name"]: stage["outputs"] for stage in report["stages"]}
train, valid, test = (read_table(outputs["features"][name]) for name in ("train", "valid", "test"))
# Negatives the features stage sampled are not interactions: drop them, as evaluate does.
if "sampled.negative" in train:
    logged = [index for index, flag in enumerate(train["sampled.negative"]) if flag != 1]
    train = {name: [values[index] for index in logged] for name, values in train.items()}
with open(outputs["evaluate"]["metrics"]) as file:
    evaluated = json.load(file)
k = evaluated["counts"]["ranking.k"]
if args.relevance is None:
    args.relevance = evaluated["info"]["relevance_task"]
if args.ease_lambda is None:
    args.ease_lambda = evaluated["info"].get("ease_lambda", 500.0)

seen = {}
for table in (train, valid):
    for user, item in zip(table["key.user"], table["key.item"]):
        seen.setdefault(user, set()).add(item)
relevant = {}
for user, item, label in zip(test["key.user"], test["key.item"], test[f"label.{args.relevance}"]):
    if label == 1 and item not in seen.get(user, set()):
        relevant.setdefault(user, set()).add(item)
users = sorted(relevant)

positives = {}
for item, label in zip(train["key.item"], train[f"label.{args.relevance}"]):
    positives[item] = positives.get(item, 0) + (1 if label == 1 else 0)
order = sorted(positives, key=lambda item: (-positives[item], item))
popular = {user: [item for item in order if item not in seen.get(user, set())][:k] for user in users}

# EASE over the train interactions (any row is an interaction).
catalog = sorted(positives)
item_index = {item: index for index, item in enumerate(catalog)}
train_users = sorted(set(train["key.user"]))
user_index = {user: index for index, user in enumerate(train_users)}
X = np.zeros((len(train_users), len(catalog)), dtype=np.float64)
for user, item in zip(train["key.user"], train["key.item"]):
    X[user_index[user], item_index[item]] = 1.0
gram = X.T @ X + args.ease_lambda * np.eye(len(catalog))
P = np.linalg.inv(gram)
B = -P / np.diag(P)
np.fill_diagonal(B, 0.0)
ease = {}
for user in users:
    if user not in user_index:
        ease[user] = []
        continue
    scores = X[user_index[user]] @ B
    ranked = sorted(range(len(catalog)), key=lambda index: (-scores[index], catalog[index]))
    ease[user] = [catalog[index] for index in ranked if catalog[index] not in seen.get(user, set())][:k]

model = {}
with open(outputs["rank"]["recommendations"]) as file:
    for row in csv.DictReader(file):
        model.setdefault(row["user"], []).append((int(row["rank"]), row["item"]))
model = {user: [item for _, item in sorted(items)] for user, items in model.items()}

ours = {"model": metrics(model, relevant, users, k), "popularity": metrics(popular, relevant, users, k),
        f"EASE (lambda {args.ease_lambda:g})": metrics(ease, relevant, users, k)}
baselines = evaluated["ranking"].get("baseline", {})
theirs = {"model": evaluated["ranking"], "popularity": baselines.get("popularity", {}),
          f"EASE (lambda {args.ease_lambda:g})": baselines.get("ease", {}) if args.ease_lambda == evaluated["info"].get("ease_lambda") else {}}
print(f"{os.path.basename(args.pipeline)}: {len(users)} test users with a relevant item, k = {k}, "
      f"{len(catalog)} items, {len(train['key.user'])} train rows")
print(f"{'lists':<22}{'HitRate':>10}{'NDCG':>10}{'Recall':>10}{'MRR':>10}   evaluate's HitRate / NDCG")
for name, figures in ours.items():
    other = theirs.get(name, {})
    beside = f"{other['hit_rate']:.6f} / {other['ndcg']:.6f}" if other else "-"
    print(f"{name:<22}{figures['hit_rate']:>10.4f}{figures['ndcg']:>10.4f}{figures['recall']:>10.4f}{figures['mrr']:>10.4f}   {beside}")
disagreements = [f"{name} {metric}: numpy {ours[name][metric]:.9f}, evaluate {theirs[name][metric]:.9f}"
                 for name in theirs for metric in ("hit_rate", "ndcg", "recall", "mrr")
                 if theirs[name] and abs(ours[name][metric] - theirs[name][metric]) > 1e-6]
if disagreements:
    print("disagreements with evaluate:\n  " + "\n  ".join(disagreements))
    sys.exit(1)
print("the figures evaluate reports (" + ", ".join(name for name in theirs if theirs[name]) + ") agree with numpy's to 1e-6")
