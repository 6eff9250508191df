"""``dsq run``: execute a notebook headlessly and show what it recorded."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "run"
HELP = "execute a notebook headlessly (papermill) and print the values it recorded"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq run`` arguments."""
    parser.add_argument("notebook", type=Path, help="the notebook to run")
    parser.add_argument(
        "output",
        type=Path,
        nargs="?",
        help="where to save the executed notebook (default: .dsq/runs/NAME.ipynb)",
    )
    parser.add_argument("--cwd", type=Path, help="working directory of the kernel (default: the notebook's folder)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit for each cell")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec)")


def run(args: argparse.Namespace) -> int:
    """Run the notebook, print its recorded values, return 0 (a failing cell raises, exit 1)."""
    from dsquality.runs.execute import execute_notebook  # noqa: PLC0415 - keeps `dsq --help` fast

    notebook: Path = args.notebook
    output: Path = args.output or Path(".dsq", "runs", notebook.name)
    console = Console(stderr=True)
    with console.status(f"Running {notebook} …"):
        result = execute_notebook(notebook, output, cwd=args.cwd, timeout=args.timeout, kernel=args.kernel)
    table = Table(title=f"{notebook} ran in {result.duration:.1f} s; saved to {result.output}")
    table.add_column("recorded")
    table.add_column("value")
    for name, value in result.records.items():
        table.add_row(name, _format_value(value))
    Console().print(table)
    return 0


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if not isinstance(value, str) else value
