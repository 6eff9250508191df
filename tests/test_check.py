import json
import os
import time
from pathlib import Path

import pytest

from dsquality.check import CheckProgress, CheckSettings, Status, check_paths
from dsquality.config import Config, load_config
from dsquality.lint.diagnostic import Severity
from dsquality.promote.api import promote_notebook
from tests.lint.rules.builders import code, md, notebook, stream

OWN = CheckSettings(ruff=False, mypy=False, cache=False)


def write(path: Path, *cells: dict[str, object], metadata: dict[str, object] | None = None) -> Path:
    document = notebook(*cells) if metadata is None else notebook(*cells, metadata=metadata)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def titled(*cells: dict[str, object]) -> tuple[dict[str, object], ...]:
    """Cells under a title, with enough markdown to satisfy the structure rules."""
    return (md("# A notebook"), *cells, md("Done."))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.dsquality]\n')
    return tmp_path


def config() -> Config:
    return load_config(Path.cwd())


def test_clean_notebook_passes_every_step(project: Path) -> None:
    write(project / "a.ipynb", *titled(code("x = 1")))
    report = check_paths([], config(), OWN)
    [result] = report.notebooks
    assert result.path == Path("a.ipynb")
    assert report.ok
    assert result.ok
    assert not result.runnable  # no globs configured and no parameters cell
    assert (result.params.status, result.promoted.status, result.executed.status) == (Status.SKIPPED,) * 3


def test_lint_findings_are_counted_by_severity_and_fail(project: Path) -> None:
    write(project / "dirty.ipynb", *titled(code("p = '/home/alice/x.csv'", count=2), code("q = 1", count=1)))
    report = check_paths([Path("dirty.ipynb")], config(), OWN)
    [result] = report.notebooks
    codes = {d.code for d in result.lint}
    assert {"DSQ101", "DSQ105"} <= codes
    counts = result.lint_counts()
    assert sum(counts.values()) == len(result.lint)
    assert set(counts) == set(Severity)
    assert not result.ok
    assert not report.ok


def test_fail_on_error_lets_milder_findings_pass(project: Path) -> None:
    write(project / "a.ipynb", *titled(code("x = 1", count=1, outputs=[stream("1\n")])))
    lenient = check_paths([], config(), CheckSettings(ruff=False, mypy=False, cache=False, fail_on=Severity.ERROR))
    [result] = lenient.notebooks
    assert {d.code for d in result.lint} == {"DSQ401"}
    assert all(d.severity is not Severity.ERROR for d in result.lint)
    assert result.failing_findings == ()
    assert lenient.ok
    assert not check_paths([], config(), OWN).ok  # the default: every finding fails, as dsq lint


def test_parameters_with_bad_default_fail_params(project: Path) -> None:
    write(project / "p.ipynb", *titled(code("alpha: int = 'high'\nbeta: float = 0.5", tags=["parameters"])))
    [result] = check_paths([], config(), OWN).notebooks
    assert result.runnable  # a parameters cell and no runnable globs
    assert result.params.status is Status.FAILED
    assert "cell 2" in result.params.detail
    assert "alpha" in result.params.detail
    assert "beta" not in result.params.detail


def test_good_parameters_pass(project: Path) -> None:
    write(project / "p.ipynb", *titled(code("alpha: float = 1\nname: str = 'x'", tags=["parameters"])))
    [result] = check_paths([], config(), OWN).notebooks
    assert result.params.status is Status.PASSED
    assert result.params.detail == "2 parameters"


def test_required_parameter_fails_only_a_runnable_notebook(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dsquality]\nrunnable = ["run/*.ipynb"]\n')
    cells = titled(code("from pathlib import Path"), code("data: Path\nalpha: float = 0.5", tags=["parameters"]))
    write(project / "run" / "r.ipynb", *cells)
    write(project / "lib" / "l.ipynb", *cells)
    report = check_paths([], config(), OWN)
    by_name = {result.path.name: result for result in report.notebooks}
    assert by_name["r.ipynb"].runnable
    assert by_name["r.ipynb"].params.status is Status.FAILED
    assert "data: has no default" in by_name["r.ipynb"].params.detail
    assert not by_name["l.ipynb"].runnable  # globs are configured: the parameters cell does not matter
    assert by_name["l.ipynb"].params.status is Status.PASSED


def test_runnable_by_glob_without_parameters_cell(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dsquality]\nrunnable = ["*.ipynb"]\n')
    write(project / "a.ipynb", *titled(code("x = 1")))
    [result] = check_paths([], config(), OWN).notebooks
    assert result.runnable
    assert result.params.status is Status.PASSED
    assert result.params.detail == "no parameters cell"


def test_unparsable_parameters_cell_fails_params(project: Path) -> None:
    write(project / "p.ipynb", *titled(code("alpha = (", tags=["parameters"])))
    [result] = check_paths([], config(), OWN).notebooks
    assert result.params.status is Status.FAILED
    assert "does not parse" in result.params.detail


def test_unreadable_notebook_is_a_lint_finding_and_others_are_checked(project: Path) -> None:
    (project / "broken.ipynb").write_text("{not json")
    write(project / "a.ipynb", *titled(code("x = 1")))
    report = check_paths([], config(), OWN)
    by_name = {result.path.name: result for result in report.notebooks}
    assert [d.code for d in by_name["broken.ipynb"].lint] == ["DSQ405"]
    assert by_name["broken.ipynb"].params.status is Status.SKIPPED
    assert not by_name["broken.ipynb"].ok
    assert by_name["a.ipynb"].ok


