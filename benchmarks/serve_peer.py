"""The Python serving stack serve-load.py measures mtrec serve against:
FastAPI + uvicorn + onnxruntime on the model `mtrec export onnx` wrote, with
the same two routes and the same answers.

It reads the same run's tables as mtrec serve (numpy reads their .npy
columns) and answers as mtrec serve does: the user's retrieved candidates,
each encoded from the user's and the item's latest training row, scored by
onnxruntime in one batch, ranked by the pipeline's expression, seen items
left out, the top k with every task's score. It prepares more at start-up
than mtrec serve: each user's candidate input matrices whole (mtrec serve
assembles them per request from per-user and per-item parts), so per request
it does a little less work; the ratios lean its way.

Configured by the environment (uvicorn imports this module in each worker):
  PEER_EXPORT   the folder `mtrec export onnx` wrote
  PEER_TABLES   a JSON file: {"train": DIR, "valid": DIR, "candidates": DIR,
                "expression": TEXT, "top_k": N}
"""
import json
import math
import os

import numpy
import onnxruntime
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


def read_table(folder):
    """A table folder as {column name: numpy array or list of text}."""
    schema = json.load(open(os.path.join(folder, "schema.json")))
    columns = {}
    for entry in schema["columns"]:
        path = os.path.join(folder, entry["file"])
        if entry.get("offsets"):
            offsets = numpy.load(os.path.join(folder, entry["offsets"]))
            raw = numpy.load(path).tobytes()
            columns[entry["name"]] = [raw[offsets[i]:offsets[i + 1]].decode() for i in range(len(offsets) - 1)]
        else:
            columns[entry["name"]] = numpy.load(path)
    return columns


def fnv1a(text):
    value = 0xcbf29ce484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value


export = os.environ["PEER_EXPORT"]
tables = json.load(open(os.environ["PEER_TABLES"]))
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = onnxruntime.InferenceSession(os.path.join(export, "model.onnx"), options, providers=["CPUExecutionProvider"])
transform = json.load(open(os.path.join(export, "transform.json")))
inputs = json.load(open(os.path.join(export, "inputs.json")))
tasks = [task["name"] for task in inputs["tasks"]]
run_id = inputs["runId"]
categorical_features = {feature["name"]: feature for feature in transform["categorical"]}
numeric_features = {feature["name"]: feature for feature in transform["numeric"]}


def encode_category(feature, value):
    if value is None:
        return 0
    if isinstance(value, bool):  # mtrec reads a JSON boolean as the text "true" or "false"
        value = "true" if value else "false"
    if feature.get("boundaries") is not None:
        return 0 if not isinstance(value, (int, float)) else 1 + sum(value >= b for b in feature["boundaries"])
    text = value if isinstance(value, str) else format(value, "g")
    if feature.get("hashBuckets"):
        return 1 + fnv1a(text) % feature["hashBuckets"]
    return feature["vocabulary"].get(text, 0)


