"""``dsq check``: the whole quality gate (lint, params, promote --check, smoke runs) with a summary table."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dsquality.cli.arguments import seconds

if TYPE_CHECKING:  # imported lazily at run time, to keep `dsq --help` fast
    from rich.console import Console
    from rich.table import Table

    from dsquality.check import CheckReport, CheckSettings, Step
    from dsquality.config import Config

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "check"
HELP = "the whole quality gate: lint (with ruff and mypy), parameters, promote --check, and --execute smoke runs"

_SEVERITIES = ("error", "warning", "info")
_LOG_WIDTH = 160


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq check`` arguments."""
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks or folders (default: the project's notebooks)")
    parser.add_argument(
        "--execute",
        action="store_true",
        help="also run every runnable notebook headlessly with its default parameters (a smoke run)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=600.0,
        metavar="SECONDS",
        help="wall-clock limit for one notebook's smoke run, kernel start included (default: 600)",
    )
    parser.add_argument("--kernel", help="kernel for the smoke runs (default: each notebook's kernelspec)")
    parser.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="keep the executed notebooks here (default: a temporary folder, removed afterwards)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: findings and a summary table; json: the versioned dsquality-check document (default: text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=_SEVERITIES,
        default="info",
        help="the mildest lint severity that fails the gate (default: info, i.e. every finding, as dsq lint)",
    )
    parser.add_argument("--no-ruff", action="store_true", help="do not run ruff")
    parser.add_argument("--no-mypy", action="store_true", help="do not run mypy")
    parser.add_argument("--no-cache", action="store_true", help="lint every notebook again")


def run(args: argparse.Namespace) -> int:
    """Run the gate, print the findings and the summary table; 1 when any notebook fails."""
    from rich.console import Console  # noqa: PLC0415 - keeps `dsq --help` fast

    from dsquality.check import CheckSettings  # noqa: PLC0415
    from dsquality.config import load_config  # noqa: PLC0415
    from dsquality.lint.diagnostic import Severity  # noqa: PLC0415

    paths: list[Path] = args.paths
    config = load_config(paths[0] if paths else None)
    settings = CheckSettings(
        ruff=not args.no_ruff,
        mypy=not args.no_mypy,
        cache=not args.no_cache,
        execute=args.execute,
        timeout=args.timeout,
        kernel=args.kernel,
        output_dir=args.output_dir,
        fail_on=Severity(args.fail_on),
    )
    errors = Console(stderr=True)
    report = _with_progress(paths, config, settings, errors)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        _print_text(report)
    return 0 if report.ok else 1


def _with_progress(paths: list[Path], config: Config, settings: CheckSettings, console: Console) -> CheckReport:
    """``check_paths`` with a rich progress bar on stderr (shown only on a terminal)."""
    from dataclasses import replace  # noqa: PLC0415

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    from dsquality.check import CheckProgress, check_paths  # noqa: PLC0415

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("dsq check", total=None)

        def show(update: CheckProgress) -> None:
            current = f": {update.notebook}" if update.notebook is not None else ""
            bar.update(task, completed=update.done, total=update.total, description=f"{update.phase}{current}")

        return check_paths(paths, config, replace(settings, progress=show))


def _print_text(report: CheckReport) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415

    from dsquality.lint.diagnostic import LintReport  # noqa: PLC0415
    from dsquality.report.text import format_text  # noqa: PLC0415

    out = Console(highlight=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:  # CI logs and pipes: room for the table
        out = Console(highlight=False, width=_LOG_WIDTH)
    lint = LintReport(report.diagnostics, len(report.notebooks))
    sys.stdout.write(format_text(lint, {}))
    for notebook in report.notebooks:
        for step_name, step in (("params", notebook.params), ("promoted", notebook.promoted)):
            if step.failed:
                out.print(f"{escape(str(notebook.path))}: {step_name}: {escape(step.detail)}", soft_wrap=True)
        if notebook.executed.failed:
            out.print(f"{escape(str(notebook.path))}: executed: {escape(notebook.executed.detail)}", soft_wrap=True)
    out.print(_table(report))
    failed = len(report.failed)
    total = len(report.notebooks)
    noun = "notebook" if total == 1 else "notebooks"
    verdict = "[green]passed[/green]" if report.ok else f"[red]{failed} failed[/red]"
    executed = "" if report.executed else " (no smoke runs: add --execute)"
    out.print(f"dsq check: {total} {noun}, {verdict} in {report.duration:.1f} s{executed}.")


def _table(report: CheckReport) -> Table:
    from rich.table import Table  # noqa: PLC0415

    from dsquality.lint.diagnostic import Severity  # noqa: PLC0415

    table = Table(title="dsq check")
    table.add_column("notebook", overflow="fold")
    for severity in _SEVERITIES:
        table.add_column(severity, justify="right", no_wrap=True)
    for column in ("params", "promoted", "executed"):
        table.add_column(column, no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for notebook in report.notebooks:
        counts = notebook.lint_counts()
        failing = {d.severity for d in notebook.failing_findings}
        cells = [
            f"[red]{counts[severity]}[/red]" if severity in failing else str(counts[severity])
            for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        ]
        table.add_row(
            str(notebook.path),
            *cells,
            _status(notebook.params),
            _status(notebook.promoted),
            _status(notebook.executed),
            f"{notebook.duration:.1f}s",
            "[green]ok[/green]" if notebook.ok else "[red]FAILED[/red]",
        )
    return table


def _status(step: Step) -> str:
    return {"passed": "[green]ok[/green]", "failed": "[red]failed[/red]", "skipped": "-"}[step.status.value]
