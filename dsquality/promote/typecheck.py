"""ruff and ``mypy --strict`` over the generated files, with findings in notebook terms.

- **ruff** checks the module and the tests through stdin, as the files they will be, so the
  project's rules and per-file ignores apply (the generated text is what ``ruff check`` sees
  later in CI).
- **mypy** checks the module with ``--strict`` (plus ``--follow-imports=silent``: the module's
  imports give types, their own errors are not the notebook's). It runs in the project root, so
  the project's mypy configuration applies and the module's imports resolve as they will in the
  project; the text is written to a temporary file with a unique module name (mypy needs a file).

Every finding becomes a :class:`~dsquality.errors.PromotionProblem` at the notebook cell and line
it comes from (see :mod:`.positions`); mypy's "defined on line 12" cites ``cell N, line M``.
Findings on lines dsquality wrote (the docstring, ``__all__``) have no cell and name the line of
the generated file instead.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsquality.errors import PromotionProblem, ToolError
from dsquality.lint.external.mapping import module_name
from dsquality.lint.external.mypy import _LINE_REFERENCE, OUTPUT_ARGS, _integer, _message, _records
from dsquality.lint.external.process import run_tool, tail
from dsquality.lint.external.ruff import _code, _position
from dsquality.promote.generate import Generated, GeneratedFile
from dsquality.promote.positions import PositionMap
from dsquality.promote.tools import ruff_check

__all__ = ["MYPY_ARGS", "typecheck"]

MYPY_ARGS: tuple[str, ...] = ("--strict", "--follow-imports=silent")


def typecheck(
    generated: Generated,
    notebook: Path,
    *,
    root: Path,
    mypy: bool = True,
    mypy_args: Sequence[str] = (),
) -> list[PromotionProblem]:
    """Check every generated file with ruff, and the module with mypy; findings mapped to the notebook.

    ``mypy_args`` come after :data:`MYPY_ARGS` (e.g. ``--cache-dir``).

    Raises:
        ToolError: ruff or mypy is missing, or fails without producing findings.
    """
    problems: list[PromotionProblem] = []
    for file in generated.files:
        positions = file.positions()
        for record in ruff_check(file.text, file.path, cwd=root):
            row, column = _position(record.get("location"))
            message = record.get("message")
            text = f"ruff {_code(record)}: {message if isinstance(message, str) else ''}".rstrip(": ")
            problems.append(_problem(notebook, file, positions, text, line=row, column=column, kind="ruff"))
    if mypy:
        problems += _run_mypy(generated.module, notebook, root, mypy_args)
    return problems


def _problem(
    notebook: Path,
    file: GeneratedFile,
    positions: PositionMap,
    message: str,
    *,
    line: int | None,
    column: int | None,
    kind: str,
) -> PromotionProblem:
    where = positions.locate(line, column) if line is not None else None
    if where is None:
        at = f", line {line}" if line is not None else ""
        return PromotionProblem(notebook, f"{message} (in {file.key}{at}, a line dsquality wrote)", kind=kind)
    return PromotionProblem(notebook, message, cell=where.cell, line=where.line, column=where.column, kind=kind)


def _run_mypy(module: GeneratedFile, notebook: Path, root: Path, args: Sequence[str]) -> list[PromotionProblem]:
    if importlib.util.find_spec("mypy") is None:
        raise ToolError(
            "mypy",
            f"is not installed in this Python environment ({sys.executable})",
            hint="Install it with 'pip install mypy', or promote with --no-typecheck.",
        )
    name = module_name(module.path)
    with tempfile.TemporaryDirectory(prefix="dsq-promote-") as tmp:
        path = Path(tmp) / f"{name}.py"
        path.write_text(module.text, encoding="utf-8")
        argv = [sys.executable, "-m", "mypy", *MYPY_ARGS, *args, *OUTPUT_ARGS, "--", str(path)]
        env = {"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
        result = run_tool("mypy", argv, cwd=root, ok_codes=(0, 1, 2), env=env)
    records = [record for record in _records(result.stdout) if Path(str(record["file"])).stem == name]
    if result.returncode == 2 and not records:  # noqa: PLR2004 - mypy's exit code for a crash or a bad option
        raise ToolError("mypy", f"exited with code 2: {tail(result.stderr or result.stdout)}", output=result.stderr)
    positions = module.positions()
    problems = []
    for record in records:
        if record.get("severity") != "error":
            continue  # notes that belong to an error come as its hint
        problems.append(_mypy_problem(notebook, module, positions, record))
    return problems


def _mypy_problem(
    notebook: Path, module: GeneratedFile, positions: PositionMap, record: Mapping[str, Any]
) -> PromotionProblem:
    code = record.get("code") or "misc"
    message = _LINE_REFERENCE.sub(lambda match: _cited(positions, module, match), _message(record))
    line = _integer(record.get("line"))
    column = _integer(record.get("column"))
    return _problem(
        notebook,
        module,
        positions,
        f"mypy [{code}]: {message}",
        line=line if line is not None and line > 0 else None,
        column=column + 1 if column is not None and column >= 0 else None,
        kind="mypy",
    )


def _cited(positions: PositionMap, module: GeneratedFile, match: re.Match[str]) -> str:
    """``on line 57`` of the generated module as ``in cell 12, line 3`` of the notebook."""
    where = positions.locate(int(match["line"]))
    if where is None:
        return f"{match.group(0)} of {module.key}"
    return f"{'in ' if match['on'] else ''}cell {where.cell}, line {where.line}"
