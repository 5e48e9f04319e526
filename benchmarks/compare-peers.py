#!/usr/bin/env python3
"""Runs `mtrec-bench --suite` and, when they are installed, the peer baselines
(../shared/peers: PyTorch for training and prediction; pandas, pyarrow.csv and
polars for CSV ingestion, on the peers' training file and the census file) one after the other on the same data, and prints every figure with
its ratio to the peer.

Usage: benchmarks/compare-peers.py [--models shared_bottom mmoe] [--repeats 1]
                                   [--scaling-rows 200000 1000000 4000000]
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
parser.add_argument("--scaling-rows", nargs="+", default=["200000", "1000000", "4000000"])
args = parser.parse_args()

python = os.path.expanduser(os.environ.get("PEERS_PYTHON", "~/peers-venv/bin/python"))
peers = os.environ.get("PEERS_DIR", os.path.join(root, "..", "shared", "peers"))
data = os.path.expanduser(os.environ.get("PEERS_DATA", "~/peers-data"))
have_torch = os.path.exists(python) and os.path.exists(os.path.join(peers, "torch_mtl.py"))

# The same flags as the Makefile's release builds.
for product in ["mtrec", "mtrec-bench"]:
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", product], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
train, test = os.path.join(data, "synth_train.csv"), os.path.join(data, "synth_test.csv")
if not os.path.exists(train):
    if not os.path.exists(python):
        sys.exit(f"no data in {data} and no peer python to generate it; see ../shared/peers/README.md")
    subprocess.run([python, os.path.join(peers, "gen_data.py"), "--out", data], check=True, stdout=subprocess.DEVNULL)

bench = os.path.join(root, ".build", "release", "mtrec-bench")
suite = json.loads(subprocess.run(
    [bench, "--suite", "--json", "--train", train, "--test", test, "--csv", train,
     "--pipeline", os.path.join(root, "pipelines", "quickstart.yaml"), "--scaling-rows", *args.scaling_rows],
    cwd=root, check=True, capture_output=True, text=True).stdout)
ours = {report["model"]: report for report in suite["dense"]}


def torch(model):
    out = subprocess.run([python, os.path.join(peers, "torch_mtl.py"), "--model", model, "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=dict(os.environ, PEERS_DATA=data)).stdout
    row = lambda name: float(re.search(r"\| %s \| ([0-9.]+) \|" % name, out).group(1))
    return {"train": row("train_steady_per_s"), "predict": row("predict_per_s"), "auc": row("auc"), "mse": row("mse")}


def reader_seconds(path, header=True):
    """Each dataframe reader on the same file: one read to warm the page cache,
    then the median of three. Files without a header are read as census-style
    ", "-separated text with "?" for missing (pandas skips the spaces; pyarrow
    and polars cannot, so their text keeps them)."""
    script = ("import json, statistics, sys, time\n"
              "path, header = sys.argv[1], sys.argv[2] == 'header'\n"
              "readers = {}\n"
              "try:\n"
              "    import pandas\n"
              "    readers['pandas ' + pandas.__version__] = (lambda: pandas.read_csv(path)) if header else (\n"
              "        lambda: pandas.read_csv(path, header=None, skipinitialspace=True, na_values=['?']))\n"
              "except ImportError: pass\n"
              "try:\n"
              "    import pyarrow, pyarrow.csv\n"
              "    options = pyarrow.csv.ReadOptions(autogenerate_column_names=not header)\n"
              "    nulls = pyarrow.csv.ConvertOptions(null_values=['?', ' ?'])\n"
              "    readers['pyarrow.csv ' + pyarrow.__version__] = (lambda: pyarrow.csv.read_csv(path)) if header else (\n"
              "        lambda: pyarrow.csv.read_csv(path, read_options=options, convert_options=nulls))\n"
              "except ImportError: pass\n"
              "try:\n"
              "    import polars\n"
              "    readers['polars ' + polars.__version__] = (lambda: polars.read_csv(path)) if header else (\n"
              "        lambda: polars.read_csv(path, has_header=False, null_values=['?', ' ?']))\n"
              "except ImportError: pass\n"
              "result = {}\n"
              "for name, read in readers.items():\n"
              "    read()\n"
              "    times = []\n"
              "    for _ in range(3):\n"
              "        start = time.perf_counter(); read(); times.append(time.perf_counter() - start)\n"
              "    result[name] = statistics.median(times)\n"
              "print(json.dumps(result))\n")
    result = subprocess.run([python, "-c", script, path, "header" if header else "none"], capture_output=True, text=True)
    return json.loads(result.stdout) if result.returncode == 0 else {}


def mtrec_seconds(path, header=True):
    """mtrec's own read of the file (collect's reader), timed as the suite times it."""
    flags = [] if header else ["--csv-no-header"]
    out = subprocess.run([bench, "--only", "csv", "--csv", path, *flags], cwd=root, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"in ([0-9.]+) s", out).group(1))


torch_version = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                               text=True).stdout.strip() if have_torch else ""
print(f"threads {suite['threads']}, OPENBLAS_CORETYPE {suite.get('openblas_coretype') or '(unset)'}, "
      f"sgemm floor {suite['sgemm_gflops']:.1f} GFLOP/s" + (f", PyTorch {torch_version}" if torch_version else "") + "\n")
print("| model | framework | train samples/s | predict samples/s | click AUC | conversion MSE | train GFLOP/s (share of sgemm) |")
print("|---|---|---|---|---|---|---|")
for model in args.models:
    mine = ours[model]
    share = suite["train_share_of_sgemm"][model]
    print(f"| {model} | mtrec | {mine['train_samples_per_s']:,.0f} | {mine['predict_samples_per_s']:,.0f} | {mine['auc']:.4f} "
          f"| {mine['mse']:.4f} | {mine['train_gflops']:.1f} ({100 * share:.0f}%) |")
    if not have_torch:
        continue
    theirs = torch(model)
    print(f"| {model} | PyTorch | {theirs['train']:,.0f} | {theirs['predict']:,.0f} | {theirs['auc']:.4f} | {theirs['mse']:.4f} | |")
    print(f"| {model} | ratio mtrec/PyTorch | {mine['train_samples_per_s'] / theirs['train']:.2f}x "
          f"| {mine['predict_samples_per_s'] / theirs['predict']:.2f}x | {mine['auc'] - theirs['auc']:+.4f} "
          f"| {100 * (mine['mse'] / theirs['mse'] - 1):+.1f}% | |")
if not have_torch:
    print(f"(no PyTorch run: {python} or {peers}/torch_mtl.py not found)")

cat = suite["categorical"]
print(f"\ncategorical MMoE (8 categorical features, 100 to 100,000 ids, 16 numeric): {cat['train_samples_per_s']:,.0f} train "
      f"samples/s, {cat['predict_samples_per_s']:,.0f} predict samples/s, click AUC {cat['auc']:.4f}; "
      f"{cat['embedding_rows_touched_per_step']} embedding rows per step updated in {cat['sparse_update_ms_per_step']:.3f} ms "
      f"(all dense weights: {cat['dense_update_ms_per_step']:.3f} ms)")

print("\n| training rows | seconds per epoch | per million rows | peak resident MB | data + model + optimizer MB | peak / that |")
print("|---|---|---|---|---|---|")
for row in suite["rows_scaling"]:
    held = row["data_mb"] + row["model_mb"] + row["optimizer_mb"]
    print(f"| {row['rows']:,} | {row['seconds_per_epoch']:.2f} | {row['seconds_per_epoch'] / row['rows'] * 1e6:.2f} "
          f"| {row['peak_resident_mb']:.0f} | {row['data_mb']:.0f} + {row['model_mb']:.1f} + {row['optimizer_mb']:.1f} "
          f"| {row['peak_resident_mb'] / held:.2f}x |")

csv = suite["csv"]
census = os.path.join(root, "data", "census-income", "census-income.test.gz")
print("\n| CSV file | MB | reader | seconds | MB/s | mtrec's ratio |")
print("|---|---|---|---|---|---|")
for path, header, seconds in [(csv["file"], True, csv["seconds"]), (census, False, None)]:
    megabytes = os.path.getsize(path) / 1e6
    if path.endswith(".gz"):
        megabytes = len(subprocess.run(["gzip", "-dc", path], check=True, capture_output=True).stdout) / 1e6
    seconds = seconds or mtrec_seconds(path, header)
    theirs = reader_seconds(path, header) if os.path.exists(python) else {}
    fastest = min(theirs.values()) if theirs else None
    label = os.path.basename(path) + ("" if header else ", no header")
    print(f"| {label} | {megabytes:.1f} | mtrec | {seconds:.3f} | {megabytes / seconds:.0f} | "
          + (f"{fastest / seconds:.2f}x the fastest |" if fastest else "|"))
    for name, their_seconds in theirs.items():
        print(f"| | | {name} | {their_seconds:.3f} | {megabytes / their_seconds:.0f} | {their_seconds / seconds:.2f}x |")
print("(MB counted uncompressed for .gz; a ratio above 1: mtrec is faster)")

noop = suite.get("noop_rerun")
if noop:
    print(f"no-op rerun of {noop['pipeline']}: median {noop['median_ms']:.1f} ms, min {noop['min_ms']:.1f} ms over "
          f"{noop['runs']} runs (target 15 ms; DVC 0.66 s and Snakemake 1.08 s on an 8-stage pipeline per the peers' README)")
