"""Benchmark ``dsq lint`` against the floor and the tools users would otherwise run.

Usage::

    .venv/bin/python benchmarks/lint_bench.py [CORPUS_DIR] [--large LARGE_DIR] [--skip-anchors]

Defaults: ``../shared/corpus/notebooks`` and ``../shared/corpus/large``. The anchors (pynblint,
nbqa with ruff and mypy) are installed on first use into ``.venv-bench`` (pynblint needs
``click<8.2``, which must not leak into the project's environment). Prints wall times and the
four ratios of the linter issue:

1. own rules only, no cache, vs the floor (one process that ``json.load``s every file and
   ``ast.parse``s every code cell): target <= 1.5x; and pynblint vs own rules: target >= 20x;
2. full ``dsq lint`` (rules + ruff + mypy), cold caches, vs ``nbqa ruff`` + ``nbqa mypy``: <= 0.5x
   (nbqa's mypy given ``--python-executable`` of this environment, so that both type-check
   against the same installed libraries; the bare ``nbqa mypy`` is printed for reference);
3. the same ``dsq lint`` again with nothing changed vs cold: <= 0.05x;
4. peak memory of ``dsq lint`` on the large notebooks: < 300 MiB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
BENCH_VENV = REPO / ".venv-bench"
DSQ = [sys.executable, "-m", "dsquality"]

FLOOR = r"""
import ast, json, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
for path in sorted(Path(sys.argv[1]).rglob("*.ipynb")):
    data = json.loads(path.read_bytes())
    cells = data.get("cells") or [c for ws in data.get("worksheets", []) for c in ws.get("cells", [])]
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            try:
                ast.parse("".join(source) if isinstance(source, list) else source)
            except (SyntaxError, ValueError):
                pass
"""

MEMORY = r"""
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(command: list[str], *, cwd: Path, repeat: int = 1) -> float:
    """Median wall time of ``command`` over ``repeat`` runs (output discarded)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_tool(name: str) -> str:
    """Path of an anchor tool in ``.venv-bench``, installing the anchors on first use."""
    binary = BENCH_VENV / "bin" / name
    if not binary.exists():
        print(f"installing benchmark anchors into {BENCH_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run(
            [str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", "pynblint", "click<8.2", "nbqa", "ruff", "mypy"],
            check=True,
        )
    return str(binary)


def peak_memory_mib(command: list[str], *, cwd: Path) -> float:
    """Peak RSS in MiB of ``command`` and the processes it waited for."""
    done = subprocess.run([sys.executable, "-c", MEMORY, *command], cwd=cwd, capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def memory_figures(large: Path, scratch: Path, *, cwd: Path) -> dict[str, float]:
    """Peak memory of ``dsq lint`` on (a copy of) the large notebooks, own rules only and with ruff + mypy."""
    # A copy: mypy keeps its cache in the project folder, which must not be the shared corpus.
    large_copy = scratch / "large"
    shutil.copytree(large, large_copy)
    command = [*DSQ, "lint", "--no-cache", "--format", "json", str(large_copy)]
    return {
        "peak MiB on large/, own rules (target < 300)": peak_memory_mib([*command, "--no-ruff", "--no-mypy"], cwd=cwd),
        "peak MiB on large/, with ruff + mypy processes": peak_memory_mib(command, cwd=cwd),
    }


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED / "notebooks")
    parser.add_argument("--large", type=Path, default=SHARED / "large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-anchors", action="store_true", help="do not run pynblint and nbqa")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    # Byte-compile dsquality as `pip install` does for a wheel: with PYTHONDONTWRITEBYTECODE set (as
    # on some CI machines) an editable install would otherwise recompile every module on each run,
    # while the anchors, installed from wheels, start from their .pyc files.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "dsquality")], check=True)
    # Work on a copy outside the repository, so no pyproject.toml or cache of ours applies.
    with tempfile.TemporaryDirectory(prefix="dsq-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(args.corpus, corpus)
        n_files = sum(1 for _ in corpus.rglob("*.ipynb"))
        print(f"corpus: {args.corpus} ({n_files} notebooks)")
        floor = timed([sys.executable, "-c", FLOOR, str(corpus)], cwd=corpus, repeat=args.repeat)
        own_command = [*DSQ, "lint", "--no-ruff", "--no-mypy", "--no-cache", "--format", "json", "."]
        own = timed(own_command, cwd=corpus, repeat=args.repeat)
        own_serial = timed([*own_command, "--jobs", "1"], cwd=corpus, repeat=args.repeat)
        full_command = [*DSQ, "lint", "--format", "json", "."]
        shutil.rmtree(corpus / ".dsq", ignore_errors=True)
        cold = timed(full_command, cwd=corpus)
        warm = timed(full_command, cwd=corpus, repeat=args.repeat)
        print(f"floor (json.load + ast.parse, one process): {floor:6.2f} s")
        print(f"dsq lint, own rules, no cache:              {own:6.2f} s   ({own_serial:.2f} s with --jobs 1)")
        print(f"dsq lint, rules + ruff + mypy, cold:        {cold:6.2f} s")
        print(f"dsq lint, same again, nothing changed:      {warm:6.2f} s")
        ratios = {"own rules / floor (target <= 1.5)": min(own, own_serial) / floor}
        if not args.skip_anchors:
            pynblint = timed([bench_tool("pynblint"), str(corpus)], cwd=corpus)
            nbqa = bench_tool("nbqa")
            env_path = f"{BENCH_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
            nbqa_ruff = timed(["env", f"PATH={env_path}", nbqa, "ruff", "."], cwd=corpus)
            nbqa_mypy_args = ["env", f"PATH={env_path}", nbqa, "mypy", "--ignore-missing-imports"]
            # dsq's mypy checks the notebooks against the libraries installed where dsq runs (the
            # user's environment); nbqa's mypy must see the same ones to do the same job. Without
            # --python-executable it sees only the anchors' venv, where numpy, pandas etc. are
            # missing and every use of them is Any: shown for reference, not used for the ratio.
            nbqa_mypy = timed([*nbqa_mypy_args, f"--python-executable={sys.executable}", "."], cwd=corpus)
            nbqa_mypy_bare = timed([*nbqa_mypy_args, "."], cwd=corpus)
            print(f"pynblint:                                   {pynblint:6.2f} s")
            print(f"nbqa ruff:                                  {nbqa_ruff:6.2f} s")
            print(f"nbqa mypy, same libraries as dsq:           {nbqa_mypy:6.2f} s")
            print(f"nbqa mypy, anchors' venv (libraries Any):   {nbqa_mypy_bare:6.2f} s")
            ratios["pynblint / own rules (target >= 20)"] = pynblint / min(own, own_serial)
            ratios["full cold / (nbqa ruff + nbqa mypy) (target <= 0.5)"] = cold / (nbqa_ruff + nbqa_mypy)
            ratios["  same, nbqa mypy in the anchors' venv (reference)"] = cold / (nbqa_ruff + nbqa_mypy_bare)
        ratios["warm / cold (target <= 0.05)"] = warm / cold
        if args.large.is_dir():
            ratios.update(memory_figures(args.large, Path(scratch), cwd=corpus))
        print()
        for name, value in ratios.items():
            print(f"{name:55s} {value:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
