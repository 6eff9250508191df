# ruff: noqa: N806 - X (capital) is scikit-learn's name for the features
"""Benchmark ``dsq profile``: how steady its verdicts are on a busy machine, and what it costs.

Usage::

    .venv/bin/python benchmarks/profile_bench.py [--load N] [--runs R]

``--load N`` starts N busy processes (default: one per core) for the duration, as other jobs on a
shared CI runner would be; they are stopped by their process ids at the end. For kernel SVC and a
decision tree over 1 000 to 8 000 rows (3 repeats, one BLAS thread) it prints, per clock, the
fit-time exponents of R runs, their spread (max - min) and how often the verdict left the expected
class, then:

1. spread of exponents, wall clock vs CPU clock (the default): the ratio says how much steadier;
2. time of one ``profile_model`` run vs the bare fits it measures (the same fits in a plain loop,
   once per size and repeat): the price of warm-up, batching, predict timing and tracemalloc.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from sklearn.datasets import make_classification

from dsquality.profiling import Verdict, profile_model

SIZES = (1000, 2000, 4000, 8000)
REPEATS = 3
CASES = {
    "sklearn.svm:SVC": {Verdict.QUADRATIC, Verdict.WORSE},
    "sklearn.tree:DecisionTreeClassifier": {Verdict.LINEAR, Verdict.N_LOG_N},
}
BUSY = "while True: pass"


def _exponents(model: str, clock: str, runs: int) -> tuple[list[float], int]:
    exponents, misses = [], 0
    for _ in range(runs):
        report = profile_model(model, sizes=SIZES, repeats=REPEATS, threads=1, trace_memory=False, clock=clock)
        fit = report.measures["fit_time"]
        exponents.append(fit.exponent or 0.0)
        misses += fit.verdict not in CASES[model]
    return exponents, misses


def _bare_fits(model: str) -> float:
    from sklearn.svm import SVC  # noqa: PLC0415
    from sklearn.tree import DecisionTreeClassifier  # noqa: PLC0415

    cls = SVC if model.endswith("SVC") else DecisionTreeClassifier
    X, y = make_classification(n_samples=max(SIZES), n_features=20, n_informative=10, flip_y=0.1, random_state=0)
    start = time.perf_counter()
    for _ in range(REPEATS):
        for n in SIZES:
            cls().fit(X[:n], y[:n])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=os.cpu_count() or 2, help="busy processes to run meanwhile")
    parser.add_argument("--runs", type=int, default=5, help="profiles per model and clock")
    args = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.load)]
    try:
        print(f"{args.load} busy processes on {os.cpu_count()} cores; {args.runs} runs per model and clock")
        for model in CASES:
            spreads = {}
            for clock in ("wall", "cpu"):
                exponents, misses = _exponents(model, clock, args.runs)
                spreads[clock] = max(exponents) - min(exponents)
                shown = ", ".join(f"{e:.2f}" for e in exponents)
                print(f"{model} {clock:>4}: exponents {shown}; spread {spreads[clock]:.2f}; wrong class {misses}")
            print(f"  1. spread wall / cpu: {spreads['wall'] / max(spreads['cpu'], 1e-3):.1f}x")
            start = time.perf_counter()
            profile_model(model, sizes=SIZES, repeats=REPEATS, threads=1)
            profiled = time.perf_counter() - start
            bare = _bare_fits(model)
            print(f"  2. profile_model {profiled:.2f} s vs bare fits {bare:.2f} s: {profiled / bare:.1f}x")
    finally:
        for hog in hogs:
            hog.terminate()
            hog.wait()


if __name__ == "__main__":
    main()
