#!/usr/bin/env python3
"""Writes metrics_fixture.csv and metrics_expected.json: 300 rows of scores
(with ties), binary labels, regression targets and users, and the metric
values computed independently with numpy and scipy (scipy.stats.rankdata
average ranks for AUC, the same per user for GAUC). Rerun to regenerate."""
import json
import numpy as np
from scipy.stats import rankdata

rng = np.random.default_rng(424242)
n = 300
users = rng.integers(0, 12, n)
labels = (rng.random(n) < 0.3).astype(int)
# Rounded scores, so that many tie.
scores = np.round(np.clip(0.3 * labels + rng.random(n) * 0.7, 0.001, 0.999), 2)
targets = np.round(rng.normal(3, 1, n), 3)
predictions = np.round(targets + rng.normal(0, 0.5, n), 3)


def auc(y, s):
    r = rankdata(s)
    p = y.sum()
    q = len(y) - p
    if p == 0 or q == 0:
        return None
    return float((r[y == 1].sum() - p * (p + 1) / 2) / (p * q))


total = weight = 0.0
for u in np.unique(users):
    m = users == u
    a = auc(labels[m], scores[m])
    if a is not None:
        total += a * m.sum()
        weight += m.sum()

eps = 1e-7
p = np.clip(scores, eps, 1 - eps)
expected = {
    "auc": auc(labels, scores),
    "gauc": total / weight,
    "logloss": float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))),
    "mse": float(np.mean((predictions - targets) ** 2)),
    "rmse": float(np.sqrt(np.mean((predictions - targets) ** 2))),
    "mae": float(np.mean(np.abs(predictions - targets))),
}
with open("metrics_fixture.csv", "w") as f:
    f.write("user,label,score,target,prediction\n")
    for row in zip(users, labels, scores, targets, predictions):
        f.write("%d,%d,%.2f,%.3f,%.3f\n" % row)
with open("metrics_expected.json", "w") as f:
    json.dump(expected, f, indent=1)
print(expected)
