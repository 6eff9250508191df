"""``dsq clean``: strip outputs, execution counts and volatile metadata from notebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "clean"
HELP = "strip outputs, execution counts and volatile metadata (atomic; clean files are left untouched)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq clean`` arguments."""
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks or folders (default: the project root)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 listing what would change")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args: argparse.Namespace) -> int:
    """Clean (or check) every notebook; one bad file does not stop the others."""
    from dsquality.clean import CleanOptions, clean_notebooks  # noqa: PLC0415 - keeps `dsq --help` fast
    from dsquality.config import load_config  # noqa: PLC0415
    from dsquality.discover import find_notebooks  # noqa: PLC0415

    paths: list[Path] = args.paths
    config = load_config(paths[0] if paths else None)
    results = clean_notebooks(find_notebooks(paths, config), CleanOptions.from_config(config), check=args.check)
    for result in results:
        if result.error is not None:
            print(f"dsq: error: {result.error}", file=sys.stderr)
        elif result.changes and not args.quiet:
            verb = "would clean" if args.check else "cleaned"
            print(f"{verb} {result.path}: " + "; ".join(result.changes))
    changed = sum(1 for result in results if result.changes and result.error is None)
    failed = sum(1 for result in results if result.error is not None)
    if not args.quiet:
        done = "would be cleaned" if args.check else "cleaned"
        print(f"{len(results)} notebooks checked, {changed} {done}, {failed} with errors.", file=sys.stderr)
    if failed or (args.check and changed):
        return 1
    return 0
