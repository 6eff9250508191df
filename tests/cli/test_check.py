import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsquality.cli.main import main
from tests.lint.rules.builders import code, md, notebook

REPO = Path(__file__).resolve().parents[2]
OWN = ["--no-ruff", "--no-mypy", "--no-cache"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "pyproject.toml").write_text("[tool.dsquality]\n")
    (tmp_path / "clean.ipynb").write_text(json.dumps(notebook(md("# Clean"), code("x = 1"), md("done"))))
    dirty = notebook(md("# D"), code("p = '/home/alice/x.csv'", count=2), code("q = 1", count=1), md("end"))
    (tmp_path / "dirty.ipynb").write_text(json.dumps(dirty))
    return tmp_path


def table_rows(text: str) -> dict[str, str]:
    """The summary table's rows by notebook (rich draws cells between `│`)."""
    return {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}


def test_clean_notebook_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *OWN, "clean.ipynb"]) == 0
    out = capsys.readouterr().out
    assert "All checks passed: 1 notebook." in out
    assert "ok" in table_rows(out)["clean.ipynb"]
    assert "dsq check: 1 notebook, passed" in out
    assert "add --execute" in out


def test_findings_above_the_table_and_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *OWN]) == 1  # default: the project's notebooks
    out = capsys.readouterr().out
    findings = out.index("dirty.ipynb:cell 2:1:5: DSQ105 ")
    assert "dirty.ipynb:cell 3: DSQ101 " in out or "dirty.ipynb:cell 3:" in out
    rows = table_rows(out)
    assert set(rows) == {"clean.ipynb", "dirty.ipynb"}
    assert "FAILED" in rows["dirty.ipynb"]
    assert "FAILED" not in rows["clean.ipynb"]
    assert findings < out.index("dirty.ipynb", findings + 1 + len("dirty.ipynb:cell 3"))
    assert "1 failed" in out


def test_json_document(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *OWN, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "dsquality-check"
    assert document["version"] == 1
    assert {entry["path"]: entry["ok"] for entry in document["notebooks"]} == {
        "clean.ipynb": True,
        "dirty.ipynb": False,
    }


def test_fail_on_error(project: Path) -> None:
    (project / "dirty.ipynb").write_text(json.dumps(notebook(md("# D"), code("x = 1", count=1), md("end"))))
    assert main(["check", *OWN, "dirty.ipynb"]) == 1  # DSQ401-style findings fail by default
    assert main(["check", *OWN, "--fail-on", "error", "dirty.ipynb"]) == 0


def test_params_failure_is_listed_and_in_the_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = notebook(md("# P"), code("alpha: int = 'x'", tags=["parameters"]), md("end"))
    (project / "p.ipynb").write_text(json.dumps(params))
    assert main(["check", *OWN, "--fail-on", "error", "p.ipynb"]) == 1
    out = capsys.readouterr().out
    assert "p.ipynb: params: cell 2: alpha: " in out
    assert "failed" in table_rows(out)["p.ipynb"]


def test_bad_timeout_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", *OWN, "--execute", "--timeout", "0"])
    assert exit_info.value.code == 2
    assert "--timeout: must be a positive number of seconds, not 0" in capsys.readouterr().err


def test_config_error_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text("[tool.dsquality]\nrunnabel = []\n")
    assert main(["check", *OWN]) == 2
    assert "runnabel" in capsys.readouterr().err


@pytest.mark.slow
def test_shipped_notebooks_and_templates_pass_with_execute(tmp_path: Path) -> None:
    """The README's first command: `dsq check --execute notebooks templates` exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "dsquality", "check", "--execute", "--format", "json", "notebooks", "templates"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DSQ_LOG_DIR": str(tmp_path)},
    )
    document = json.loads(done.stdout)
    failed = {entry["path"]: entry for entry in document["notebooks"] if not entry["ok"]}
    assert failed == {}
    assert done.returncode == 0, done.stderr
    executed = [entry["path"] for entry in document["notebooks"] if entry["executed"]["status"] == "passed"]
    assert "notebooks/train_model.ipynb" in executed


@pytest.mark.slow
def test_copy_with_a_broken_notebook_fails_and_the_table_names_it(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    for folder in ("notebooks", "examples", "tests/examples"):  # the promoted example comes with its files
        shutil.copytree(REPO / folder, copy / folder)
    broken = json.loads((copy / "notebooks" / "train_model.ipynb").read_text())
    broken["cells"].append(code("raise RuntimeError('broken on purpose')"))
    (copy / "notebooks" / "broken_model.ipynb").write_text(json.dumps(broken, indent=1) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "dsquality", "check", "--execute", "--no-mypy", "notebooks"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", "DSQ_LOG_DIR": str(tmp_path)},
    )
    assert done.returncode == 1, done.stderr
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.count("│") > 3}
    assert "FAILED" in rows["notebooks/broken_model.ipynb"]
    assert "ok" in rows["notebooks/train_model.ipynb"]
    assert "FAILED" not in rows["notebooks/train_model.ipynb"]
    assert "FAILED" not in rows["notebooks/feature_engineering.ipynb"]
    assert "notebooks/broken_model.ipynb: executed: " in done.stdout
    assert "RuntimeError: broken on purpose" in done.stdout
