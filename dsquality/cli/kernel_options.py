"""Options of ``dsq run`` and ``dsq batch`` on how kernels start: ``--preload``, ``--memory-limit``, ``--no-fork``."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsquality.runs.forkserver import ForkServer

__all__ = ["add_kernel_arguments", "memory_size", "module_list", "start_fork_server"]

_PRELOAD_HELP = (
    "import these modules once, in a template process from which each run's kernel is forked (copy-on-write: "
    "every run still starts from a clean state, and no kernel is reused), e.g. --preload sklearn,pandas; "
    "{default}. Needs os.fork and an ipykernel kernel"
)


def module_list(text: str) -> list[str]:
    """``"sklearn, pandas"`` -> ``["sklearn", "pandas"]``: dotted module names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    bad = [name for name in names if not all(part.isidentifier() for part in name.split("."))]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of module names: {text!r}")
    return names


def memory_size(text: str) -> int:
    """A memory size such as ``512M`` or ``2G``, in bytes."""
    from dsquality.runs.limits import parse_bytes  # noqa: PLC0415

    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_kernel_arguments(parser: argparse.ArgumentParser, *, batch: bool) -> None:
    """Declare ``--preload`` and ``--memory-limit`` (and, for batches, ``--no-fork``)."""
    default = (
        "without it, kernels of a local batch are still forked, from a template that has imported ipykernel"
        if batch
        else "without it, the kernel starts as a new process"
    )
    parser.add_argument(
        "--preload",
        type=module_list,
        action="extend",
        default=[],
        metavar="MODULE,...",
        help=_PRELOAD_HELP.format(default=default),
    )
    parser.add_argument(
        "--memory-limit",
        type=memory_size,
        metavar="SIZE",
        help="address space each kernel may use (RLIMIT_AS), e.g. 2G or 512M; a run that needs more fails "
        "with a MemoryError (or its kernel dies) and says so",
    )
    if batch:
        parser.add_argument(
            "--no-fork",
            action="store_true",
            help="start every kernel as a new process (as papermill does) instead of forking it from a template",
        )


def start_fork_server(
    stack: contextlib.ExitStack, notebook: Path, *, kernel: str | None, preload: list[str], stderr: Path | None
) -> ForkServer | None:
    """Start the fork server for ``notebook``'s kernels (stopped when ``stack`` closes); ``None`` if not forkable.

    Raises:
        KernelStartError: ``preload`` was given but kernels cannot be forked, or the template failed to start.
    """
    from dsquality.runs.kernels import fork_server_for  # noqa: PLC0415 - imports jupyter_client

    server = fork_server_for(notebook, kernel=kernel, preload=preload, stderr=stderr)
    return stack.enter_context(server) if server is not None else None
