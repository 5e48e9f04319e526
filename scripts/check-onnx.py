#!/usr/bin/env python3
"""Runs an exported model.onnx with onnxruntime and compares its outputs with
the scores mtrec predicted for the same rows.

Usage: scripts/check-onnx.py MODEL.onnx CASE.json
CASE.json: {"categorical": [[int, ...], ...], "numeric": [[float, ...], ...],
            "tokens": [[int, ...], ...] (with text features),
            "expected": {"TASK": [float, ...], ...}}
Prints "TASK: max abs difference D over N rows" per task and exits 0 when
every difference is at most 1e-5. Uses numpy and onnxruntime; when they are
not installed, creates a virtualenv in .build/onnx-venv, installs them from
PyPI there and runs again in it.
"""
import json
import sys

import venv_packages

venv_packages.require("onnx-venv", ["numpy", "onnxruntime"], ["numpy", "onnxruntime"])
import numpy
import onnxruntime

model, case_path = sys.argv[1], sys.argv[2]
case = json.load(open(case_path))
session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
feeds = {}
names = {port.name for port in session.get_inputs()}
if "categorical" in names:
    feeds["categorical"] = numpy.array(case["categorical"], dtype=numpy.int64)
if "numeric" in names:
    feeds["numeric"] = numpy.array(case["numeric"], dtype=numpy.float32)
if "tokens" in names:
    feeds["tokens"] = numpy.array(case["tokens"], dtype=numpy.int64)
outputs = [port.name for port in session.get_outputs()]
results = dict(zip(outputs, session.run(outputs, feeds)))
worst = 0.0
for task, expected in case["expected"].items():
    got = results[task].reshape(-1)
    difference = float(numpy.max(numpy.abs(got - numpy.array(expected, dtype=numpy.float32))))
    worst = max(worst, difference)
    print(f"{task}: max abs difference {difference:.3g} over {len(expected)} rows")
sys.exit(0 if worst <= 1e-5 else 1)