def encode_number(feature, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return feature["mean"] if feature["method"] == "none" else 0.0
    if feature["method"] == "log1p":
        value = math.log1p(max(value, 0))
    return value if feature["method"] == "none" else (numpy.float32(value) - feature["mean"]) / feature["deviation"]


def run_model(categorical, numeric):
    feeds = {}
    names = {port.name for port in session.get_inputs()}
    if "categorical" in names:
        feeds["categorical"] = categorical
    if "numeric" in names:
        feeds["numeric"] = numeric
    outputs = session.run(tasks, feeds)
    return {task: output.reshape(-1) for task, output in zip(tasks, outputs)}


# Everything per user and per item that a request only has to look up.
train, valid, retrieved = (read_table(tables[name]) for name in ("train", "valid", "candidates"))
users, items = train["key.user"], train["key.item"]
last_user_row = {user: row for row, user in enumerate(users)}
last_item_row = {item: row for row, item in enumerate(items)}
user_side, item_side = set(transform["userFeatures"]), set(transform["itemFeatures"])
categorical_columns = [numpy.asarray(train["cat." + name], dtype=numpy.int64) for name in inputs["categorical"]]
numeric_columns = [numpy.asarray(train["num." + name], dtype=numpy.float32) for name in inputs["numeric"]]
categorical_constants = [int(numpy.bincount(column).argmax()) for column in categorical_columns]
popularity_counts = {}
for item in items:
    popularity_counts[item] = popularity_counts.get(item, 0) + 1
most_popular = max(popularity_counts.values())
seen = {}
for table in (train, valid):
    for user, item in zip(table["key.user"], table["key.item"]):
        seen.setdefault(user, set()).add(item)
popular = sorted(popularity_counts, key=lambda item: (-popularity_counts[item], item))


def side_values(name, user_row, item_row, columns, position, constants):
    if name in user_side:
        return columns[position][user_row]
    if name in item_side:
        return columns[position][item_row]
    return constants[position] if constants else 0.0


candidates = {}
for user, item in zip(retrieved["key.user"], retrieved["key.item"]):
    candidates.setdefault(user, []).append(item)
prepared = {}
for user, listed in candidates.items():
    if user not in last_user_row:
        continue
    user_row, item_rows = last_user_row[user], [last_item_row.get(item) for item in listed]
    categorical = numpy.array([[side_values(name, user_row, item_row, categorical_columns, position, categorical_constants)
                                if item_row is not None or name not in item_side else categorical_constants[position]
                                for position, name in enumerate(inputs["categorical"])] for item_row in item_rows], dtype=numpy.int64)
    numeric = numpy.array([[side_values(name, user_row, item_row, numeric_columns, position, None)
                            if item_row is not None or name not in item_side else 0.0
                            for position, name in enumerate(inputs["numeric"])] for item_row in item_rows], dtype=numpy.float32)
    popularity = numpy.array([popularity_counts.get(item, 0) / most_popular for item in listed])
    keep = numpy.array([item not in seen.get(user, ()) for item in listed])
    prepared[user] = (numpy.array(listed, dtype=object), categorical, numeric, popularity, keep)

expression = tables["expression"].replace("^", "**")
compiled_expression = compile(expression, "expression", "eval")
app = FastAPI()


@app.get("/v1/recommendations")
def recommendations(user: str, k: int = tables["top_k"]):
    if not 1 <= k <= 1000:
        raise HTTPException(400, "'k' must be an integer from 1 to 1000")
    if user not in prepared:
        listed = [item for item in popular if item not in seen.get(user, ())][:k]
        return {"user": user, "runId": run_id, "source": "popularity", "expression": tables["expression"],
                "items": [{"item": item, "rank": rank + 1, "score": float(popularity_counts[item])} for rank, item in enumerate(listed)]}
    listed, categorical, numeric, popularity, keep = prepared[user]
    scores = run_model(categorical, numeric)
    ranked = eval(compiled_expression, {"__builtins__": {}}, dict(scores, popularity=popularity)).astype(numpy.float64)
    order = [row for row in sorted(range(len(listed)), key=lambda row: (-ranked[row], listed[row])) if keep[row]][:k]
    return {"user": user, "runId": run_id, "source": "model", "expression": tables["expression"],
            "items": [{"item": listed[row], "rank": rank + 1, "score": float(ranked[row]),
                       "scores": {task: float(scores[task][row]) for task in tasks}} for rank, row in enumerate(order)]}


class ScoreRequest(BaseModel):
    rows: list[dict[str, str | float | int | bool | None]]


@app.post("/v1/score")
def score(request: ScoreRequest):
    if not 1 <= len(request.rows) <= 10000:
        raise HTTPException(400, "'rows' must hold 1 to 10000 rows")
    for name in list(categorical_features) + list(numeric_features):
        if any(name not in row for row in request.rows):
            raise HTTPException(422, f"every row needs '{name}'")
    categorical = numpy.array([[encode_category(categorical_features[name], row[name]) for name in inputs["categorical"]]
                               for row in request.rows], dtype=numpy.int64).reshape(len(request.rows), len(inputs["categorical"]))
    numeric = numpy.array([[encode_number(numeric_features[name], row[name]) for name in inputs["numeric"]]
                           for row in request.rows], dtype=numpy.float32).reshape(len(request.rows), len(inputs["numeric"]))
    scores = run_model(categorical, numeric)
    return {"runId": run_id, "tasks": tasks,
            "scores": [{task: float(scores[task][row]) for task in tasks} for row in range(len(request.rows))]}
