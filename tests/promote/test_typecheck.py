from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dsquality.analysis.model import build_model
from dsquality.config import load_config
from dsquality.errors import PromotionProblem, ToolError
from dsquality.notebook import read_notebook
from dsquality.promote.extract import extract
from dsquality.promote.generate import generate
from dsquality.promote.targets import resolve_targets
from dsquality.promote.typecheck import typecheck
from tests.conftest import CellSpec
from tests.promote.conftest import GOOD_CELLS, MakeNotebook


def check(
    make_notebook: MakeNotebook, cells: Sequence[CellSpec], *, mypy: bool, mypy_args: Sequence[str] = ()
) -> list[PromotionProblem]:
    path = make_notebook(cells)
    notebook = read_notebook(path)
    config = load_config(path)
    targets = resolve_targets(notebook, config, module=Path("pkg/stats.py"))
    assert targets is not None
    generated = generate(extract(build_model(notebook)), targets, config.relative(path))
    return typecheck(generated, path, root=targets.root, mypy=mypy, mypy_args=mypy_args)


def where(problems: list[PromotionProblem]) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(problem.kind, problem.cell, problem.line, problem.column) for problem in problems]


def test_ruff_checks_module_and_tests_with_the_project_rules(make_notebook: MakeNotebook, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n[tool.ruff.lint]\nselect = ["F", "E711", "SIM300"]\n',
        encoding="utf-8",
    )
    cells: list[CellSpec] = [
        "md:# T",  # cell 1
        ("def f(x: int) -> int:\n    unused = x\n    return x", ["export"]),  # cell 2
        ("# compares\nassert None == f(1) or 2 == f(2)", ["test"]),  # cell 3
    ]
    problems = check(make_notebook, cells, mypy=False)
    assert where(problems) == [("ruff", 2, 2, 5), ("ruff", 3, 2, 8), ("ruff", 3, 2, 8), ("ruff", 3, 2, 24)]
    codes = [problem.message.split(":")[0] for problem in problems]
    assert codes == ["ruff F841", "ruff E711", "ruff SIM300", "ruff SIM300"]


def test_findings_on_lines_dsquality_wrote_name_the_generated_line(make_notebook: MakeNotebook, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n[tool.ruff]\nline-length = 60\n\n'
        '[tool.ruff.lint]\nselect = ["E501"]\n',
        encoding="utf-8",
    )
    problems = check(make_notebook, [("X = 1", ["export"])], mypy=False)
    assert problems
    assert all(problem.cell is None for problem in problems)
    assert problems[0].message.startswith("ruff E501: Line too long")
    assert problems[0].message.endswith("(in pkg/stats.py, line 1, a line dsquality wrote)")  # the header
    assert problems[1].message.endswith("(in pkg/stats.py, line 4, a line dsquality wrote)")  # the docstring


@pytest.mark.slow
def test_mypy_strict_findings_are_mapped_to_cells(make_notebook: MakeNotebook, mypy_cache: Path) -> None:
    cells: list[CellSpec] = [
        "md:# T",  # cell 1
        ("def half(x: int) -> int:\n    return x / 2", ["export"]),  # cell 2
        ("def untyped(x):\n    return x", ["export"]),  # cell 3
        ("def half(x: float) -> float:  # noqa: F811\n    return x / 2", ["export"]),  # cell 4
    ]
    problems = check(make_notebook, cells, mypy=True, mypy_args=["--cache-dir", str(mypy_cache)])
    mypy = [problem for problem in problems if problem.kind == "mypy"]
    assert where(mypy) == [("mypy", 2, 2, 12), ("mypy", 3, 1, 1), ("mypy", 4, 1, 1)]
    assert mypy[0].message == ('mypy [return-value]: Incompatible return value type (got "float", expected "int")')
    assert mypy[1].message.startswith("mypy [no-untyped-def]: Function is missing a type annotation")
    assert mypy[2].message == 'mypy [no-redef]: Name "half" already defined in cell 2, line 1'


@pytest.mark.slow
def test_a_clean_module_passes_mypy_strict(make_notebook: MakeNotebook, mypy_cache: Path) -> None:
    assert check(make_notebook, GOOD_CELLS, mypy=True, mypy_args=["--cache-dir", str(mypy_cache)]) == []


@pytest.mark.slow
def test_mypy_failing_to_run_is_a_tool_error(make_notebook: MakeNotebook) -> None:
    with pytest.raises(ToolError, match="mypy: exited with code 2"):
        check(make_notebook, GOOD_CELLS, mypy=True, mypy_args=["--no-such-option"])
