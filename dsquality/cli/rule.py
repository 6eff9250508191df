"""``dsq rule CODE``: explain one rule."""

from __future__ import annotations

import argparse
import sys

from dsquality.errors import DSQualityError

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "rule"
HELP = "explain one rule: what it does, why it matters, an example and the fix"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq rule`` arguments."""
    parser.add_argument("code", help="a rule code such as DSQ103, or its name such as use-before-define")


def run(args: argparse.Namespace) -> int:
    """Print the rule's documentation as Markdown."""
    from dsquality.docs import rule_markdown  # noqa: PLC0415
    from dsquality.lint.registry import RULES  # noqa: PLC0415

    wanted = args.code.strip()
    for rule in RULES.values():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            sys.stdout.write(rule_markdown(rule))
            return 0
    import difflib  # noqa: PLC0415

    names = [*RULES, *(rule.name for rule in RULES.values())]
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f"Did you mean '{close[0]}'?" if close else "Run 'dsq rules' to list them."
    raise DSQualityError(f"there is no rule '{wanted}'.", hint=hint)
