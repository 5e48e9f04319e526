#!/usr/bin/env python3
"""Times retrieve beside the same computation in numpy, on one machine in one run.

Usage: benchmarks/retrieval-cost.py [--method ease|item_knn] [--binary PATH] [--items N]
                                    [--users 50000] [--interactions 1000000] [--targets 5000]
                                    [--lambda 500] [--neighbours 100]

Draws interactions (item popularity Zipf-like, seeded), writes them as a table
folder, runs a one-stage pipeline `retrieve` (200 candidates per target user)
and reads its seconds and peak memory from the run report. Then numpy does
the same work: for ease, X'X from the interactions, (X'X + lambda I)^-1
(np.linalg.inv) and B (default 20,000 items); for item_knn, co-occurrence
counts of every item pair from the users' item lists (np.unique), cosine
similarities and each item's best neighbours (default 100,000 items); then
the top 200 unseen items of each target user. numpy's peak memory is this
process's (ru_maxrss). Prints both, the ratio, and how many target users'
top-10 candidates agree.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "mtrec"))
parser.add_argument("--method", choices=["ease", "item_knn"], default="ease")
parser.add_argument("--items", type=int, help="default 20,000 for ease, 100,000 for item_knn")
parser.add_argument("--neighbours", type=int, default=100)
parser.add_argument("--users", type=int, default=50000)
parser.add_argument("--interactions", type=int, default=1000000)
parser.add_argument("--targets", type=int, default=5000, help="users who get candidates")
parser.add_argument("--lambda", dest="penalty", type=float, default=500.0)
parser.add_argument("--candidates", type=int, default=200)
args = parser.parse_args()
args.items = args.items or (20000 if args.method == "ease" else 100000)
binary = os.path.abspath(args.binary)
if not os.path.exists(binary):
    sys.exit(f"no binary at {binary}; build it with: make build")


def write_text_column(folder, stem, values):
    encoded = [value.encode() for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype="<i8")
    offsets[1:] = np.cumsum([len(value) for value in encoded])
    np.save(os.path.join(folder, stem + ".offsets.npy"), offsets)
    np.save(os.path.join(folder, stem + ".npy"), np.frombuffer(b"".join(encoded), dtype="|u1"))


def write_table(folder, users, items):
    os.makedirs(folder)
    write_text_column(folder, "000_key.user", users)
    write_text_column(folder, "001_key.item", items)
    schema = {"rows": len(users), "columns": [
        {"name": "key.user", "type": "string", "file": "000_key.user.npy", "offsets": "000_key.user.offsets.npy"},
        {"name": "key.item", "type": "string", "file": "001_key.item.npy", "offsets": "001_key.item.offsets.npy"}]}
    with open(os.path.join(folder, "schema.json"), "w") as file:
        json.dump(schema, file)


rng = np.random.default_rng(7)
weights = 1.0 / np.arange(1, args.items + 1) ** 0.8
user_ids = rng.integers(0, args.users, args.interactions)
item_ids = rng.choice(args.items, size=args.interactions, p=weights / weights.sum())
pairs = np.unique(user_ids * args.items + item_ids)
user_ids, item_ids = pairs // args.items, pairs % args.items
targets = np.unique(user_ids)[:args.targets]

work = tempfile.mkdtemp(prefix="mtrec-retrieval-")
try:
    os.makedirs(os.path.join(work, ".git"))
    write_table(os.path.join(work, "history"), [f"u{u}" for u in user_ids], [f"i{i:06d}" for i in item_ids])
    write_table(os.path.join(work, "targets"), [f"u{u}" for u in targets], ["-"] * len(targets))
    with open(os.path.join(work, "retrieve.yaml"), "w") as file:
        file.write(f"""name: retrieval
stages:
  retrieve:
    uses: retrieve
    inputs: {{history: history, users: targets}}
    with: {{method: {args.method}, lambda: {args.penalty}, neighbours: {args.neighbours}, candidates_per_user: {args.candidates}, max_items: {args.items}}}
