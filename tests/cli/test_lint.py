import io
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from dsquality.cli import lint as lint_command
from dsquality.cli.main import main
from tests.lint.rules.builders import code, md, notebook


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.ipynb").write_text(json.dumps(notebook(md("# Clean"), code("x = 1"), md("done"))))
    (tmp_path / "dirty.ipynb").write_text(json.dumps(notebook(md("# D"), code("p = '/home/alice/x.csv'"), code(""))))
    return tmp_path


OWN = ["--no-ruff", "--no-mypy", "--no-cache"]


def test_clean_notebook_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", *OWN, "clean.ipynb"]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_findings_exit_1_with_text_lines(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", *OWN, "dirty.ipynb"]) == 1
    out = capsys.readouterr().out
    assert "dirty.ipynb:cell 2:1:5: DSQ105 " in out
    assert "dirty.ipynb:cell 3" in out


def test_exit_zero_flag(project: Path) -> None:
    assert main(["lint", *OWN, "--exit-zero", "dirty.ipynb"]) == 0


def test_json_format_to_a_file(project: Path) -> None:
    assert main(["lint", *OWN, "--format", "json", "-o", "report.json", "."]) == 1
    report = json.loads((project / "report.json").read_text())
    assert report["schema"] == "dsquality-lint"
    assert report["files_checked"] == 2
    assert {d["path"] for d in report["diagnostics"]} == {"dirty.ipynb"}


def test_select_from_the_command_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", *OWN, "--select", "DSQ206", "--format", "json", "."]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {d["code"] for d in report["diagnostics"]} == {"DSQ206"}


def test_config_error_exits_2_with_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text("[tool.dsquality]\nmax-cell-linez = 3\n")
    assert main(["lint", *OWN, "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dsq: error: ")
    assert "max-cell-linez" in err
    assert err.count("\n") == 1


def test_fix_and_diff(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "dirty.ipynb").read_bytes()
    assert main(["lint", *OWN, "--select", "DSQ206", "--diff", "dirty.ipynb"]) == 1
    assert "+++ b/dirty.ipynb" in capsys.readouterr().err
    assert (project / "dirty.ipynb").read_bytes() == before
    assert main(["lint", *OWN, "--select", "DSQ206", "--fix", "dirty.ipynb"]) == 0
    assert "fixed 1 notebook" in capsys.readouterr().err


def test_rules_and_rule_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"DSQ101", "DSQ210", "DSQ306", "DSQ405"} <= {r["code"] for r in listed}
    assert main(["rule", "use-before-define"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## DSQ103 `use-before-define`")
    for section in ("What it does", "Why is this bad?", "Example", "How to fix"):
        assert f"### {section}" in text
    assert main(["rule", "DSQ999"]) == 2
    assert "there is no rule 'DSQ999'" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_runs_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Linting forks workers only while a single thread runs: rich's refresh thread must not start.
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")

    def work(update: Callable[[int, int], None]) -> int:
        update(1, 3)
        threads = threading.active_count()
        update(3, 3)
        return threads

    threads_before = threading.active_count()  # other tests may have left threads running
    assert lint_command._with_progress(work) == threads_before
    assert "3/3" in terminal.getvalue()
