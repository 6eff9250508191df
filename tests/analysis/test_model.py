"""Tests for dsquality.analysis.model: the code model built once per notebook."""

from __future__ import annotations

import ast
import dataclasses
import json
import weakref
from pathlib import Path
from typing import Any

import pytest

from dsquality.analysis.facts import CellFacts, NameEvent, NameKind
from dsquality.analysis.ipython import Magic, SyntaxProblem
from dsquality.analysis.model import BUILTIN_NAMES, build_model
from dsquality.notebook import Notebook, parse_notebook

PYTHON = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
R_KERNEL = {"kernelspec": {"display_name": "R", "language": "R", "name": "ir"}, "language_info": {"name": "R"}}


def cell(cell_type: str, source: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {"cell_type": cell_type, "metadata": {"tags": list(tags)} if tags else {}, "source": source}
    if cell_type == "code":
        data.update(execution_count=None, outputs=[])
    return data


def notebook(*cells: dict[str, Any], metadata: dict[str, Any] | None = None) -> Notebook:
    data = {
        "cells": list(cells),
        "metadata": PYTHON if metadata is None else metadata,
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    return parse_notebook(json.dumps(data, indent=1).encode(), Path("model.ipynb"))


def test_code_cells_only_numbered_among_all_cells() -> None:
    model = build_model(
        notebook(
            cell("markdown", "# Title"),
            cell("code", "import pandas as pd\n%matplotlib inline"),
            cell("raw", "raw text"),
            cell("markdown", "text"),
            cell("code", "df = pd.read_csv(path)"),
        )
    )
    assert [code.index for code in model.code_cells] == [2, 5]
    first, second = model.code_cells
    assert first.cell is model.notebook.cells[1]
    assert first.magics == (Magic(2, "line", "matplotlib", "%matplotlib inline"),)
    assert first.is_python
    assert first.problem is None
    assert first.facts.names == [NameEvent("pd", NameKind.BIND, 1, 1)]
    assert [(e.kind.value, e.name) for e in second.facts.names] == [
        ("read", "pd"),
        ("read", "path"),
        ("bind", "df"),
    ]
    assert [call.func for call in second.facts.calls] == ["pd.read_csv"]


def test_by_index_and_parameters_cells() -> None:
    model = build_model(
        notebook(
            cell("markdown", "# Title", tags=("parameters",)),  # not code: never a parameters cell
            cell("code", "alpha: float = 0.5", tags=("parameters", "other")),
            cell("code", "beta = 1"),
            cell("code", "gamma = 2", tags=("parameters",)),
        )
    )
    assert sorted(model.by_index) == [2, 3, 4]
    assert model.by_index[3].cell.source == "beta = 1"
    assert model.by_index is model.by_index  # computed once
    assert [code.index for code in model.parameters_cells] == [2, 4]
    assert 1 not in model.by_index


def test_syntax_problems_and_non_python_cell_magics() -> None:
    model = build_model(
        notebook(
            cell("code", "print 'python 2'"),
            cell("code", "%%bash\necho hi"),
            cell("code", ""),
        )
    )
    broken, bash, empty = model.code_cells
    assert broken.problem is not None
    assert broken.problem.line == 1
    assert broken.parsed.tree is None
    assert broken.facts == CellFacts()
    assert broken.is_python
    assert bash.is_python is False
    assert bash.problem is None
    assert bash.facts == CellFacts()
    assert bash.magics == (Magic(1, "cell", "bash", "%%bash"),)
    assert empty.problem is None
    assert empty.parsed.tree is not None
    assert empty.facts == CellFacts()


@pytest.mark.parametrize(
    "metadata",
    [
        R_KERNEL,
        {"kernelspec": {"language": "julia", "name": "julia-1.9"}},
        {"language_info": {"name": "scala"}},
    ],
)
def test_cells_of_non_python_kernels_are_not_parsed(metadata: dict[str, Any]) -> None:
    model = build_model(notebook(cell("code", "x <- c(1, 2, 3)\nprint(x)"), cell("code", "y = 1"), metadata=metadata))
    assert len(model.code_cells) == 2
    for code in model.code_cells:
        assert code.is_python is False
        assert code.parsed.tree is None
        assert code.problem is None
        assert code.facts == CellFacts()


@pytest.mark.parametrize(
    "metadata",
    [
        PYTHON,
        {},
        {"kernelspec": {"language": "Python", "name": "python2"}},
        {"language_info": {"name": "ipython3"}},
        {"kernelspec": {"name": "conda-env-py"}},  # no language said: assume Python
    ],
)
def test_python_kernels_are_parsed(metadata: dict[str, Any]) -> None:
    model = build_model(notebook(cell("code", "y = 1"), metadata=metadata))
    assert model.code_cells[0].is_python
    assert model.code_cells[0].facts.names == [NameEvent("y", NameKind.BIND, 1, 1)]


def test_code_nested_too_deeply_to_walk_is_a_problem_not_a_crash() -> None:
    source = "x = df" + ".f()" * 700
    ast.parse(source)  # valid Python: the parser accepts it
    model = build_model(notebook(cell("code", source), cell("code", "y = 1")))
    deep, after = model.code_cells
    assert deep.problem == SyntaxProblem("code nested too deeply to analyse", 1, 1)
    assert deep.parsed.tree is None
    assert deep.facts == CellFacts()
    assert after.facts.names == [NameEvent("y", NameKind.BIND, 1, 1)]


def test_empty_notebook() -> None:
    model = build_model(notebook())
    assert model.code_cells == ()
    assert model.by_index == {}
    assert model.parameters_cells == ()


def test_builtin_names() -> None:
    assert {"print", "len", "display", "get_ipython", "In", "Out", "_", "__name__"} <= BUILTIN_NAMES
    assert "pd" not in BUILTIN_NAMES


def test_the_model_is_immutable_and_equal_only_to_itself() -> None:
    source = notebook(cell("code", "x = 1", tags=("parameters",)))
    model = build_model(source)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.code_cells = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del model.notebook
    assert model.parameters_cells == model.code_cells  # cached properties still work
    assert model != build_model(source)
    assert model == model  # noqa: PLR0124
    assert weakref.ref(model)() is model  # the dataflow caches by weak reference
    assert repr(model).startswith("NotebookModel(notebook=")


def test_cell_facts_compare_by_content() -> None:
    assert CellFacts() == CellFacts()
    facts = CellFacts()
    facts.names.append(NameEvent("x", NameKind.BIND, 1, 1))
    assert facts != CellFacts()
    assert repr(CellFacts()) == "CellFacts(names=[], imports=[], calls=[], strings=[], definitions=[])"
