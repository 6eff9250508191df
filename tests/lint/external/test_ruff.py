from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from dsquality.errors import ToolError
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.lint.external import ruff as ruff_module
from dsquality.lint.external.ruff import NOTEBOOK_DEFAULT_IGNORE, SYNTAX_ERROR_CODES, run_ruff
from tests.conftest import WriteNotebook
from tests.lint.external.helpers import CORPUS, assert_file_line, ipynb_line, v3_cells, write_v3, write_with_raw


def codes(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(d.code, d.cell, d.line, d.column) for d in diagnostics]


def test_cells_are_numbered_among_all_cells(tmp_path: Path) -> None:
    # cells: markdown 1, code 2, raw 3, markdown 4, code 5; ruff's cell 5 is our cell 5
    path = write_with_raw(
        tmp_path / "nb.ipynb",
        ["md:# Title", "import os", "md:Some text", "x = 1\ny = undefined_name"],
        raw_at=3,
    )
    found = run_ruff([path], select=["F401", "F821"], cwd=tmp_path)
    assert codes(found) == [("F401", 2, 1, 8), ("F821", 5, 2, 5)]
    unused, undefined = found
    assert unused.path == path
    assert (unused.source, unused.name, unused.severity) == ("ruff", "unused-import", Severity.WARNING)
    assert (unused.end_line, unused.end_column) == (1, 10)  # exclusive end, like ruff's
    assert unused.fixable
    assert (undefined.cell_id, undefined.name, undefined.fixable) == ("c4", "undefined-name", False)
    assert undefined.message == "Undefined name `undefined_name`"


def test_file_line_is_the_line_of_the_ipynb_file(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["md:# T\n\ntext", "import json\n\n\nimport os\njson.dumps(1)"])
    (finding,) = run_ruff([path], select=["F401"], cwd=path.parent)
    assert (finding.cell, finding.line) == (2, 4)
    assert finding.file_line is not None
    assert ipynb_line(path, finding.file_line) == "import os"


def test_magics_and_shell_lines_give_no_false_findings(write_notebook: WriteNotebook) -> None:
    path = write_notebook(
        [
            "%matplotlib inline\n!pip install pandas\nfiles = !ls\nimport os\nos.getcwd()\nfiles",
            "%%capture captured\nprint(1)",
            "captured.show()\n%time result = 2 + 2\nresult",
            "%store -r restored\nrestored",
            "%prun -s cumulative profiled = sum(range(3))\nprofiled",
            "%%bash --out shell_output\necho hi",
            "shell_output.upper()",
            "obj = 1\nobj?\n??obj",
        ]
    )
    assert run_ruff([path], select=["F", "E9"], cwd=path.parent) == []


def test_undefined_names_are_still_found_next_to_magics(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["%time a = 1\nnot_defined_anywhere", "%run helper.py\nmaybe_from_helper"])
    found = run_ruff([path], select=["F821"], cwd=path.parent)
    # the name after %run may come from the script: not reported
    assert codes(found) == [("F821", 1, 2, 1)]


def test_bash_cell_is_skipped(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["%%bash\nfor f in *; do echo $f; done\nif [ -x foo ]; then ls; fi", "import os\nos.sep"])
    assert run_ruff([path], cwd=path.parent) == []


def test_syntax_errors_are_errors_with_ruffs_code(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["md:# T", "x = 1", "print 'python 2'"])
    found = run_ruff([path], cwd=path.parent)
    assert found
    assert {d.code for d in found} <= SYNTAX_ERROR_CODES
    assert {(d.cell, d.line, d.severity) for d in found} == {(3, 1, Severity.ERROR)}


def test_nbformat_3_notebook_is_linted_in_all_cell_numbering(tmp_path: Path) -> None:
    path = write_v3(tmp_path / "old notebook.ipynb", v3_cells())
    found = run_ruff([path], select=["F401"], cwd=tmp_path)
    # heading (1) and markdown (2) count: the import is in cell 4, line 2
    assert codes(found) == [("F401", 4, 2, 8)]
    assert found[0].path == path
    assert found[0].file_line is None or ipynb_line(path, found[0].file_line) == "import os"


