"""The lint pipeline end to end on small notebooks (own rules; ruff and mypy have their own tests)."""

import gc
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dsquality.config import Config
from dsquality.lint import engine
from dsquality.lint.diagnostic import Diagnostic
from dsquality.lint.engine import LintSettings, _Job, _lint_job, lint_paths
from dsquality.lint.selection import Selection
from tests.lint.rules.builders import code, error, md, notebook

OWN = LintSettings(ruff=False, mypy=False, cache=False, jobs=1)


def write(path: Path, *cells: dict, metadata: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook(*cells, metadata=metadata), indent=1) + "\n")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def codes_at(report) -> list[tuple[str, str, int | None, int | None]]:
    return [(d.path.as_posix(), d.code, d.cell, d.line) for d in report.diagnostics]


def test_findings_are_located_and_sorted(project: Path) -> None:
    write(project / "b.ipynb", md("# B"), code("x = 1", count=1), code("", count=None))
    write(project / "a.ipynb", md("# A"), code("p = '/home/alice/data.csv'", count=1, outputs=[error()]))
    report = lint_paths([project], Config(root=project), OWN)
    assert codes_at(report) == [
        ("a.ipynb", "DSQ104", 2, None),
        ("a.ipynb", "DSQ401", 2, None),
        ("a.ipynb", "DSQ105", 2, 1),
        ("b.ipynb", "DSQ401", 2, None),
        ("b.ipynb", "DSQ206", 3, None),
    ]
    assert report.files_checked == 2
    absolute = report.diagnostics[2]
    assert (absolute.column, absolute.cell_id, absolute.source) == (5, "c2", "dsquality")
    text = (project / "a.ipynb").read_text().splitlines()
    assert "/home/alice/data.csv" in text[absolute.file_line - 1]


def test_a_corrupt_notebook_is_reported_and_the_rest_linted(project: Path) -> None:
    (project / "broken.ipynb").write_text("{ not json")
    write(project / "ok.ipynb", md("# ok"), code("x = 1", count=1), code("   ", count=None))
    report = lint_paths([project], Config(root=project), OWN)
    broken = [d for d in report.diagnostics if d.path.name == "broken.ipynb"]
    assert [d.code for d in broken] == ["DSQ405"]
    assert "not JSON" in broken[0].message
    assert any(d.code == "DSQ206" and d.path.name == "ok.ipynb" for d in report.diagnostics)


def test_selection_select_ignore_and_extend(project: Path) -> None:
    write(project / "n.ipynb", md("# n"), code("p = '/home/alice/x'", count=1), code("", count=None))
    only_105 = LintSettings(selection=Selection(select=("DSQ105",)), ruff=False, mypy=False, cache=False)
    assert {d.code for d in lint_paths([project], Config(root=project), only_105).diagnostics} == {"DSQ105"}
    ignore_2 = LintSettings(selection=Selection(ignore=("DSQ2",)), ruff=False, mypy=False, cache=False)
    assert not {d.code for d in lint_paths([project], Config(root=project), ignore_2).diagnostics} & {"DSQ206"}


def test_config_ignores_and_per_file_ignores(project: Path) -> None:
    write(project / "legacy" / "old.ipynb", md("# o"), code("p = '/home/alice/x'", count=1))
    write(project / "new.ipynb", md("# n"), code("p = '/home/alice/x'", count=1))
    config = Config(root=project, per_file_ignores={"legacy/*.ipynb": ("DSQ105",)})
    report = lint_paths([project], config, OWN)
    assert {d.path.as_posix() for d in report.diagnostics if d.code == "DSQ105"} == {"new.ipynb"}


def test_noqa_comment_and_cell_tags(project: Path) -> None:
    write(
        project / "n.ipynb",
        md("# n"),
        code("a = '/home/alice/x'  # dsq: noqa: DSQ105\nb = '/home/alice/y'", count=1),
        code("c = '/home/alice/z'  # dsq: noqa", count=2),
        code("d = '/home/alice/w'", count=3, metadata={"tags": ["dsq-noqa:DSQ105"]}),
        code("e = '/home/alice/v'", count=4, metadata={"tags": ["dsq-noqa:DSQ206"]}),
    )
    report = lint_paths(
        [project],
        Config(root=project),
        LintSettings(selection=Selection(select=("DSQ105",)), ruff=False, mypy=False, cache=False),
    )
    assert [(d.cell, d.line) for d in report.diagnostics] == [(2, 2), (5, 1)]


def test_noqa_comments_in_any_case(project: Path) -> None:
    write(
        project / "n.ipynb",
        md("# n"),
        code("a = '/home/alice/x'  # DSQ: NOQA: dsq105", count=1),
        code("b = '/home/alice/y'  # Dsq: NoQA", count=2),
        code("c = '/home/alice/z'  # dsq: noqa: DSQ206", count=3),
    )
    report = lint_paths(
        [project],
        Config(root=project),
        LintSettings(selection=Selection(select=("DSQ105",)), ruff=False, mypy=False, cache=False),
    )
    assert [(d.cell, d.line) for d in report.diagnostics] == [(4, 1)]


def test_cache_reuses_results_until_the_notebook_changes(project: Path) -> None:
    nb = write(project / "n.ipynb", md("# n"), code("p = '/home/alice/x'", count=1))
    cached = LintSettings(ruff=False, mypy=False, cache=True, jobs=1)
    first = lint_paths([project], Config(root=project), cached)
    entries = list((project / ".dsq" / "cache" / "lint").glob("*.json"))
    assert len(entries) == 1
    assert (project / ".dsq" / ".gitignore").read_text().strip().endswith("*")
    # Poison the cache entry: a hit must return exactly what is stored.
    entries[0].write_text("[]")
    assert lint_paths([project], Config(root=project), cached).diagnostics == ()
    nb.write_text(nb.read_text().replace("alice", "bob"))
    again = lint_paths([project], Config(root=project), cached)
    assert [d.code for d in again.diagnostics] == [d.code for d in first.diagnostics]


