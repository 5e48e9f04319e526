#!/usr/bin/env python3
"""Load test of `mtrec serve` beside the usual Python stack, on one machine.

Runs the quickstart pipeline (release build) in a scratch folder, exports its
model with `mtrec export onnx`, starts `mtrec serve` and the FastAPI + uvicorn
+ onnxruntime server in benchmarks/serve_peer.py (two worker processes, one
per core here) on loopback, checks that both give the same lists, then
measures each with wrk: requests/s and p50/p99 latency at 1, 8 and 64
connections for GET /v1/recommendations (k = 10 of the user's retrieved
candidates) and POST /v1/score (batches of 1 and 256 rows). Last, a newer run
is published and mtrec serve is sent SIGHUP twice while wrk keeps 8
connections busy: every request must succeed.

Usage: benchmarks/serve-load.py [--seconds 10] [--connections 1 8 64] [--json FILE]
Installs wrk (apt-get) when missing, and fastapi, uvicorn, onnxruntime and
numpy into .build/serve-venv.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=int, default=10)
parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 64])
parser.add_argument("--json", help="also write every figure to this file")
parser.add_argument("--set", action="append", default=[], metavar="STAGE.PARAM=VALUE",
                    help="run the quickstart with this setting (e.g. build_model.cross_layers=0); repeatable")
args = parser.parse_args()


def say(text):
    print(text, file=sys.stderr, flush=True)


# The tools: wrk from Debian, the peer's packages in a virtualenv of their own.
if not shutil.which("wrk"):
    say("installing wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
venv = os.path.join(root, ".build", "serve-venv")
python = os.path.join(venv, "bin", "python3")
if not os.path.exists(os.path.join(venv, "bin", "uvicorn")) or subprocess.run([python, "-c", "import onnx"]).returncode:
    say("creating " + venv)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "fastapi", "uvicorn[standard]", "onnxruntime", "onnx", "numpy"],
                   check=True)
subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "mtrec"], cwd=root, check=True,
               stdout=subprocess.DEVNULL)
mtrec = os.path.join(root, ".build", "release", "mtrec")
versions = subprocess.run([python, "-c", "import fastapi, uvicorn, onnxruntime, numpy; "
                           "print(f'fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, "
                           "onnxruntime {onnxruntime.__version__}, numpy {numpy.__version__}')"],
                          check=True, capture_output=True, text=True).stdout.strip()
# What the machine's cores can do in matrix products: the ceiling of a compute-bound route.
sgemm_gflops = float(subprocess.run([python, "-c", """
import numpy, time
a, b = (numpy.random.default_rng(1).random((1024, 1024), dtype=numpy.float32) for _ in range(2))
a @ b
start = time.perf_counter()
for _ in range(20):
    a @ b
