"""Entry point of ``dsq``: the parser, the explicit registry of subcommands, and dispatch."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from dsquality import __version__
from dsquality.cli import batch, check, clean, lint, new, params, profile, promote, rule, rules, run
from dsquality.cli.command import Command
from dsquality.cli.handler import handle_errors

__all__ = ["COMMANDS", "build_parser", "entry", "main"]

# Commands that leave nothing to clean up at exit (no kernels, pools, clusters or temporary
# folders): after them the process ends without tearing the interpreter down (see ``entry``).
_QUICK_EXIT = frozenset({"lint", "clean", "rules", "rule"})

# One explicit dict: adding a subcommand means adding its module here.
COMMANDS: dict[str, Command] = {
    batch.NAME: batch,
    check.NAME: check,
    clean.NAME: clean,
    lint.NAME: lint,
    new.NAME: new,
    params.NAME: params,
    profile.NAME: profile,
    promote.NAME: promote,
    rules.NAME: rules,
    rule.NAME: rule,
    run.NAME: run,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the ``dsq`` parser with one sub-parser per registered subcommand.

    With ``only``, only that subcommand is declared: ``only`` is the command ``argv`` names, and
    declaring every command costs more than a small lint run's discovery.
    """
    parser = argparse.ArgumentParser(
        prog="dsq",
        description="dsquality: quality checks for notebook-based data science.",
    )
    parser.add_argument("--version", action="version", version=f"dsq {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeat for debug output)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, command in COMMANDS.items():
        if only is None or name == only:
            command.add_arguments(subparsers.add_parser(name, help=command.HELP, description=command.HELP))
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option (``dsq -v lint …``)."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dsq`` with ``argv`` (default: the process arguments) and return the exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_command_name(arguments))
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    command = COMMANDS[args.command]
    return handle_errors(lambda: command.run(args))


def entry() -> NoReturn:
    """The ``dsq`` program (console script and ``python -m dsquality``): :func:`main`, then exit.

    After a command in ``_QUICK_EXIT`` (and while no other thread runs) the process ends at once,
    once logs and output are flushed, instead of freeing every module and object one by one:
    that teardown takes about as long as linting 20 notebooks, and the operating system
    reclaims the memory anyway.
    """
    code = main()
    arguments = sys.argv[1:]
    if _command_name(arguments) in _QUICK_EXIT and threading.active_count() == 1:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (``dsq lint | head``)
                stream.flush()
        os._exit(code)
    sys.exit(code)
