"""A small project to promote into: pyproject.toml, a package, and notebooks built from cell specs."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.conftest import CellSpec, build_notebook

MakeNotebook = Callable[..., Path]

# A notebook that promotes cleanly: title, imports, two exported cells, exploration, two tests.
GOOD_CELLS: list[CellSpec] = [
    "md:# Text statistics",
    "import math\nimport statistics\nfrom collections import Counter",
    (
        (
            "# dsq: export\n"
            "SCALE: float = 2.0\n"
            "\n"
            "\n"
            "def mean_length(words: list[str]) -> float:\n"
            '    """Mean word length."""\n'
            "    return statistics.fmean(len(w) for w in words) * SCALE / 2\n"
        ),
        (),
    ),
    (
        "def top(words: list[str], n: int = 1) -> list[tuple[str, int]]:\n    return Counter(words).most_common(n)",
        ["export"],
    ),
    "words = ['a', 'bb', 'ccc']\nmean_length(words)",
    ("# mean of a and bcd\nassert mean_length(['a', 'bcd']) == 2.0\nassert math.isclose(SCALE, 2.0)", ["test"]),
    ("assert top(['x', 'y', 'x']) == [('x', 2)]", ["test"]),
    "md:Done.",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project (pyproject.toml and a package ``pkg``) that is also the current directory."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n', encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def make_notebook(project: Path) -> MakeNotebook:
    """Write a notebook built from cell specs into the project; ``metadata`` is merged into its metadata."""

    def make(cells: Sequence[CellSpec], name: str = "nb.ipynb", metadata: dict[str, Any] | None = None) -> Path:
        built = build_notebook(cells)
        built.metadata.update(metadata or {})
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(built, path)
        return path

    return make


def set_source(path: Path, cell: int, source: str) -> None:
    """Replace the source of ``cell`` (1-based among all cells) in the notebook file, like an editor would."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"][cell - 1]["source"] = source
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the session: typeshed is analysed once, not once per test."""
    return tmp_path_factory.mktemp("promote-mypy-cache")