print(20 * 2 * 1024 ** 3 / (time.perf_counter() - start) / 1e9)
"""], check=True, capture_output=True, text=True).stdout)
wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]

# A published run and its exported model.
project = tempfile.mkdtemp(prefix="mtrec-serve-load-")
shutil.copy(os.path.join(root, "pipelines", "quickstart.yaml"), project)
say("running the quickstart in " + project)
settings = [argument for setting in args.set for argument in ("--set", setting)]
subprocess.run([mtrec, "run", "quickstart.yaml", "--report", "report.json"] + settings, cwd=project, check=True, stdout=subprocess.DEVNULL)
subprocess.run([mtrec, "export", "onnx", "quickstart.yaml", "--out", "exported"] + settings, cwd=project, check=True,
               stdout=subprocess.DEVNULL)
# The work per request: 2 FLOPs per weight of every dense product (Gemm), per candidate row.
weights_per_row = int(subprocess.run([python, "-c", """
import onnx, sys, numpy
model = onnx.load(sys.argv[1])
sizes = {tensor.name: int(numpy.prod(tensor.dims)) for tensor in model.graph.initializer}
print(sum(sizes.get(node.input[1], 0) for node in model.graph.node if node.op_type in ("Gemm", "MatMul")))
""", os.path.join(project, "exported", "model.onnx")], check=True, capture_output=True, text=True).stdout)
report = json.load(open(os.path.join(project, "report.json")))
outputs = {stage["name"]: stage.get("outputs", {}) for stage in report["stages"]}
pipeline_text = open(os.path.join(project, "quickstart.yaml")).read()
expression = re.search(r'expression: "([^"]+)"', pipeline_text).group(1)
tables = {"train": outputs["features"]["train"], "valid": outputs["features"]["valid"],
          "candidates": outputs["retrieve"]["candidates"], "expression": expression, "top_k": 10}
json.dump(tables, open(os.path.join(project, "tables.json"), "w"))
# The users the model ranks for (the popularity fallback's users cost no scoring).
lists = [line.split(",") for line in open(os.path.join(project, "out", "recommendations.csv")).read().splitlines()]
source_column = lists[0].index("source")
users = sorted({row[0] for row in lists[1:] if row[source_column] == "model"})
candidates_per_user = int(re.search(r"candidates_per_user: (\d+)", pipeline_text).group(1))
megaflop_per_request = 2 * weights_per_row * candidates_per_user / 1e6


def wait_until_up(port, process):
    for _ in range(600):
        if process.poll() is not None:
            sys.exit(f"the server on port {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/recommendations?user={users[0]}", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"the server on port {port} did not answer within a minute")


def get(port, path):
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read())


ours_port, peer_port = 18080, 18081
ours = subprocess.Popen([mtrec, "serve", "quickstart.yaml", "--port", str(ours_port)], cwd=project,
                        stdout=open(os.path.join(project, "serve.log"), "w"), stderr=subprocess.STDOUT)
peer = subprocess.Popen([os.path.join(venv, "bin", "uvicorn"), "serve_peer:app", "--port", str(peer_port), "--workers", "2",
                         "--log-level", "warning", "--no-access-log"], cwd=here,
                        env=dict(os.environ, PEER_EXPORT=os.path.join(project, "exported"),
                                 PEER_TABLES=os.path.join(project, "tables.json")),
                        stdout=open(os.path.join(project, "peer.log"), "w"), stderr=subprocess.STDOUT)
try:
    wait_until_up(ours_port, ours)
    wait_until_up(peer_port, peer)

    # Both servers must do the same work: the same lists and scores.
    same, largest = 0, 0.0
    for user in users[:200]:
        a, b = get(ours_port, f"/v1/recommendations?user={user}&k=10"), get(peer_port, f"/v1/recommendations?user={user}&k=10")
        same += [i["item"] for i in a["items"]] == [i["item"] for i in b["items"]]
        largest = max([largest] + [abs(x["score"] - y["score"]) for x, y in zip(a["items"], b["items"])])
    checked = min(200, len(users))
    say(f"lists equal for {same} of {checked} users; largest score difference {largest:.2g}")
    if same < checked * 0.98:
        sys.exit("the two servers give different lists; the comparison would not be fair")

    # Request bodies of raw feature rows, from the users' and items' own values.
    transform = json.load(open(os.path.join(project, "exported", "transform.json")))
    vocabularies = {f["name"]: sorted(f["vocabulary"], key=f["vocabulary"].get) for f in transform["categorical"] if f.get("vocabulary")}

    def score_body(count):
        rows = []
        for index in range(count):
            row = {name: values[(index * 7919 + 13 * position) % len(values)]
                   for position, (name, values) in enumerate(vocabularies.items())}
            row.update({"price": 5.0 + (index % 50) * 3.1, "position": float(index % 10)})
            rows.append(row)
        return json.dumps({"rows": rows})

    scripts = tempfile.mkdtemp(prefix="mtrec-wrk-")
    lua_users = ",".join(json.dumps(user) for user in users)
    open(os.path.join(scripts, "recommendations.lua"), "w").write(
        "local users = {%s}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
        "  return wrk.format('GET', '/v1/recommendations?user=' .. users[n %% #users + 1] .. '&k=10')\nend\n" % lua_users)
    for batch in (1, 256):
        open(os.path.join(scripts, f"score{batch}.lua"), "w").write(
            "wrk.method = 'POST'\nwrk.path = '/v1/score'\nwrk.headers['Content-Type'] = 'application/json'\nwrk.body = [[%s]]\n" % score_body(batch))
    for batch in (1, 256):
        request = urllib.request.Request(f"http://127.0.0.1:{ours_port}/v1/score", data=score_body(batch).encode(),
                                         headers={"Content-Type": "application/json"})
        a = json.loads(urllib.request.urlopen(request).read())["scores"]
        request.full_url = f"http://127.0.0.1:{peer_port}/v1/score"
        b = json.loads(urllib.request.urlopen(request).read())["scores"]
        if len(a) != len(b) or any(x[t] is None or y[t] is None for x, y in zip(a, b) for t in x):
            sys.exit(f"/v1/score batch {batch}: the servers answered different row counts or a null score")
        difference = max(abs(x[t] - y[t]) for x, y in zip(a, b) for t in x)
        say(f"/v1/score batch {batch}: largest difference between the servers {difference:.2g}")
        if difference > 1e-4:
            sys.exit("the two servers score differently")

    def seconds(text):
        value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]

    def wrk_command(port, script, connections, duration):
        # One wrk thread: it keeps 64 connections busy and leaves the servers more of the two cores.
        return ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", "-s",
                os.path.join(scripts, script), f"http://127.0.0.1:{port}" + ("/v1/score" if script.startswith("score") else "/")]

    def wrk_figures(out):
        """wrk's report: rate, latency percentiles, requests, and failures (socket errors and non-2xx answers)."""
        errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {"requests_per_s": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
                "p50_ms": seconds(re.search(r"\s50%\s+(\S+)", out).group(1)) * 1e3,
                "p99_ms": seconds(re.search(r"\s99%\s+(\S+)", out).group(1)) * 1e3,
                "requests": int(re.search(r"(\d+) requests in", out).group(1)),
                "errors": errors + (int(bad.group(1)) if bad else 0)}

    def wrk(port, script, connections):
        return wrk_figures(subprocess.run(wrk_command(port, script, connections, args.seconds),
                                          check=True, capture_output=True, text=True).stdout)

    rows = []
    for route, script in [("GET /v1/recommendations", "recommendations.lua"), ("POST /v1/score, 1 row", "score1.lua"),
                          ("POST /v1/score, 256 rows", "score256.lua")]:
        for connections in args.connections:
            a = wrk(ours_port, script, connections)
            b = wrk(peer_port, script, connections)
            rows.append({"route": route, "connections": connections, "mtrec": a, "python": b})
            say(f"{route} c={connections}: mtrec {a['requests_per_s']:.0f}/s p99 {a['p99_ms']:.2f} ms, "
                f"python {b['requests_per_s']:.0f}/s p99 {b['p99_ms']:.2f} ms")

    # A reload under load: a newer run (rank's top_k changed: rank and evaluate run again) and two SIGHUPs.
    subprocess.run([mtrec, "run", "quickstart.yaml", "--set", "rank.top_k=20"] + settings, cwd=project, check=True,
                   stdout=subprocess.DEVNULL)
    before = get(ours_port, "/healthz")["runId"]
    load = subprocess.Popen(wrk_command(ours_port, "recommendations.lua", 8, 8), stdout=subprocess.PIPE, text=True)
    for _ in range(2):
        time.sleep(2.5)
        ours.send_signal(signal.SIGHUP)
    under_reload = wrk_figures(load.communicate()[0])
    after = get(ours_port, "/healthz")["runId"]
    if after == before:
        say("the reload did not change the run served; mtrec serve's log ends:\n" + open(os.path.join(project, "serve.log")).read()[-2000:])
    reload_requests, reload_errors = under_reload["requests"], under_reload["errors"]
    say(f"reload under load: {reload_requests} requests, {reload_errors} failed, run {before} -> {after}")