""")
    run = subprocess.run([binary, "run", "retrieve.yaml", "--report", "report.json"], cwd=work, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"mtrec failed:\n{run.stdout}{run.stderr}")
    with open(os.path.join(work, "report.json")) as file:
        stage = json.load(file)["stages"][0]
    ours_seconds, ours_memory = stage["seconds"], stage["peakMemoryBytes"] / 2**20
    candidates = os.path.join(stage["outputs"]["candidates"])
    with open(os.path.join(candidates, "schema.json")) as file:
        columns = {entry["name"]: entry for entry in json.load(file)["columns"]}

    def read_text(entry):
        raw = np.load(os.path.join(candidates, entry["file"])).tobytes()
        offsets = np.load(os.path.join(candidates, entry["offsets"]))
        return [raw[offsets[i]:offsets[i + 1]].decode() for i in range(len(offsets) - 1)]

    ours_lists = {}
    for user, item in zip(read_text(columns["key.user"]), read_text(columns["key.item"])):
        ours_lists.setdefault(user, []).append(item)

    # numpy: the same computation, timed as one block.
    began = time.monotonic()
    by_user = {}
    for user, item in zip(user_ids, item_ids):
        by_user.setdefault(user, []).append(item)
    if args.method == "ease":
        gram = np.zeros((args.items, args.items))
        for items in by_user.values():
            index = np.array(items)
            gram[np.ix_(index, index)] += 1.0
        gram[np.diag_indices(args.items)] += args.penalty
        inverse = np.linalg.inv(gram)
        B = -inverse / np.diag(inverse)
        np.fill_diagonal(B, 0.0)

        def user_scores(seen):
            return B[seen].sum(axis=0)
    else:
        # Every ordered pair of items within each user's list (user_ids are sorted, as np.unique left them).
        starts = np.flatnonzero(np.r_[True, user_ids[1:] != user_ids[:-1]])
        sizes = np.diff(np.r_[starts, len(user_ids)])
        group_size = np.repeat(sizes, sizes)
        left = np.repeat(np.arange(len(user_ids)), group_size)
        within = np.arange(len(left)) - np.repeat(np.cumsum(group_size) - group_size, group_size)
        right = np.repeat(np.repeat(starts, sizes), group_size) + within
        keep = left != right
        codes, counts = np.unique(item_ids[left[keep]] * args.items + item_ids[right[keep]], return_counts=True)
        first, second = codes // args.items, codes % args.items
        users_per_item = np.bincount(item_ids, minlength=args.items).astype(np.float64)
        similarity = counts / np.sqrt(users_per_item[first] * users_per_item[second])
        order = np.lexsort((second, -similarity, first))
        first, second, similarity = first[order], second[order], similarity[order]
        group_start = np.searchsorted(first, np.arange(args.items))
        rank_in_group = np.arange(len(first)) - group_start[first]
        best = rank_in_group < args.neighbours
        first, second, similarity = first[best], second[best], similarity[best]
        bounds = np.searchsorted(first, np.arange(args.items + 1))

        def user_scores(seen):
            scores = np.zeros(args.items)
            for item in seen:
                np.add.at(scores, second[bounds[item]:bounds[item + 1]], similarity[bounds[item]:bounds[item + 1]])
            return scores
    numpy_lists = {}
    for user in targets:
        seen = by_user[user]
        scores = user_scores(seen)
        scores[seen] = -np.inf
        top = np.argpartition(-scores, args.candidates)[:args.candidates]
        numpy_lists[f"u{user}"] = [f"i{i:06d}" for i in top[np.lexsort((top, -scores[top]))]]
    numpy_seconds = time.monotonic() - began
    numpy_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    agree = sum(ours_lists.get(user, [])[:10] == numpy_lists[user][:10] for user in numpy_lists)
    print(f"{args.method} over {args.items} items, {len(user_ids)} interactions of {args.users} users, "
          + (f"lambda {args.penalty:g}, " if args.method == "ease" else f"{args.neighbours} neighbours per item, ")
          + f"{args.candidates} candidates for {len(targets)} users; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print(f"  mtrec retrieve: {ours_seconds:.1f} s, peak {ours_memory:.0f} MB")
    print(f"  numpy:          {numpy_seconds:.1f} s, peak {numpy_memory:.0f} MB (this process)")
    print(f"  numpy time / mtrec time: {numpy_seconds / ours_seconds:.2f}x; top-10 lists identical for {agree} of {len(targets)} users")
finally:
    shutil.rmtree(work, ignore_errors=True)
