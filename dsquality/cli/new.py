"""``dsq new``: create a notebook from a template, or list the templates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsquality.templates import Template

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "new"
HELP = "create a notebook from a template (never overwriting a file); --list shows the templates"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq new`` arguments."""
    parser.add_argument("template", nargs="?", help="template name (see --list)")
    parser.add_argument("path", nargs="?", type=Path, help="notebook to create (.ipynb is added if missing)")
    parser.add_argument("-l", "--list", action="store_true", help="list the templates and exit")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="with --list: a table, or JSON [{name, title, description}] (default: text)",
    )
    parser.add_argument("--kernel", help="kernel name for the new notebook (default: the template's, else python3)")


def run(args: argparse.Namespace) -> int:
    """List templates (exit 0), or create the notebook (exit 0; an existing file or unknown template: exit 2)."""
    from dsquality.config import load_config  # noqa: PLC0415 - keeps `dsq --help` fast
    from dsquality.templates import create_notebook, find_template, list_templates, template_dirs  # noqa: PLC0415

    dirs = template_dirs(load_config().template_dirs)
    if args.list:
        return _print_list(list_templates(dirs), args.format)
    if args.template is None or args.path is None:
        print("dsq new: give a TEMPLATE and a PATH (or --list to see the templates)", file=sys.stderr)
        return 2
    template = find_template(args.template, dirs)
    created = create_notebook(template, args.path, kernel=args.kernel)
    print(f"Created {created} from the template '{template.name}' ({template.title}).")
    return 0


def _print_list(templates: list[Template], output_format: str) -> int:
    if output_format == "json":
        sys.stdout.write(json.dumps([template.summary() for template in templates], indent=2) + "\n")
        return 0
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    if not templates:
        print("No templates found.")
        return 0
    table = Table(title="Notebook templates (dsq new TEMPLATE PATH)")
    for column in ("name", "title", "description"):
        table.add_column(column)
    for template in templates:
        table.add_row(escape(template.name), escape(template.title), escape(template.description))
    Console().print(table)
    return 0
