"""Running an external tool as one subprocess, with a clear error when it is missing or fails.

:func:`run_tool` never uses a shell (notebook names contain spaces, ``&`` and quotes), reads the
output as UTF-8, and turns "not installed" and "crashed" into :class:`~dsquality.errors.ToolError`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsquality.errors import ToolError

__all__ = ["MAX_COMMAND_CHARS", "ToolResult", "batched_arguments", "run_tool", "tail"]

log = logging.getLogger(__name__)

# Windows limits a command line to 32,767 characters; POSIX allows far more. Longer file lists
# are split into batches (ruff) or passed in an argument file (mypy).
MAX_COMMAND_CHARS = 30_000 if sys.platform == "win32" else 1_000_000


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool run returned: exit code and decoded output."""

    returncode: int
    stdout: str
    stderr: str


def run_tool(
    tool: str,
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    ok_codes: Collection[int] = (0,),
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> ToolResult:
    """Run ``argv`` (no shell) and return its output; ``stdin`` is sent as UTF-8 when given.

    Raises:
        ToolError: the program cannot be started, or it exits with a code outside ``ok_codes``.
    """
    log.debug("running %s: %s", tool, " ".join(argv[:12]) + (" ..." if len(argv) > 12 else ""))  # noqa: PLR2004
    full_env = {**os.environ, **env} if env is not None else None
    try:
        completed = subprocess.run(  # noqa: S603 - argv is built by dsquality, never by a shell
            list(argv),
            cwd=cwd,
            env=full_env,
            input=stdin.encode("utf-8") if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        where = f" in {cwd}" if cwd is not None else ""
        raise ToolError(tool, f"cannot be started{where} ({exc.strerror or exc}): {argv[0]}") from exc
    result = ToolResult(
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )
    if result.returncode not in ok_codes:
        raise ToolError(
            tool,
            f"exited with code {result.returncode}: {tail(result.stderr or result.stdout) or 'no output'}",
            output=result.stderr,
        )
    return result


def tail(text: str, lines: int = 3, limit: int = 500) -> str:
    """The last few non-empty lines of ``text`` on one line, for error messages."""
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    joined = " | ".join(kept)
    return joined if len(joined) <= limit else "..." + joined[-limit:]


def batched_arguments(arguments: Sequence[str], budget: int = MAX_COMMAND_CHARS) -> Iterator[list[str]]:
    """Split ``arguments`` into batches whose total length stays under ``budget`` characters."""
    batch: list[str] = []
    size = 0
    for argument in arguments:
        if batch and size + len(argument) + 1 > budget:
            yield batch
            batch, size = [], 0
        batch.append(argument)
        size += len(argument) + 1
    if batch:
        yield batch
