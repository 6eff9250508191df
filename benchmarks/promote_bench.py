"""How fast is `dsq promote --check` (the pre-commit hook), against the floor of `ruff format --check`?

Copies notebooks/feature_engineering.ipynb N times into a temporary project, promotes each copy
(without mypy), then times, as separate processes (as a pre-commit hook runs them):

- `dsq promote --check` over the whole project (finds the promoted notebooks, regenerates every
  module and tests file in memory, compares contents);
- `ruff format --check` over the same generated files: the cheapest content check there is, which
  knows nothing about notebooks.

Prints the wall time of each, per notebook, and their ratio. Run: `python benchmarks/promote_bench.py`.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dsquality.lint.external.ruff import find_ruff
from dsquality.promote.api import promote_notebook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "feature_engineering.ipynb"
RUNNER = (
    "import argparse, sys\n"
    "from dsquality.cli import promote\n"
    "from dsquality.cli.handler import handle_errors\n"
    "parser = argparse.ArgumentParser()\n"
    "promote.add_arguments(parser)\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(handle_errors(lambda: promote.run(args)))\n"
)


def make_project(root: Path, count: int) -> list[Path]:
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n', encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    data = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    data["metadata"].pop("dsquality", None)
    generated: list[Path] = []
    for index in range(count):
        path = root / "notebooks" / f"features_{index}.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        result = promote_notebook(
            path,
            module=root / "pkg" / f"features_{index}.py",
            tests=root / "tests" / f"test_f{index}.py",
            typecheck=False,
        )
        generated += [result.module.path, *([result.tests.path] if result.tests else [])]
    return generated


def wall(argv: list[str], cwd: Path, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{argv[:3]} failed: {done.stdout.decode()} {done.stderr.decode()}")
    return statistics.median(times)


def main() -> None:
    ruff = find_ruff()
    print(f"{'notebooks':>9} {'dsq promote --check':>20} {'ruff format --check':>20} {'per notebook':>13} {'ratio':>6}")
    for count in (1, 10, 40):
        root = Path(tempfile.mkdtemp(prefix="dsq-promote-bench-"))
        try:
            files = make_project(root, count)
            check = wall([sys.executable, "-c", RUNNER, "--check", "--quiet"], root)
            floor = wall([ruff, "format", "--check", "--no-cache", *map(str, files)], root)
        finally:
            shutil.rmtree(root)
        print(
            f"{count:>9} {check * 1000:>18.0f}ms {floor * 1000:>18.0f}ms {check / count * 1000:>11.1f}ms "
            f"{check / floor:>6.1f}"
        )


if __name__ == "__main__":
    main()
