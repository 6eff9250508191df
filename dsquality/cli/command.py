"""The shape every subcommand module has."""

from __future__ import annotations

import argparse
from typing import Protocol

__all__ = ["Command"]


class Command(Protocol):
    """A subcommand: a module with a name, a one-line help, its arguments and a ``run``."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the subcommand's arguments on its own parser."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work and return the exit code."""
