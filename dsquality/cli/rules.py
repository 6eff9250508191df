"""``dsq rules``: list dsquality's rules."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "rules"
HELP = "list dsquality's notebook rules (code, name, summary, default, fixable)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq rules`` arguments."""
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    """Print the rule list."""
    from dsquality.lint.registry import RULES  # noqa: PLC0415

    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "summary": rule.summary,
            "severity": rule.severity.value,
            "default": rule.default_enabled,
            "fixable": rule.fixable,
            "options": dict(rule.options),
        }
        for rule in RULES.values()
    ]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table("code", "name", "summary", "default", "fix")
    for rule in RULES.values():
        table.add_row(rule.code, rule.name, rule.summary, "on" if rule.default_enabled else "off", "yes" * rule.fixable)
    Console().print(table)
    return 0
