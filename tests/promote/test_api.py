from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsquality.config import load_config
from dsquality.errors import PromotionError, PromotionTargetError
from dsquality.promote.api import check_notebooks, promotable_notebooks, promote_notebook
from dsquality.promote.check import SyncState
from tests.conftest import CellSpec
from tests.lint.external.helpers import write_v3
from tests.promote.conftest import GOOD_CELLS, MakeNotebook, set_source

MODULE = Path("pkg/stats.py")


def snapshot(*paths: Path) -> list[tuple[bytes, int]]:
    return [(path.read_bytes(), path.stat().st_mtime_ns) for path in paths]


def test_promote_writes_module_tests_and_remembers_the_module(make_notebook: MakeNotebook, project: Path) -> None:
    path = make_notebook(GOOD_CELLS)
    result = promote_notebook(path, module=MODULE, typecheck=False)
    assert result.module.path == project / "pkg" / "stats.py"
    assert result.tests is not None
    assert (result.module.key, result.tests.key) == ("pkg/stats.py", "tests/test_stats.py")
    assert (result.module.written, result.tests.written, result.metadata_written) == (True, True, True)
    assert result.names == ("SCALE", "mean_length", "top")
    assert result.test_names == ("test_mean_of_a_and_bcd", "test_cell_7")
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert metadata["dsquality"] == {"promote": {"module": "pkg/stats.py"}}
    assert metadata["kernelspec"]["name"] == "python3"  # the rest of the notebook is kept


def test_promoting_twice_gives_byte_identical_files_and_rewrites_nothing(make_notebook: MakeNotebook) -> None:
    path = make_notebook(GOOD_CELLS)
    first = promote_notebook(path, module=MODULE, typecheck=False)
    assert first.tests is not None
    files = (first.module.path, first.tests.path, path)
    before = snapshot(*files)
    second = promote_notebook(path, typecheck=False)  # the module now comes from the metadata
    assert second.tests is not None
    assert (second.module.written, second.tests.written, second.metadata_written) == (False, False, False)
    again = promote_notebook(path, module=MODULE, typecheck=False)
    assert (again.module.written, again.metadata_written) == (False, False)
    assert snapshot(*files) == before


def test_problems_stop_promotion_and_nothing_is_written(make_notebook: MakeNotebook, project: Path) -> None:
    cells: list[CellSpec] = ["limit = 3", ("def f() -> int:\n    return limit", ["export"])]
    path = make_notebook(cells)
    before = path.read_bytes()
    with pytest.raises(PromotionError) as caught:
        promote_notebook(path, module=MODULE, typecheck=False)
    (problem,) = caught.value.problems
    assert (problem.cell, problem.line, problem.names) == (2, 2, ("limit",))
    assert "cell 2:line 2: exported cell reads `limit` (defined only in cell 1, which is not exported)" in str(
        caught.value
    )
    assert caught.value.exit_code == 1
    assert not (project / "pkg" / "stats.py").exists()
    assert not (project / "tests").exists()
    assert path.read_bytes() == before  # not even the metadata


def test_ruff_findings_are_mapped_to_the_cell_and_block_promotion(make_notebook: MakeNotebook, project: Path) -> None:
    cells: list[CellSpec] = [
        "md:# T",
        ("def f(x: int) -> int:\n    unused = x\n    return x", ["export"]),
    ]
    path = make_notebook(cells)
    with pytest.raises(PromotionError) as caught:
        promote_notebook(path, module=MODULE, typecheck=False)
    (problem,) = caught.value.problems
    assert (problem.kind, problem.cell, problem.line, problem.column) == ("ruff", 2, 2, 5)
    assert problem.message == "ruff F841: Local variable `unused` is assigned to but never used"
    assert not (project / "pkg" / "stats.py").exists()


def test_a_notebook_without_exported_cells_or_module(make_notebook: MakeNotebook) -> None:
    path = make_notebook(["x = 1", ("assert x", ["test"])])
    with pytest.raises(PromotionTargetError, match="no module to promote to") as missing:
        promote_notebook(path)
    assert missing.value.exit_code == 2
    with pytest.raises(PromotionError, match="no cell is exported, so there is nothing to promote"):
        promote_notebook(path, module=MODULE, typecheck=False)