def test_notebook_that_ruffs_schema_rejects_is_linted_from_a_copy(tmp_path: Path) -> None:
    data = {
        "cells": [
            {"cell_type": "markdown", "source": "# T"},  # no metadata: fine for dsquality, not for ruff
            {"cell_type": "code", "source": "import os\n", "execution_count": "1", "outputs": []},
        ],
        "metadata": {},
        "nbformat": 4,
    }
    path = tmp_path / "loose.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert codes(run_ruff([path], select=["F401"], cwd=tmp_path)) == [("F401", 2, 1, 8)]


def test_notebooks_with_the_same_name_in_two_folders(tmp_path: Path) -> None:
    first = write_with_raw(tmp_path / "a" / "analysis.ipynb", ["import os"], raw_at=1)
    second = write_with_raw(tmp_path / "b" / "analysis.ipynb", ["x = 1", "import sys"], raw_at=1)
    found = run_ruff([first, second], select=["F401"], cwd=tmp_path)
    assert sorted((d.path, d.cell) for d in found) == [(first, 2), (second, 3)]


def test_awkward_file_names(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["import os"], name="Tom's results & plots (v2) copy.ipynb")
    (finding,) = run_ruff([path], select=["F401"], cwd=path.parent)
    assert finding.path == path
    assert finding.cell == 1


def test_relative_paths_are_relative_to_the_current_directory_not_cwd(
    write_notebook: WriteNotebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(["import os"], name="rel.ipynb")
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(tmp_path)
    (finding,) = run_ruff([Path("rel.ipynb")], select=["F401"], cwd=project)
    assert finding.path == Path("rel.ipynb")


def test_unreadable_and_invalid_notebooks_are_skipped(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    good = write_notebook(["import os"])
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    not_a_notebook = tmp_path / "list.ipynb"
    not_a_notebook.write_text("[1, 2]", encoding="utf-8")
    missing = tmp_path / "missing.ipynb"
    found = run_ruff([broken, good, not_a_notebook, missing], select=["F401"], cwd=tmp_path)
    assert [(d.path, d.code) for d in found] == [(good, "F401")]
    assert run_ruff([broken, missing], cwd=tmp_path) == []


def test_non_python_notebooks_are_skipped(tmp_path: Path) -> None:
    data = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": "library(ggplot2)", "outputs": [],
                   "execution_count": None}],
        "metadata": {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }  # fmt: skip
    path = tmp_path / "r.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert run_ruff([path], cwd=tmp_path) == []


