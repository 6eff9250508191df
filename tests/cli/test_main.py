import json
import subprocess
import sys
from pathlib import Path

import pytest

from dsquality import __version__
from dsquality.cli import handler
from dsquality.cli.main import COMMANDS, main
from dsquality.errors import ConfigError


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"dsq {__version__}"


def test_help_lists_every_registered_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name, command in COMMANDS.items():
        assert name in out
        assert command.HELP.split()[0] in out


def test_no_subcommand_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: dsq" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "dsquality", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == f"dsq {__version__}"


def test_user_error_is_one_line_on_stderr_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    def action() -> int:
        raise ConfigError(Path("pyproject.toml"), "selct", "unknown key", choices=["select"])

    assert handler.handle_errors(action) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dsq: error: pyproject.toml [tool.dsquality] 'selct': unknown key.")
    assert "Traceback" not in err


def test_keyboard_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    def action() -> int:
        raise KeyboardInterrupt

    assert handler.handle_errors(action) == 130
    assert capsys.readouterr().err == "dsq: interrupted\n"


def test_bug_exits_3_and_writes_the_traceback_to_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSQ_LOG_DIR", str(tmp_path / "logs"))

    def action() -> int:
        message = "boom"
        raise RuntimeError(message)

    assert handler.handle_errors(action) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err
    logs = list((tmp_path / "logs").glob("dsq-crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in err
    log_text = logs[0].read_text()
    assert "Traceback (most recent call last)" in log_text
    assert "RuntimeError: boom" in log_text


def test_log_falls_back_to_temp_dir_when_log_dir_is_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DSQ_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)

    def action() -> int:
        raise ZeroDivisionError

    assert handler.handle_errors(action) == 3
    logs = list(tmp_path.glob("dsq-crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in capsys.readouterr().err


def test_only_the_named_subcommand_declares_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-v", "lint", "--help"])
    assert exit_info.value.code == 0
    assert "--no-ruff" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["lint", "--no-such-option"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def _project_with_findings(root: Path, count: int) -> None:
    for index in range(count):
        cells = [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{index}",
                "metadata": {},
                "outputs": [],
                "source": "x = '/home/a'\n" * 20,  # a report larger than a pipe holds
            }
        ]
        document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (root / f"n{index:03d}.ipynb").write_text(json.dumps(document))


def test_quick_exit_after_lint_loses_no_output(tmp_path: Path) -> None:
    _project_with_findings(tmp_path, 40)
    command = [sys.executable, "-m", "dsquality", "lint", "--no-ruff", "--no-mypy", "--format", "json", "."]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    report = json.loads(done.stdout)  # complete: flushed before the process ended
    assert report["files_checked"] == 40
    assert {d["code"] for d in report["diagnostics"]} >= {"DSQ105"}
    assert done.stderr == ""


def test_quick_exit_into_a_closed_pipe_shows_no_traceback(tmp_path: Path) -> None:
    _project_with_findings(tmp_path, 40)
    command = [sys.executable, "-m", "dsquality", "lint", "--no-ruff", "--no-mypy", "--format", "json", "."]
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # like `dsq lint | head -c 10`
        error = process.stderr.read().decode()
    assert "Traceback" not in error
