from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dsquality.errors import ToolError
from dsquality.promote.tools import format_source, pipe, ruff_check


def test_pipe_sends_text_on_stdin_and_reads_utf8() -> None:
    echo = [
        sys.executable,
        "-c",
        "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().decode().upper().encode())",
    ]
    assert pipe("echo", echo, "café\n").stdout == "CAFÉ\n"


def test_pipe_errors_are_tool_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="cannot be started"):
        pipe("nothing", [str(tmp_path / "no-such-program")], "")
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('first\\nboom\\n'); sys.exit(3)"]
    with pytest.raises(ToolError, match=r"exited with code 3: first \| boom"):
        pipe("fails", failing, "")


def test_format_source_sorts_imports_and_formats_with_the_config_of_the_target(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 30\n", encoding="utf-8")
    text = "import sys\nimport os\nx = [os.sep, sys.argv, 'a long string']\n"
    assert format_source(text, tmp_path / "mod.py", cwd=tmp_path) == (
        'import os\nimport sys\n\nx = [\n    os.sep,\n    sys.argv,\n    "a long string",\n]\n'
    )


def test_ruff_check_reads_findings_of_stdin_text(tmp_path: Path) -> None:
    (record,) = ruff_check("import os\n", tmp_path / "mod.py", cwd=tmp_path)
    assert (record["code"], record["location"]) == ("F401", {"row": 1, "column": 8})


def test_a_missing_ruff_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def missing() -> str:
        raise ToolError("ruff", "is not installed in this environment")

    monkeypatch.setattr("dsquality.promote.tools.find_ruff", missing)
    with pytest.raises(ToolError) as caught:
        format_source("x = 1\n", tmp_path / "mod.py")
    assert str(caught.value) == (
        "ruff: is not installed in this environment. Install it with 'pip install ruff': dsq promote formats and "
        "checks what it generates with ruff."
    )
