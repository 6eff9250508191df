from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsquality.lint.diagnostic import Severity
from dsquality.lint.external.mapping import (
    MagicNames,
    absolute,
    load_notebooks,
    make_diagnostic,
    module_name,
    path_key,
    python_lines,
)
from dsquality.notebook import parse_notebook
from tests.conftest import WriteNotebook, build_notebook


def magic_names(*sources: str) -> MagicNames:
    notebook = parse_notebook(json.dumps(build_notebook(list(sources))).encode(), Path("nb.ipynb"))
    return MagicNames.of(notebook.cells)


@pytest.mark.parametrize(
    ("source", "bound"),
    [
        ("%%capture out\nprint(1)", {"out"}),
        ("%%capture --no-stderr --no-display out\nprint(1)", {"out"}),
        ("%%capture\nprint(1)", set()),
        ("%%bash --out stdout_text --err stderr_text\nls", {"stdout_text", "stderr_text"}),
        ("%time result = f()", {"result"}),
        ("%timeit -n 10 -r 2 a, b = f()", {"a", "b"}),
        ("%prun -s cumulative profiled = run()", {"profiled"}),
        ("%time f()", set()),
        ("%store -r first second", {"first", "second"}),
        ("%store saved", set()),
        ("%matplotlib inline\n!ls", set()),
    ],
)
def test_names_bound_by_magics(source: str, bound: set[str]) -> None:
    assert magic_names(source).all_bound == bound


def test_opaque_magics_explain_names_read_after_them() -> None:
    names = magic_names("x = 1", "y = 2\n%run setup.py\nz = 3", "%store -r")
    assert names.opaque == [(2, 2), (3, 1)]
    assert not names.explains_undefined("anything", 1, 1)
    assert not names.explains_undefined("anything", 2, 1)
    assert names.explains_undefined("anything", 2, 3)
    assert names.explains_undefined("anything", 3, 1)


def test_pylab_is_opaque_and_bound_names_count_anywhere() -> None:
    names = magic_names("plt.plot()\nout.show()", "%pylab inline\n%%capture out")
    assert names.explains_undefined("out", 1, 2)  # bound somewhere: may have run before
    assert not names.explains_undefined("plt", 1, 1)
    assert names.explains_undefined("plt", 2, 2)


def test_module_names_are_safe_unique_and_stable(tmp_path: Path) -> None:
    awkward = tmp_path / "a" / "Tom's results & plots (v2) - données.ipynb"
    name = module_name(awkward)
    assert name.isidentifier()
    assert name.isascii()
    assert name.startswith("nb_Tom_s_results_plots_v2_donn")
    assert module_name(awkward) == name
    assert module_name(tmp_path / "b" / awkward.name) != name
    assert module_name(tmp_path / "1.ipynb").startswith("nb_1_")
    assert module_name(tmp_path / "éé.ipynb").startswith("nb_notebook_")


def test_python_lines_split_like_python() -> None:
    assert python_lines("a\r\nb\rc\nd\x0ce\u2028f") == ["a", "b", "c", "d\x0ce\u2028f"]


def test_paths_are_absolute_without_resolving_symlinks(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert absolute("link/../link/x.ipynb", tmp_path) == tmp_path / "link" / "x.ipynb"
    assert path_key(tmp_path / "a" / ".." / "b") == path_key(tmp_path / "b")


def test_load_notebooks_skips_what_cannot_be_linted(
    write_notebook: WriteNotebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = write_notebook(["x = 1"])
    (tmp_path / "bad.ipynb").write_text("nope", encoding="utf-8")
    julia = tmp_path / "julia.ipynb"
    data = build_notebook(["x = 1"])
    data.metadata = {"kernelspec": {"name": "julia", "language": "julia", "display_name": "Julia"}}
    julia.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_notebooks([Path("nb.ipynb"), good, Path("bad.ipynb"), julia, Path("gone.ipynb")])
    assert [(entry.given, entry.absolute) for entry in loaded] == [(Path("nb.ipynb"), good)]


def test_make_diagnostic_adds_cell_id_and_file_line(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["md:# T", "a = 1\nb = 2"])
    (entry,) = load_notebooks([path])
    diagnostic = make_diagnostic(
        entry, source="ruff", code="X1", name="x", message="m", severity=Severity.WARNING,
        cell=2, line=2, column=1, end_line=2, end_column=6, fixable=True,
    )  # fmt: skip
    assert (diagnostic.cell_id, diagnostic.path, diagnostic.fixable) == ("c2", path, True)
    assert diagnostic.file_line is not None
    assert path.read_text(encoding="utf-8").splitlines()[diagnostic.file_line - 1].strip() == '"b = 2"'


def test_make_diagnostic_drops_positions_it_cannot_place(write_notebook: WriteNotebook) -> None:
    (entry,) = load_notebooks([write_notebook(["a = 1\nb = 2"])])
    unknown_cell = make_diagnostic(
        entry, source="mypy", code="misc", name="misc", message="m", severity=Severity.ERROR,
        cell=9, line=1, column=1,
    )  # fmt: skip
    assert (unknown_cell.cell, unknown_cell.line, unknown_cell.column, unknown_cell.file_line) == (None,) * 4
    backwards = make_diagnostic(
        entry, source="mypy", code="misc", name="misc", message="m", severity=Severity.ERROR,
        cell=1, line=2, column=1, end_line=1, end_column=3,
    )  # fmt: skip
    assert (backwards.line, backwards.end_line, backwards.end_column) == (2, None, None)
