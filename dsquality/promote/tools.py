"""ruff over generated source text, through stdin: sort imports, format, check.

Generated files are never written to a temporary place for ruff: the text goes to ruff on stdin
with ``--stdin-filename`` set to the file's real path, so ruff applies the configuration (line
length, isort sections, per-file ignores) that applies to that file in the project. That makes
the output exactly what ``ruff check`` and ``ruff format --check`` expect of the file later.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from dsquality.errors import ToolError
from dsquality.lint.external.process import ToolResult, run_tool
from dsquality.lint.external.ruff import find_ruff

__all__ = ["format_source", "pipe", "ruff_check"]


def pipe(
    tool: str,
    argv: Sequence[str],
    text: str,
    *,
    cwd: Path | None = None,
    ok_codes: Collection[int] = (0,),
) -> ToolResult:
    """Run ``argv`` (no shell) with ``text`` on stdin, as UTF-8, and return its output.

    Raises:
        ToolError: the program cannot be started, or it exits with a code outside ``ok_codes``.
    """
    return run_tool(tool, argv, cwd=cwd, ok_codes=ok_codes, stdin=text)


def _ruff() -> str:
    try:
        return find_ruff()
    except ToolError as exc:
        raise ToolError(
            "ruff",
            exc.reason,
            hint="Install it with 'pip install ruff': dsq promote formats and checks what it generates with ruff.",
        ) from exc


def format_source(text: str, filename: Path, *, cwd: Path | None = None) -> str:
    """``text`` with its imports sorted (ruff's isort, rule I001) and then formatted by ``ruff format``.

    ``filename`` is where the text will live: ruff uses the configuration that applies there.

    Raises:
        ToolError: ruff is missing or fails.
    """
    ruff = _ruff()
    common = ["--no-cache", "--quiet", "--stdin-filename", str(filename), "-"]
    fix = [ruff, "check", "--select", "I001", "--fix", "--exit-zero", *common]
    sorted_imports = pipe("ruff", fix, text, cwd=cwd).stdout
    return pipe("ruff", [ruff, "format", *common], sorted_imports, cwd=cwd).stdout


def ruff_check(text: str, filename: Path, *, cwd: Path | None = None) -> list[dict[str, Any]]:
    """The findings (ruff's JSON records) for ``text`` as if it were ``filename``, with the project's rules.

    Raises:
        ToolError: ruff is missing or fails, or prints something that is not JSON.
    """
    argv = [_ruff(), "check", "--output-format", "json", "--exit-zero", "--no-fix", "--no-cache"]
    result = pipe("ruff", [*argv, "--stdin-filename", str(filename), "-"], text, cwd=cwd)
    try:
        records = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ToolError("ruff", f"printed output that is not JSON ({exc.msg})", output=result.stderr) from exc
    if not isinstance(records, list):
        raise ToolError("ruff", "printed JSON that is not a list of findings", output=result.stderr)
    return [record for record in records if isinstance(record, dict)]
