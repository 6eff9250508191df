"""Fixtures shared by the whole suite."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"

# A cell is "# markdown text" (a str starting with "md:") or code, optionally with tags.
CellSpec = str | tuple[str, Sequence[str]]
WriteNotebook = Callable[..., Path]


def build_notebook(cells: Sequence[CellSpec]) -> nbformat.NotebookNode:
    """A valid nbformat 4.5 notebook with a python3 kernelspec and stable cell ids."""
    built = []
    for index, spec in enumerate(cells, start=1):
        source, tags = (spec, ()) if isinstance(spec, str) else spec
        is_markdown = source.startswith("md:")
        cell = new_markdown_cell(source.removeprefix("md:")) if is_markdown else new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        cell["id"] = f"c{index}"
        built.append(cell)
    return new_notebook(
        cells=built,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )


@pytest.fixture
def write_notebook(tmp_path: Path) -> WriteNotebook:
    """Write a notebook built from cell specs to ``tmp_path / name`` and return its path."""

    def write(cells: Sequence[CellSpec], name: str = "nb.ipynb") -> Path:
        path = tmp_path / name
        nbformat.write(build_notebook(cells), path)
        return path

    return write


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this repository, built once per session (without build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-w", str(out)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("dsquality-*.whl")
    return wheel
