"""Batch of runs of notebooks/train_model.ipynb: a shell loop of `papermill` calls, a Python loop of
`papermill.execute_notebook`, and `dsq batch`, side by side in one run of this script.

    .venv/bin/python benchmarks/batch_bench.py [--runs 20] [--workers N] [--all]

Each way runs the same parameter sets (seed x regularization) into its own directory under a
temporary folder and must produce every executed notebook; the script prints each wall time and
the ratios `dsq batch` must reach (>= 3x the shell loop, >= 1.5x the Python loop). `dsq batch`
runs with `--preload` of the modules the notebook imports; `--all` adds `dsq batch` without
`--preload` and with `--no-fork` (every kernel a new process), to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import textwrap
import time
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "train_model.ipynb"
BIN = Path(sys.executable).parent
PRELOAD = "sklearn.datasets,sklearn.linear_model,sklearn.metrics,sklearn.pipeline,sklearn.preprocessing,dsquality.model"
SEEDS = range(10)
REGULARIZATION = (0.1, 1.0, 3.0, 10.0)


def parameter_sets(runs: int) -> list[dict[str, object]]:
    sets = [{"seed": seed, "regularization": c} for seed, c in product(SEEDS, REGULARIZATION)]
    if runs > len(sets):
        raise SystemExit(f"at most {len(sets)} runs")
    return sets[:runs]


def timed(command: list[str], *, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def count_notebooks(directory: Path, runs: int) -> None:
    found = len(list(directory.rglob("*.ipynb")))
    if found != runs:
        raise SystemExit(f"{directory}: {found} executed notebooks, expected {runs}")


def shell_loop(sets: list[dict[str, object]], out: Path) -> tuple[list[str], Path]:
    out.mkdir()
    lines = []
    for index, values in enumerate(sets):
        options = " ".join(f"-p {name} {value}" for name, value in values.items())
        lines.append(
            f"{shlex.quote(str(BIN / 'papermill'))} --no-progress-bar --log-level ERROR "
            f"{shlex.quote(str(NOTEBOOK))} {shlex.quote(str(out / f'run{index}.ipynb'))} {options} || exit 1"
        )
    return ["bash", "-c", "\n".join(lines)], out


def python_loop(sets: list[dict[str, object]], out: Path) -> tuple[list[str], Path]:
    out.mkdir()
    code = textwrap.dedent(
        f"""
        import papermill
        for index, values in enumerate({sets!r}):
            papermill.execute_notebook({str(NOTEBOOK)!r}, {str(out)!r} + f"/run{{index}}.ipynb",
                                       parameters=values, progress_bar=False)
        """
    )
    return [sys.executable, "-c", code], out


def dsq_batch(sets: list[dict[str, object]], out: Path, *extra: str) -> tuple[list[str], Path]:
    grid = out.parent / f"{out.name}.grid.yaml"
    grid.write_text(json.dumps({"runs": sets}))  # JSON is YAML
    command = [str(BIN / "dsq"), "batch", str(NOTEBOOK), "--grid", str(grid), "--out", str(out), "--quiet", *extra]
    return command, out / "runs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, help="dsq batch --workers (default: its own, the number of cores)")
    parser.add_argument("--all", action="store_true", help="also dsq batch without --preload and with --no-fork")
    args = parser.parse_args()
    sets = parameter_sets(args.runs)
    workers = ["--workers", str(args.workers)] if args.workers else []
    with tempfile.TemporaryDirectory(prefix="dsq-batch-bench-") as temporary:
        root = Path(temporary)
        ways = {  # name -> (command, its output directory)
            "shell loop of `papermill` CLI": shell_loop(sets, root / "cli"),
            "Python loop of papermill.execute_notebook": python_loop(sets, root / "python"),
            f"dsq batch --preload {PRELOAD}": dsq_batch(sets, root / "dsq", "--preload", PRELOAD, *workers),
        }
        if args.all:
            ways["dsq batch (forked kernels, no --preload)"] = dsq_batch(sets, root / "dsq-fork", *workers)
            ways["dsq batch --no-fork"] = dsq_batch(sets, root / "dsq-nofork", "--no-fork", *workers)
        times: dict[str, float] = {}
        print(f"{len(sets)} runs of {NOTEBOOK.relative_to(REPO)}")
        for name, (command, out) in ways.items():
            times[name] = timed(command, cwd=root)
            count_notebooks(out, len(sets))
            print(f"  {times[name]:7.1f} s  {times[name] / len(sets):5.2f} s/run  {name}")
    cli, python, dsq = list(times.values())[:3]
    print(f"dsq batch vs shell loop of papermill CLI:        {cli / dsq:4.1f}x faster (goal >= 3x)")
    print(f"dsq batch vs Python loop of execute_notebook:    {python / dsq:4.1f}x faster (goal >= 1.5x)")
    return 0 if cli / dsq >= 3 and python / dsq >= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
