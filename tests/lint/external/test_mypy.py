from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from dsquality.analysis.ipython import ParsedCell, PythonSource, parse_cell
from dsquality.errors import ToolError
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.lint.external import mypy as mypy_module
from dsquality.lint.external.mypy import NOTEBOOK_DEFAULT_ARGS, run_mypy
from dsquality.lint.external.process import ToolResult
from tests.conftest import WriteNotebook
from tests.lint.external.helpers import CORPUS, assert_file_line, ipynb_line, v3_cells, write_v3, write_with_raw

DEF_F = "def f(a: int) -> int:\n    return a"
OVERLOADS = (
    "from typing import overload\n@overload\ndef h(x: int) -> int: ...\n@overload\ndef h(x: str) -> str: ...\n"
    "def h(x: object) -> object:\n    return x"
)
PYTHON_2_CELL = (
    "import math as m, os\nfrom sys import (path,\n  argv)\nprint 'py2'\ntotal = 1\nfor i, j in []: pass\n"
    "def helper(): pass\nclass Thing: pass"
)


RunMypy = Callable[..., list[Diagnostic]]


@pytest.fixture
def mypy(mypy_cache: Path, tmp_path: Path) -> RunMypy:
    """run_mypy in tmp_path (no configuration there) with the session's cache."""

    def run(paths: Sequence[Path], *, strict: bool = False, args: Sequence[str] = ()) -> list[Diagnostic]:
        return run_mypy(paths, strict=strict, args=["--cache-dir", str(mypy_cache), *args], cwd=tmp_path)

    return run


def where(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(d.code, d.cell, d.line, d.column) for d in diagnostics]


def test_cells_are_numbered_among_all_cells(mypy: RunMypy, tmp_path: Path) -> None:
    # cells: markdown 1, code 2, raw 3, markdown 4, code 5
    path = write_with_raw(tmp_path / "nb.ipynb", ["md:# Title", DEF_F, "md:text", "x = 1\nf('s')"], raw_at=3)
    (finding,) = mypy([path])
    assert where([finding]) == [("arg-type", 5, 2, 3)]
    assert (finding.end_line, finding.end_column) == (2, 6)  # 1-based, exclusive: the 3 characters of 's'
    assert (finding.source, finding.name, finding.severity) == ("mypy", "arg-type", Severity.ERROR)
    assert finding.message == 'Argument 1 to "f" has incompatible type "str"; expected "int"'
    assert finding.cell_id == "c4"
    assert finding.path == path
    assert finding.file_line is not None
    assert ipynb_line(path, finding.file_line) == "f('s')"


def test_magics_shell_lines_and_ipython_names_give_no_false_findings(
    mypy: RunMypy, write_notebook: WriteNotebook
) -> None:
    path = write_notebook(
        [
            "%matplotlib inline\n!pip install pandas\nimport os",
            "files = !ls\nfirst: str = files[0].upper()\ndisplay(first)\nget_ipython().run_line_magic('ls', '')",
            "%%capture captured\nprint(1)",
            "captured.show()\n%time total: int = 2 + 2\ntotal + 1",
            "%store -r restored\nrestored.anything",
            "import asyncio\nawait asyncio.sleep(0)",
            "obj = 1\nobj?",
        ]
    )
    assert mypy([path]) == []


def test_bash_cell_is_skipped(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["%%bash\nfor f in *; do echo $f; done", "%%writefile x.py\nthis is not python(", "x = 1"])
    assert mypy([path]) == []


def test_time_magic_columns_point_at_the_cell_text(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["md:# T", "%time w: int = 'text'"])
    (finding,) = mypy([path])
    assert where([finding]) == [("assignment", 2, 1, 16)]
    assert finding.end_column == 22


