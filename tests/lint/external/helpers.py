"""Helpers for the ruff and mypy tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_raw_cell

from dsquality.lint.diagnostic import Diagnostic
from dsquality.notebook import Cell
from tests.conftest import CellSpec, build_notebook

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "notebooks"


def ipynb_line(path: Path, file_line: int) -> str:
    """The source line stored at ``file_line`` of a notebook file written with list sources."""
    text = path.read_text(encoding="utf-8").splitlines()[file_line - 1].strip().rstrip(",")
    value: Any = json.loads(text)
    assert isinstance(value, str)
    return value.rstrip("\n")


def write_with_raw(path: Path, cells: Sequence[CellSpec], raw_at: int) -> Path:
    """Write a notebook built from ``cells`` with a raw cell inserted at 1-based ``raw_at``."""
    notebook = build_notebook(cells)
    raw = new_raw_cell("raw text, not code")
    raw["id"] = "raw"
    notebook.cells.insert(raw_at - 1, raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def write_v3(path: Path, cells: list[dict[str, Any]]) -> Path:
    """Write an nbformat-3 notebook (cells in one worksheet; code cells hold ``input``)."""
    data = {
        "metadata": {"name": path.stem},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": cells, "metadata": {}}],
    }
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def v3_cells() -> list[dict[str, Any]]:
    """A heading, markdown, and two code cells (the second one unused import on its line 2)."""
    return [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Title"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Some text"]},
        {"cell_type": "code", "collapsed": False, "input": ["x = 1"], "language": "python", "metadata": {},
         "outputs": []},
        {"cell_type": "code", "collapsed": False, "input": ["y = x\n", "import os"], "language": "python",
         "metadata": {}, "outputs": []},
    ]  # fmt: skip


def assert_file_line(diagnostic: Diagnostic, cell: Cell) -> None:
    """``file_line`` holds the finding's source line (or starts the cell's one-string source)."""
    assert diagnostic.file_line is not None, diagnostic
    assert diagnostic.line is not None
    text = diagnostic.path.read_bytes().decode("utf-8-sig").splitlines()[diagnostic.file_line - 1].strip()
    if text.startswith(('"source"', '"input"')):  # the source is one string on this line
        return
    value = json.loads(text.rstrip(","))
    assert value.rstrip("\n") == cell.source.splitlines()[diagnostic.line - 1], diagnostic
