"""Where the time of ``dsq lint`` (own rules) goes: each phase and each rule, serial, in one process.

Usage::

    .venv/bin/python benchmarks/lint_phases.py [CORPUS_DIR] [--repeat N]

Default corpus: ``../shared/corpus/notebooks``. Lints every notebook as ``dsq lint --no-ruff
--no-mypy --no-cache --jobs 1`` does, timing the phases (read, parse, facts, each rule, findings
with their file lines, suppressions, freeing the notebook) and prints the best of ``N`` runs per
phase. ``lint_bench.py`` measures the whole command against the floor; this script says which part
to work on.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus" / "notebooks"


class _Phases:
    """Seconds spent per phase, accumulated with ``with phases.timing(name):``."""

    def __init__(self) -> None:
        self.times: Counter[str] = Counter()

    @contextlib.contextmanager
    def timing(self, *names: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            for name in names:
                self.times[name] += time.perf_counter() - started

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            with self.timing(name):
                return function(*args)

        return timed


def one_run(corpus: Path) -> Counter[str]:
    """Seconds per phase for one serial lint of ``corpus``."""
    from dsquality.analysis import model as model_module  # noqa: PLC0415 - its parse and walk are timed
    from dsquality.config import load_config  # noqa: PLC0415
    from dsquality.discover import find_notebooks  # noqa: PLC0415
    from dsquality.lint import engine  # noqa: PLC0415
    from dsquality.lint.registry import RULES  # noqa: PLC0415
    from dsquality.lint.selection import Selection  # noqa: PLC0415
    from dsquality.lint.suppression import Suppressions  # noqa: PLC0415
    from dsquality.notebook import read_notebook  # noqa: PLC0415

    phases, config = _Phases(), load_config(corpus)
    with phases.timing("discover"):
        files = find_notebooks([corpus], config)
    rules = Selection().enabled_rules(RULES)
    parse, collect = model_module.parse_cell_quietly, model_module.collect
    model_module.parse_cell_quietly = phases.wrap("  parse", parse)
    model_module.collect = phases.wrap("  facts", collect)
    gc.disable()  # as the engine does while it lints one notebook
    try:
        for path in files:
            with phases.timing("read"):
                notebook = read_notebook(path)
            with phases.timing("model (parse + facts)"):
                model = model_module.build_model(notebook)
            context = engine._context(config, notebook.path)  # noqa: SLF001 - the engine's own step
            found = []
            for rule in rules:
                with phases.timing("rules", f"  {rule.code}"):
                    findings = list(rule.check(model, context))
                with phases.timing("findings + file lines"):
                    found.extend(engine._diagnostic(rule, finding, notebook) for finding in findings)  # noqa: SLF001
            with phases.timing("suppressions"):
                list(Suppressions(notebook).filter(found))
            with phases.timing("free"):
                del notebook, model
    finally:
        gc.enable()
        model_module.parse_cell_quietly, model_module.collect = parse, collect
    return phases.times


def main() -> int:
    """Print the best time of each phase over the runs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    import dsquality.lint.engine  # noqa: F401, PLC0415 - timed: what every lint run imports

    imports = time.perf_counter() - started
    runs = [one_run(args.corpus) for _ in range(args.repeat)]
    best = {phase: min(run[phase] for run in runs) for phase in runs[0]}
    print(f"{'imports (dsquality.lint.engine)':32s} {imports:7.3f} s")
    top_level = [phase for phase in best if not phase.startswith("  ")]
    for phase in top_level:
        print(f"{phase:32s} {best[phase]:7.3f} s")
        if phase == "model (parse + facts)":
            for part in ("  parse", "  facts"):
                print(f"{part:32s} {best[part]:7.3f} s")
        if phase == "rules":
            costly = sorted((p for p in best if p.startswith("  DSQ")), key=best.__getitem__, reverse=True)
            for code in costly[:8]:
                print(f"{code:32s} {best[code]:7.3f} s")
    print(f"{'total (best of each)':32s} {sum(best[p] for p in top_level) + imports:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