def test_notes_are_attached_to_their_error_or_stand_alone(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(
        [
            OVERLOADS,
            "h(1.5)",
            "reveal_type(1 + 1)",
        ]
    )
    error, note = mypy([path])
    assert (error.code, error.cell, error.severity) == ("call-overload", 2, Severity.ERROR)
    assert error.message == (
        'No overload variant of "h" matches argument type "float" '
        "(note: Possible overload variants: def h(x: int) -> int; def h(x: str) -> str)"
    )
    assert (note.cell, note.line, note.severity) == (3, 1, Severity.INFO)
    assert note.message == 'Revealed type is "int"'


def test_line_numbers_in_messages_name_the_cell(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["md:# T", "x = 1\n" + DEF_F, DEF_F])
    (finding,) = mypy([path])
    assert (finding.code, finding.cell, finding.line) == ("no-redef", 3, 1)
    assert finding.message == 'Name "f" already defined in cell 2, line 2'


def test_cell_that_does_not_parse_is_left_out_and_its_names_are_known(
    mypy: RunMypy, write_notebook: WriteNotebook
) -> None:
    path = write_notebook(
        [
            PYTHON_2_CELL,
            "m, os, path, argv, total, i, j, helper, Thing\nnot_defined_anywhere\n" + DEF_F + "\nf('s')",
        ]
    )
    assert where(mypy([path])) == [("name-defined", 2, 2, 1), ("arg-type", 2, 5, 3)]


def test_names_after_run_magic_are_not_reported(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["before_run", "%run setup.py\nafter_run"])
    assert where(mypy([path])) == [("name-defined", 1, 1, 1)]


def test_use_before_definition_across_cells_is_reported(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["print(later)", "later = 1"])
    assert where(mypy([path])) == [("used-before-def", 1, 1, 7)]


def test_notebook_defaults_allow_redefinition_and_ignore_missing_imports(
    mypy: RunMypy, write_notebook: WriteNotebook
) -> None:
    assert "--ignore-missing-imports" in NOTEBOOK_DEFAULT_ARGS
    path = write_notebook(["import not_a_module_anywhere\nvalue = 1", "value = 'now text'\nvalue.upper()"])
    assert mypy([path]) == []
    assert where(mypy([path], args=["--disallow-redefinition"])) == [("assignment", 2, 1, 9), ("attr-defined", 2, 2, 1)]


def test_strict(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["def g(a):\n    return a"])
    assert mypy([path]) == []
    assert where(mypy([path], strict=True)) == [("no-untyped-def", 1, 1, 1)]


def test_nbformat_3_notebook(mypy: RunMypy, tmp_path: Path) -> None:
    cells = v3_cells()
    cells[3]["input"] = ["y: str = x\n", "import os"]
    path = write_v3(tmp_path / "old.ipynb", cells)
    assert where(mypy([path])) == [("assignment", 4, 1, 10)]


def test_notebooks_with_the_same_name_in_two_folders(mypy: RunMypy, tmp_path: Path) -> None:
    first = write_with_raw(tmp_path / "a" / "analysis.ipynb", ["x: int = 'a'"], raw_at=1)
    second = write_with_raw(tmp_path / "b" / "analysis.ipynb", ["y = 1", "z: str = 2"], raw_at=2)
    found = mypy([first, second])
    assert sorted((d.path, d.cell, d.code) for d in found) == [(first, 2, "assignment"), (second, 3, "assignment")]


def test_awkward_file_names(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    paths = [
        write_notebook(["x: int = 'a'"], name=name)
        for name in ("Tom's results & plots (v2).ipynb", "1 - données.ipynb", "class.ipynb", "os.ipynb")
    ]
    assert sorted(d.path.name for d in mypy(paths)) == sorted(path.name for path in paths)


def test_relative_paths_are_relative_to_the_current_directory(
    mypy: RunMypy, write_notebook: WriteNotebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(["x: int = 'a'"], name="rel.ipynb")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert [d.path for d in mypy([Path("../rel.ipynb")])] == [Path("../rel.ipynb")]


def test_unreadable_notebooks_are_skipped(mypy: RunMypy, write_notebook: WriteNotebook, tmp_path: Path) -> None:
    good = write_notebook(["x: int = 'a'"])
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    assert [d.path for d in mypy([broken, good, tmp_path / "missing.ipynb"])] == [good]
    assert mypy([broken]) == []


def test_findings_survive_mypys_cache(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    # mypy replays a cached module's errors with the path of the earlier (temporary) file
    path = write_notebook(["x: int = 'a'"])
    first = mypy([path])
    assert first
    assert mypy([path]) == first


def test_blocking_error_in_one_notebook_does_not_stop_the_others(
    mypy: RunMypy, write_notebook: WriteNotebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should mypy's parser reject a cell that Python accepted, mypy stops every file: run again without it.
    broken = write_notebook(["md:# T", "def f(:\n    pass"], name="broken.ipynb")
    good = write_notebook(["x: int = 'a'"], name="good.ipynb")

    def lenient(source: str) -> ParsedCell:
        parsed = parse_cell(source)
        return parsed if parsed.tree else ParsedCell(PythonSource(source), tree=parse_cell("pass").tree)

    monkeypatch.setattr(mypy_module, "parse_cell", lenient)
    found = mypy([broken, good])
    assert {(d.path, d.code) for d in found} == {(broken, "syntax"), (good, "assignment")}
    assert all(d.cell == 2 for d in found if d.path == broken)


def test_missing_mypy_is_a_clear_error(write_notebook: WriteNotebook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(["x = 1"])
    monkeypatch.setattr(mypy_module, "importlib", SimpleNamespace(util=SimpleNamespace(find_spec=lambda _name: None)))
    with pytest.raises(ToolError, match="mypy: is not installed") as caught:
        run_mypy([path], cwd=path.parent)
    assert "--no-mypy" in str(caught.value)


def test_mypy_failure_is_a_clear_error(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["x = 1"])
    with pytest.raises(ToolError, match="exited with code 2") as caught:
        mypy([path], args=["--no-such-option"])
    assert "--no-such-option" in caught.value.reason


def test_mypy_crash_is_a_clear_error(write_notebook: WriteNotebook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(["x = 1"])

    def crashing(tool: str, argv: Sequence[str], **_options: object) -> ToolResult:
        module = Path(argv[-1]).stem
        record = f'{{"file": "{module}.py", "line": 1, "column": 0, "message": "m", "code": null, "severity": "error"}}'
        return ToolResult(2, record, "Traceback (most recent call last):\n  ...\nAssertionError: INTERNAL ERROR")

    monkeypatch.setattr(mypy_module, "run_tool", crashing)
    with pytest.raises(ToolError, match=r"exited with code 2: .*INTERNAL ERROR") as caught:
        run_mypy([path], cwd=path.parent)
    assert caught.value.output.startswith("Traceback")


def test_args_cannot_change_the_output_format(mypy: RunMypy, write_notebook: WriteNotebook) -> None:
    path = write_notebook(["x: int = 'a'"])
    assert where(mypy([path], args=["--pretty", "--show-error-context", "--error-summary"])) == [
        ("assignment", 1, 1, 10)
    ]


def test_notebooks_without_code_run_nothing(write_notebook: WriteNotebook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(["md:# Only text", "%%bash\nls"])
    monkeypatch.setattr(mypy_module, "run_tool", lambda *_a, **_k: pytest.fail("mypy should not run"))
    assert run_mypy([path], cwd=path.parent) == []
    assert run_mypy([], cwd=path.parent) == []


@pytest.mark.slow
def test_corpus_findings_point_at_real_source(mypy_cache: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not available at {CORPUS}")
    from dsquality.notebook import read_notebook  # noqa: PLC0415

    found = run_mypy(sorted(CORPUS.rglob("*.ipynb")), args=["--cache-dir", str(mypy_cache)], cwd=mypy_cache)
    assert found
    notebooks = {path: read_notebook(path) for path in {d.path for d in found}}
    for diagnostic in found:
        assert diagnostic.cell is not None, diagnostic
        cell = notebooks[diagnostic.path].cells[diagnostic.cell - 1]
        assert cell.is_code, diagnostic
        assert diagnostic.line is not None
        assert 1 <= diagnostic.line <= len(cell.source.splitlines()), diagnostic
        assert diagnostic.cell_id == cell.cell_id
        assert_file_line(diagnostic, cell)
        assert "on line" not in diagnostic.message, diagnostic