def test_promoted_notebook_out_of_sync_fails(project: Path) -> None:
    meta = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "dsquality": {"promote": {"module": "pkg/mod.py"}},
    }
    cells = titled(code("def double(x: int) -> int:\n    return 2 * x", tags=["export"]))
    write(project / "m.ipynb", *cells, metadata=meta)
    [missing] = check_paths([], config(), OWN).notebooks
    assert missing.promoted.status is Status.FAILED
    assert "pkg/mod.py" in missing.promoted.detail

    promote_notebook(Path("m.ipynb"), typecheck=False)
    [synced] = check_paths([], config(), OWN).notebooks
    assert synced.promoted.status is Status.PASSED
    assert synced.promoted.detail == "pkg/mod.py"


def test_progress_reports_each_phase(project: Path) -> None:
    write(project / "a.ipynb", *titled(code("x = 1")))
    write(project / "b.ipynb", *titled(code("y = 2")))
    seen: list[CheckProgress] = []
    settings = CheckSettings(ruff=False, mypy=False, cache=False, progress=seen.append)
    check_paths([], config(), settings)
    assert {update.phase for update in seen} == {"lint", "params"}
    assert seen[-1] == CheckProgress("params", 2, 2, None)
    assert {update.notebook for update in seen if update.notebook} == {Path("a.ipynb"), Path("b.ipynb")}


def test_json_document(project: Path) -> None:
    write(project / "dirty.ipynb", *titled(code("p = '/home/alice/x.csv'")))
    document = check_paths([], config(), OWN).to_json()
    assert (document["schema"], document["version"], document["ok"]) == ("dsquality-check", 1, False)
    assert document["summary"]["notebooks"] == 1
    assert document["summary"]["failed"] == 1
    [entry] = document["notebooks"]
    assert entry["path"] == "dirty.ipynb"
    assert entry["lint"]["ok"] is False
    assert [d["code"] for d in entry["lint"]["diagnostics"]] == ["DSQ105"]
    assert entry["params"] == {"status": "skipped", "detail": ""}
    json.dumps(document)  # plain JSON


# --- smoke runs: real kernels -------------------------------------------------------------------


@pytest.mark.slow
def test_execute_runs_runnable_notebooks_into_a_temporary_folder(project: Path) -> None:
    cells = titled(code("n: int = 3", tags=["parameters"]), code("from dsquality import record\n\nrecord('n', n)"))
    write(project / "ok.ipynb", *cells)
    write(project / "fails.ipynb", *titled(code("k: int = 0", tags=["parameters"]), code("x = 1 / k")))
    write(project / "library.ipynb", *titled(code("y = 1 / 0")))  # not runnable: never executed
    before = sorted(path.name for path in project.iterdir())
    report = check_paths([], config(), CheckSettings(ruff=False, mypy=False, cache=False, execute=True, timeout=120))
    by_name = {result.path.name: result for result in report.notebooks}
    assert by_name["ok.ipynb"].executed.status is Status.PASSED
    assert by_name["ok.ipynb"].duration > 0
    assert by_name["fails.ipynb"].executed.status is Status.FAILED
    assert "cell 3" in by_name["fails.ipynb"].executed.detail
    assert "ZeroDivisionError" in by_name["fails.ipynb"].executed.detail
    assert "executed notebook" not in by_name["fails.ipynb"].executed.detail  # the temporary copy is gone
    assert by_name["library.ipynb"].executed.status is Status.SKIPPED
    assert not report.ok
    assert sorted(path.name for path in project.iterdir()) == before  # nothing written next to the notebooks


@pytest.mark.slow
def test_execute_keeps_outputs_in_output_dir(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    write(project / "sub" / "ok.ipynb", *titled(code("n: int = 3", tags=["parameters"]), code("m = n + 1")))
    out = tmp_path_factory.mktemp("out")
    settings = CheckSettings(ruff=False, mypy=False, cache=False, execute=True, timeout=120, output_dir=out)
    report = check_paths([], config(), settings)
    assert report.ok
    assert [path.name for path in out.iterdir()] == ["sub__ok.ipynb"]


def _kernels_of(pid_file: Path) -> bool:
    """Whether the kernel whose pid the notebook wrote is still alive."""
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")
def test_timeout_is_wall_clock_for_the_whole_notebook_and_stops_the_kernel(project: Path) -> None:
    # Three cells of 2 s each: every cell is under the 4.5 s limit, the notebook is not.
    pid_file = project.parent / "kernel.pid"
    cells = titled(
        code(f"import os\nimport time\n\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))", tags=["parameters"]),
        code("time.sleep(2)"),
        code("time.sleep(2)"),
        code("time.sleep(2)"),
    )
    write(project / "slow.ipynb", *cells)
    started = time.perf_counter()
    settings = CheckSettings(ruff=False, mypy=False, cache=False, execute=True, timeout=4.5)
    [result] = check_paths([], config(), settings).notebooks
    elapsed = time.perf_counter() - started
    assert result.executed.status is Status.FAILED
    assert "timed out" in result.executed.detail
    assert "4.5 s" in result.executed.detail
    assert elapsed < 4.5 + 12  # the limit plus the grace period to shut the kernel down, at most
    deadline = time.monotonic() + 10
    while _kernels_of(pid_file) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _kernels_of(pid_file), "the kernel outlived the timed-out smoke run"