def test_files_edited_by_hand_are_not_overwritten_without_force(make_notebook: MakeNotebook, project: Path) -> None:
    path = make_notebook(GOOD_CELLS)
    result = promote_notebook(path, module=MODULE, typecheck=False)
    module = result.module.path
    module.write_text(module.read_text(encoding="utf-8") + "EXTRA = 1\n", encoding="utf-8")
    with pytest.raises(PromotionTargetError) as caught:
        promote_notebook(path, typecheck=False)
    assert str(caught.value).startswith("pkg/stats.py: not overwritten: the file was edited by hand")
    assert "EXTRA = 1" in module.read_text(encoding="utf-8")
    assert promote_notebook(path, typecheck=False, force=True).module.written
    assert "EXTRA" not in module.read_text(encoding="utf-8")

    (project / "pkg" / "handwritten.py").write_text("VALUE = 1\n", encoding="utf-8")
    with pytest.raises(PromotionTargetError, match="has no `# dsq-promote:` header"):
        promote_notebook(path, module=Path("pkg/handwritten.py"), typecheck=False)


def test_a_tests_file_without_test_cells_any_more_is_removed(make_notebook: MakeNotebook) -> None:
    path = make_notebook(GOOD_CELLS)
    tests = promote_notebook(path, module=MODULE, typecheck=False).tests
    assert tests is not None
    for cell in (6, 7):  # untag the test cells
        data = json.loads(path.read_text(encoding="utf-8"))
        data["cells"][cell - 1]["metadata"] = {}
        path.write_text(json.dumps(data), encoding="utf-8")
    (report,) = check_notebooks([path], load_config(path))
    assert [file.state for file in report.files] == [SyncState.IN_SYNC, SyncState.STALE]
    result = promote_notebook(path, typecheck=False)
    assert (result.tests, result.removed) == (None, (tests.path,))
    assert not tests.path.exists()


def test_check_reports_each_file_and_finds_promoted_notebooks(make_notebook: MakeNotebook, project: Path) -> None:
    path = make_notebook(GOOD_CELLS)
    make_notebook(["x = 1"], name="exploration.ipynb")  # not promoted: left out
    promote_notebook(path, module=MODULE, typecheck=False)
    config = load_config(project)
    assert promotable_notebooks(config) == [path]
    (report,) = check_notebooks([], config)
    assert report.in_sync
    assert report.key == "nb.ipynb"

    set_source(path, 4, "def top(words: list[str]) -> list[tuple[str, int]]:\n    return Counter(words).most_common(2)")
    (report,) = check_notebooks([], config)
    assert not report.in_sync
    assert [(file.key, file.state) for file in report.files] == [
        ("pkg/stats.py", SyncState.NOTEBOOK_EDITED),
        ("tests/test_stats.py", SyncState.IN_SYNC),
    ]
    assert report.files[0].describe("nb.ipynb") == (
        "pkg/stats.py: out of sync with nb.ipynb: the notebook was edited since the file was generated; "
        "run `dsq promote nb.ipynb`"
    )

    set_source(path, 4, "def top(words):\n    return stray")
    (report,) = check_notebooks([path], config)
    assert [(problem.cell, problem.names) for problem in report.problems] == [(4, ("stray",))]
    assert not report.in_sync


def test_an_nbformat_3_notebook_is_promoted_but_not_rewritten(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_v3(
        project / "old.ipynb",
        [
            {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old"]},
            {"cell_type": "code", "input": ["# dsq: export\n", "X = 1"], "language": "python", "outputs": []},
        ],
    )
    before = path.read_bytes()
    result = promote_notebook(path, module=MODULE, typecheck=False)
    assert result.module.written
    assert not result.metadata_written
    assert path.read_bytes() == before
    assert "nbformat 3 notebook: the module is not remembered" in caplog.text
