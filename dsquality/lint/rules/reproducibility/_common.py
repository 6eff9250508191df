"""Helpers shared by the reproducibility rules: source columns and one-line quotes."""

from __future__ import annotations

import re

from dsquality.analysis.model import CodeCell

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SPACES = re.compile(r"\s+")
_MAX_QUOTE = 80


def _column(code: CodeCell, line: int, column: int) -> int:
    """A column of the cell's source, for a column of its Python translation (``%time x`` loses 6)."""
    return column + code.parsed.python.column_shift.get(line, 0)


def _indent_column(code: CodeCell, line: int) -> int:
    lines = code.cell.lines
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text) - len(text.lstrip()) + 1


def _quote(text: str, limit: int = _MAX_QUOTE) -> str:
    """``text`` on one line, without terminal colours, cut to ``limit`` characters."""
    flat = _SPACES.sub(" ", _ANSI.sub("", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