def test_each_path_is_linted_once(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(["import os"])
    assert len(run_ruff([path, tmp_path / "." / path.name], select=["F401"], cwd=tmp_path)) == 1


# --- defaults, configuration, select and ignore -----------------------------------------------

NOISY = ["import os\nos.sep", "import sys\nsys.path\nimport json\njson.dumps(1)"]  # I001 in 1, E402 in 2


def test_notebook_defaults_drop_e402_and_i001(write_notebook: WriteNotebook) -> None:
    assert set(NOTEBOOK_DEFAULT_IGNORE) == {"E402", "I001"}
    path = write_notebook(NOISY)
    assert not {d.code for d in run_ruff([path], cwd=path.parent)} & {"E402", "I001"}
    # ruff's own defaults are still on
    unused = write_notebook(["import os"], name="unused.ipynb")
    assert [d.code for d in run_ruff([unused], cwd=path.parent)] == ["F401"]


def test_explicit_select_wins_over_notebook_defaults(write_notebook: WriteNotebook) -> None:
    path = write_notebook(NOISY)
    assert {d.code for d in run_ruff([path], select=["E402", "I001"], cwd=path.parent)} == {"E402", "I001"}
    assert run_ruff([path], select=[], cwd=path.parent) == []


def test_user_config_that_selects_rules_wins(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(NOISY)
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E4", "I"]\n', encoding="utf-8")
    assert {d.code for d in run_ruff([path], cwd=tmp_path)} == {"E402", "I001"}


def test_user_config_extending_a_selecting_config_wins(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(NOISY)
    (tmp_path / "base.toml").write_text('[lint]\nextend-select = ["E402"]\n', encoding="utf-8")
    (tmp_path / "ruff.toml").write_text('extend = "base.toml"\nline-length = 100\n', encoding="utf-8")
    assert "E402" in {d.code for d in run_ruff([path], cwd=tmp_path)}


def test_user_config_without_selection_keeps_notebook_defaults(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(NOISY)
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    assert not {d.code for d in run_ruff([path], cwd=tmp_path)} & {"E402", "I001"}


def test_config_argument_is_used(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(NOISY)
    config = tmp_path / "settings" / "custom.toml"
    config.parent.mkdir()
    config.write_text('[lint]\nselect = ["E402"]\n', encoding="utf-8")
    assert {d.code for d in run_ruff([path], config=config, cwd=tmp_path)} == {"E402"}


def test_ignore_is_added_to_the_selection(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["import os\nundefined_name"])
    assert [d.code for d in run_ruff([path], select=["F"], ignore=["F401"], cwd=path.parent)] == ["F821"]


def test_linting_never_rewrites_the_notebook(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    path = write_notebook(["import os"])
    before = path.read_bytes()
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nfix = true\nunsafe-fixes = true\n", encoding="utf-8")
    assert [d.code for d in run_ruff([path], cwd=tmp_path)] == ["F401"]
    assert path.read_bytes() == before


def test_last_expression_of_a_cell_is_not_b018(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["x = 1\nx", "x\ny = 2", "x == 2"])
    assert codes(run_ruff([path], select=["B018", "B015"], cwd=path.parent)) == [("B018", 2, 1, 1)]


# --- failures -----------------------------------------------------------------------------------


def test_missing_ruff_is_a_clear_error(write_notebook: WriteNotebook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(["x = 1"])

    def no_module(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(ruff_module, "importlib", SimpleNamespace(import_module=no_module))
    monkeypatch.setattr(ruff_module, "shutil", SimpleNamespace(which=lambda _name: None))
    with pytest.raises(ToolError, match="ruff: is not installed") as caught:
        run_ruff([path], cwd=path.parent)
    assert caught.value.tool == "ruff"
    assert "--no-ruff" in str(caught.value)


def test_invalid_rule_code_is_a_clear_error(write_notebook: WriteNotebook) -> None:
    path = write_notebook(["x = 1"])
    with pytest.raises(ToolError, match="exited with code 2") as caught:
        run_ruff([path], select=["NOPE999"], cwd=path.parent)
    assert "NOPE999" in caught.value.reason


def test_no_notebooks_runs_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ruff_module, "find_ruff", lambda: pytest.fail("ruff should not run"))
    assert run_ruff([], cwd=tmp_path) == []


@pytest.mark.slow
def test_corpus_findings_point_at_real_source() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not available at {CORPUS}")
    from dsquality.notebook import read_notebook  # noqa: PLC0415

    paths = sorted(CORPUS.rglob("*.ipynb"))
    found = run_ruff(paths, cwd=CORPUS)
    assert found
    notebooks = {path: read_notebook(path) for path in {d.path for d in found}}
    for diagnostic in found:
        assert diagnostic.cell is not None, diagnostic
        cell = notebooks[diagnostic.path].cells[diagnostic.cell - 1]
        assert cell.is_code, diagnostic
        assert diagnostic.line is not None
        assert 1 <= diagnostic.line <= max(1, len(cell.source.splitlines())), diagnostic
        assert diagnostic.cell_id == cell.cell_id
        assert_file_line(diagnostic, cell)
