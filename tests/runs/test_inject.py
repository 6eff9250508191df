"""The injected-parameters cell: typed Python literals, placed where papermill places its cell."""

from __future__ import annotations

import math
import pathlib
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from papermill.engines import Engine, papermill_engines

from dsquality.runs.inject import ENGINE_NAME, Injection, injected_source, injecting_engine, python_literal
from tests.conftest import build_notebook

BUILTINS = {"float": float, "complex": complex, "set": set, "frozenset": frozenset}


def evaluate(source: str) -> object:
    return eval(source, {"pathlib": pathlib, "__builtins__": BUILTINS})  # noqa: S307 - our own literals


def same(a: object, b: object) -> bool:
    """Equal, of the same type, item by item (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex) and isinstance(b, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return a == b


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.complex_numbers(allow_nan=True)
    | st.text()
    | st.binary(max_size=8)
    | st.text(min_size=1).map(Path)
)
hashable = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(hashable, inner, max_size=4)
        | st.frozensets(hashable, max_size=4)
        | st.sets(hashable, max_size=4)
    ),
    max_leaves=12,
)


@given(values)
def test_python_literal_round_trips_every_value_with_its_type(value: object) -> None:
    assert same(evaluate(python_literal(value)), value)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (Path("data/train.csv"), "pathlib.Path('data/train.csv')"),
        (PurePosixPath("a"), "pathlib.PurePosixPath('a')"),
        ((1,), "(1,)"),
        ((), "()"),
        ({3, 1, 2}, "{1, 2, 3}"),  # sorted: the same cell for the same values
        (set(), "set()"),
        (frozenset({"b", "a"}), "frozenset({'a', 'b'})"),
        (frozenset(), "frozenset()"),
        (float("nan"), "float('nan')"),
        (float("-inf"), "float('-inf')"),
        ('it\'s "quoted" \\ é\n', "'it\\'s \"quoted\" \\\\ é\\n'"),
        ({"a": [Path("x")], 1: None}, "{'a': [pathlib.Path('x')], 1: None}"),
    ],
)
def test_python_literal_examples(value: object, literal: str) -> None:
    assert python_literal(value) == literal


def test_python_literal_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="a object cannot be written as a Python literal"):
        python_literal(object())


def test_injected_source_imports_pathlib_only_when_needed() -> None:
    assert injected_source({"alpha": 0.5, "name": "007"}) == "# Parameters\nalpha = 0.5\nname = '007'\n"
    assert injected_source({"paths": {"train": [Path("a")]}}) == (
        "# Parameters\nimport pathlib\npaths = {'train': [pathlib.Path('a')]}\n"
    )


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stop papermill's engine before it starts a kernel; keep the notebook it would have run."""
    seen: list[Any] = []

    def execute_notebook(cls: type, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
        seen.append((nb, kernel_name, kwargs))
        return nb

    monkeypatch.setattr(Engine, "execute_notebook", classmethod(execute_notebook))
    return seen


def run_engine(nb: Any, injection: Injection | None, kernel: str = "python3") -> Any:
    engine = papermill_engines.get_engine(injecting_engine())
    return engine.execute_notebook(nb, kernel, injection=injection, output_path="x.ipynb")


def test_engine_is_registered_once_under_its_name() -> None:
    assert injecting_engine() == ENGINE_NAME
    assert injecting_engine() == ENGINE_NAME
    assert papermill_engines.get_engine(ENGINE_NAME).__name__ == "InjectingEngine"


def test_engine_inserts_the_cell_after_the_parameters_cell(captured: list[Any]) -> None:
    nb = build_notebook(["import x", ("a: int = 1", ["parameters"]), "print(a)"])
    run_engine(nb, Injection({"a": 2, "p": Path("d")}))
    ((ran, kernel, kwargs),) = captured
    assert kernel == "python3"
    assert kwargs == {"output_path": "x.ipynb"}  # `injection` does not reach nbclient
    assert [cell.source for cell in ran.cells] == [
        "import x",
        "a: int = 1",
        "# Parameters\nimport pathlib\na = 2\np = pathlib.Path('d')\n",
        "print(a)",
    ]
    assert ran.cells[2].metadata["tags"] == ["injected-parameters"]
    assert ran.metadata["papermill"]["parameters"] == {"a": 2, "p": "d"}
    nbformat.validate(ran)


def test_engine_replaces_an_earlier_injected_cell_or_injects_at_the_top(captured: list[Any]) -> None:
    nb = build_notebook([("a = 1", ["parameters"]), ("a = 5", ["injected-parameters"]), "print(a)"])
    run_engine(nb, Injection({"a": 2}))
    assert [cell.source for cell in nb.cells] == ["a = 1", "# Parameters\na = 2\n", "print(a)"]
    top = build_notebook(["print(a)"])
    run_engine(top, Injection({"a": 2}))
    assert [cell.source for cell in top.cells] == ["# Parameters\na = 2\n", "print(a)"]
    assert len(captured) == 2


def test_engine_skips_markdown_cells_tagged_parameters(captured: list[Any]) -> None:
    nb = build_notebook([("md:## Parameters", ["parameters"]), ("a = 1", ["parameters"]), "print(a)"])
    run_engine(nb, Injection({"a": 2}))
    assert [cell.source for cell in nb.cells] == ["## Parameters", "a = 1", "# Parameters\na = 2\n", "print(a)"]


def test_engine_without_values_leaves_the_notebook_alone(captured: list[Any]) -> None:
    nb = build_notebook([("a = 1", ["parameters"])])
    run_engine(nb, Injection({}))
    run_engine(nb, None)
    assert [cell.source for cell in nb.cells] == ["a = 1"]
    assert len(captured) == 2


def test_engine_uses_papermills_translator_for_other_languages(captured: list[Any]) -> None:
    nb = build_notebook([("alpha <- 1", ["parameters"])])
    run_engine(nb, Injection({"alpha": 0.5, "name": "x", "flag": True}, language="R"), kernel="ir")
    assert nb.cells[1].source == '# Parameters\nalpha = 0.5\nname = "x"\nflag = TRUE\n'
    assert len(captured) == 1