finally:
    ours.terminate()
    peer.terminate()
    ours.wait()
    peer.wait()

cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "unknown CPU")
print(f"# mtrec serve vs FastAPI + uvicorn (2 workers) + onnxruntime, {os.cpu_count()} cores, {cpu}")
print(f"# {versions}; {wrk_version}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
      f"{args.seconds} s per figure")
print(f"# the quickstart's model{' with ' + ', '.join(args.set) if args.set else ''}: {weights_per_row:,} dense weights, "
      f"k = 10 of {candidates_per_user} retrieved candidates, {megaflop_per_request:.1f} MFLOP of products per recommendation request")
print()
print("| route | connections | mtrec req/s | p50 ms | p99 ms | errors | Python req/s | p50 ms | p99 ms | errors | ratio |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for row in rows:
    a, b = row["mtrec"], row["python"]
    print(f"| {row['route']} | {row['connections']} | {a['requests_per_s']:,.0f} | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | {a['errors']} "
          f"| {b['requests_per_s']:,.0f} | {b['p50_ms']:.2f} | {b['p99_ms']:.2f} | {b['errors']} "
          f"| {a['requests_per_s'] / b['requests_per_s']:.2f}x |")
print()
best = max(row["mtrec"]["requests_per_s"] for row in rows if row["route"].startswith("GET"))
print(f"mtrec's best recommendation rate does {best * megaflop_per_request / 1e3:.0f} GFLOP/s of products; "
      f"sgemm 1024^3 on both cores (numpy's OpenBLAS) {sgemm_gflops:.0f} GFLOP/s, "
      f"a ceiling of {sgemm_gflops * 1e3 / megaflop_per_request:,.0f} recommendation requests/s.")
print(f"Reload under load (8 connections, 2 SIGHUPs, run {before} -> {after}): {reload_requests} requests, {reload_errors} failed.")
print(f"Lists equal between the servers for {same} of {checked} users (largest score difference {largest:.2g}).")
if args.json:
    json.dump({"rows": rows, "reload": {"requests": reload_requests, "failed": reload_errors, "from": before, "to": after},
               "versions": versions}, open(args.json, "w"), indent=2)
shutil.rmtree(project, ignore_errors=True)
