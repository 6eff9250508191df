"""``dsq params``: show the parameters a notebook declares in its cell tagged ``parameters``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "params"
HELP = "show the parameters a notebook declares: name, type, default, help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq params`` arguments."""
    parser.add_argument("notebook", type=Path, help="the notebook to read (it is not run)")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a table; json: the versioned dsquality-params document (default: text)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the parameter schema; return 0 (an unreadable notebook raises, exit 2)."""
    from dsquality.runs.params import ParameterSchema  # noqa: PLC0415 - keeps `dsq --help` fast

    schema = ParameterSchema.from_notebook(args.notebook)
    if args.format == "json":
        sys.stdout.write(json.dumps(schema.to_json(), indent=2, ensure_ascii=False) + "\n")
        return 0
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    if not schema.is_python:
        console.print(f"{escape(str(schema.notebook))}: a {schema.language} notebook; dsq reads Python notebooks only.")
        return 0
    if schema.cell is None:
        console.print(
            f"{escape(str(schema.notebook))}: no code cell is tagged `parameters`, so there is nothing to set; "
            "tag the cell holding the notebook's inputs `parameters`."
        )
        return 0
    table = Table(title=f"{schema.notebook}: {len(schema)} parameters (cell {schema.cell})")
    for column in ("name", "type", "default", "help"):
        table.add_column(column)
    for spec in schema:
        if spec.checked or spec.annotation is None:
            type_text = str(spec.type) if spec.annotation is not None else "untyped"
        else:
            type_text = f"{spec.annotation} (not checked)"
        if spec.required:
            default = "[bold]required[/bold]"
        else:
            default = escape(spec.default_source or "") + (" (computed)" if spec.computed else "")
        table.add_row(escape(spec.name), escape(type_text), default, escape(spec.help))
    console.print(table)
    return 0
