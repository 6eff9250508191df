"""``dsq lint``: dsquality's notebook rules plus ruff and mypy, in one report."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

__all__ = ["HELP", "NAME", "add_arguments", "codes", "run"]

NAME = "lint"
HELP = "lint notebooks: dsquality's rules plus ruff and mypy, mapped to notebook, cell and line"

FORMATS = ("text", "json", "sarif", "github")
_REFRESH_SECONDS = 0.1


def codes(value: str) -> tuple[str, ...]:
    """Parse a comma-separated list of rule codes or prefixes."""
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq lint`` arguments."""
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks or folders (default: the project root)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("-o", "--output", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--select", type=codes, help="only these codes or prefixes (comma-separated; ALL for all)")
    parser.add_argument("--extend-select", type=codes, default=(), help="add these codes to the selection")
    parser.add_argument("--ignore", type=codes, default=(), help="skip these codes or prefixes")
    parser.add_argument("--no-ruff", action="store_true", help="do not run ruff")
    parser.add_argument("--no-mypy", action="store_true", help="do not run mypy")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes (atomic writes)")
    parser.add_argument("--diff", action="store_true", help="show what --fix would change; write nothing")
    parser.add_argument("--no-cache", action="store_true", help="analyse every notebook again")
    parser.add_argument("--jobs", type=int, default=0, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings not in this baseline")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE", help="write all current findings to FILE")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")


def run(args: argparse.Namespace) -> int:
    """Lint, print the report, and return 1 when there are findings."""
    # The rules' modules make tens of thousands of objects that live as long as the process, and
    # no garbage: collections during their import (about 2 ms of it) would find nothing to free.
    gc.disable()
    try:
        from dsquality.atomic import atomic_write_text  # noqa: PLC0415 - keeps `dsq --help` fast
        from dsquality.config import load_config  # noqa: PLC0415
        from dsquality.lint.engine import LintSettings, lint_paths  # noqa: PLC0415
        from dsquality.lint.registry import rule_infos  # noqa: PLC0415
        from dsquality.lint.selection import Selection  # noqa: PLC0415
        from dsquality.report import FORMATTERS  # noqa: PLC0415
    finally:
        gc.enable()

    paths: list[Path] = args.paths
    config = load_config(paths[0] if paths else None)
    settings = LintSettings(
        selection=Selection(args.select, args.extend_select, args.ignore),
        ruff=not args.no_ruff,
        mypy=not args.no_mypy,
        fix=args.fix,
        diff=args.diff,
        cache=not args.no_cache,
        jobs=args.jobs,
        baseline=args.baseline,
        write_baseline=args.write_baseline,
    )
    report = _with_progress(lambda progress: lint_paths(paths, config, replace(settings, progress=progress)))
    for diff in report.diffs if args.diff else ():
        sys.stderr.write(diff)
    text = FORMATTERS[args.format](report, rule_infos())
    if args.output is not None:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    if args.fix and report.fixed:
        print(f"dsq: fixed {report.fixed} notebook(s)", file=sys.stderr)
    return 1 if report.diagnostics and not args.exit_zero else 0


def _with_progress(work: Callable[[Callable[[int, int], None]], _T]) -> _T:
    """Run ``work`` with a rich progress bar on stderr, shown only on a terminal."""
    if not sys.stderr.isatty():  # CI logs and pipes: not even rich's import is worth paying for
        return work(lambda _done, _total: None)
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    console = Console(stderr=True)
    columns = (TextColumn("dsq lint"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Refreshed from the updates, not by rich's thread: linting forks workers, which is only safe
    # while no other thread runs (see dsquality.lint.parallel).
    bar = Progress(*columns, console=console, transient=True, auto_refresh=False, disable=not console.is_terminal)
    shown = [0.0]

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if (now := time.monotonic()) - shown[0] >= _REFRESH_SECONDS or done == total:
            shown[0] = now
            bar.refresh()

    with bar:
        task = bar.add_task("lint", total=None)
        return work(update)