def test_fix_removes_empty_cells_atomically_and_reports_the_rest(project: Path) -> None:
    nb = write(project / "n.ipynb", md("# n"), code("", count=None), code("p = '/home/alice/x'", count=1), md("  "))
    settings = LintSettings(
        selection=Selection(select=("DSQ206", "DSQ105")), ruff=False, mypy=False, cache=False, fix=True
    )
    report = lint_paths([project], Config(root=project), settings)
    assert report.fixed == 1
    cells = json.loads(nb.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code"]
    assert [(d.code, d.cell) for d in report.diagnostics] == [("DSQ105", 2)]
    assert not list(project.glob(".*tmp"))


def test_diff_shows_changes_without_writing(project: Path) -> None:
    nb = write(project / "n.ipynb", md("# n"), code("", count=None), code("x = 1", count=1))
    before = nb.read_bytes()
    settings = LintSettings(selection=Selection(select=("DSQ206",)), ruff=False, mypy=False, cache=False, diff=True)
    report = lint_paths([project], Config(root=project), settings)
    assert nb.read_bytes() == before
    assert report.fixed == 0
    assert len(report.diffs) == 1
    assert report.diffs[0].startswith("--- a/n.ipynb\n+++ b/n.ipynb\n")


def test_baseline_hides_known_findings_only(project: Path) -> None:
    nb = write(project / "n.ipynb", md("# n"), code("p = '/home/alice/x'", count=1))
    baseline = project / "baseline.json"
    settings = LintSettings(selection=Selection(select=("DSQ105",)), ruff=False, mypy=False, cache=False)
    lint_paths([project], Config(root=project), LintSettings(**{**_fields(settings), "write_baseline": baseline}))
    assert (
        lint_paths(
            [project], Config(root=project), LintSettings(**{**_fields(settings), "baseline": baseline})
        ).diagnostics
        == ()
    )
    write(nb, md("# n"), code("p = '/home/alice/x'\nq = '/Users/bob/y'", count=1))
    new = lint_paths([project], Config(root=project), LintSettings(**{**_fields(settings), "baseline": baseline}))
    assert [(d.code, d.line) for d in new.diagnostics] == [("DSQ105", 2)]
    assert "/Users/bob/y" in new.diagnostics[0].message


def _fields(settings: LintSettings) -> dict:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


def test_parallel_and_serial_runs_agree(project: Path) -> None:
    for index in range(30):
        write(project / f"n{index:02d}.ipynb", md("# n"), code(f"p{index} = '/home/u/{index}'", count=1), code(""))
    config = Config(root=project)
    serial = lint_paths([project], config, LintSettings(ruff=False, mypy=False, cache=False, jobs=1))
    parallel = lint_paths([project], config, LintSettings(ruff=False, mypy=False, cache=False, jobs=2))
    assert serial.diagnostics == parallel.diagnostics
    assert len(serial.diagnostics) >= 60


def test_workers_are_forked_when_possible_and_a_process_pool_is_used_otherwise(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(30):
        write(project / f"n{index:02d}.ipynb", md("# n"), code(f"p{index} = '/home/u/{index}'", count=1), code(""))
    config = Config(root=project)
    settings = LintSettings(ruff=False, mypy=False, cache=False, jobs=2)
    forked: list[int] = []
    real_fork_map = engine.fork_map

    def spy(*args: Any, **kwargs: Any) -> Any:
        forked.append(len(args[1]))
        return real_fork_map(*args, **kwargs)

    monkeypatch.setattr(engine, "fork_map", spy)
    monkeypatch.setattr(engine, "can_fork", lambda: True)  # whatever threads other tests left running
    progress: list[tuple[int, int]] = []
    with_fork = lint_paths([project], config, replace(settings, progress=lambda *done: progress.append(done)))
    assert forked == [30]
    assert progress[-1] == (30, 30)
    monkeypatch.setattr(engine, "can_fork", lambda: False)  # Windows, or threads running
    with_pool = lint_paths([project], config, settings)
    assert forked == [30]
    assert with_pool.diagnostics == with_fork.diagnostics
    assert len(with_fork.diagnostics) >= 60


def test_paths_are_reported_relative_to_the_working_directory(project: Path) -> None:
    write(project / "sub" / "n.ipynb", md("# n"), code("", count=None))
    report = lint_paths([project / "sub"], Config(root=project), OWN)
    assert {d.path for d in report.diagnostics} == {Path("sub/n.ipynb")}


def test_message_with_cell_prefix() -> None:
    whole = Diagnostic(Path("n.ipynb"), "DSQ109", "missing-kernelspec", "no kernelspec")
    assert whole.message_with_cell() == "no kernelspec"
    cell_only = Diagnostic(Path("n.ipynb"), "DSQ104", "error-output", "error", cell=3)
    assert cell_only.message_with_cell() == "cell 3: error"
    line = Diagnostic(Path("n.ipynb"), "DSQ105", "absolute-path", "abs", cell=3, line=2)
    assert line.message_with_cell() == "cell 3, line 2: abs"


def test_the_garbage_collector_is_paused_per_notebook_and_restored(project: Path) -> None:
    write(project / "n.ipynb", md("# n"), code("x = 1", count=1))
    job = _Job(project / "n.ipynb", Config(root=project), Selection(), ("DSQ206",), None, ())
    assert gc.isenabled()
    _lint_job(job)
    assert gc.isenabled()
    gc.disable()
    try:
        _lint_job(job)
        assert not gc.isenabled()  # a collector paused by the caller stays paused
    finally:
        gc.enable()
