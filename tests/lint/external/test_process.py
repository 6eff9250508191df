from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dsquality.errors import ToolError
from dsquality.lint.external.process import batched_arguments, run_tool, tail


def test_run_tool_returns_decoded_output(tmp_path: Path) -> None:
    result = run_tool(
        "python",
        [sys.executable, "-c", "import os, sys; print('é', os.getcwd()); print('warn', file=sys.stderr)"],
        cwd=tmp_path,
        env={"PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0
    assert result.stdout.split() == ["é", str(tmp_path)]
    assert result.stderr.strip() == "warn"


def test_accepted_exit_codes_are_not_errors() -> None:
    result = run_tool("python", [sys.executable, "-c", "raise SystemExit(1)"], ok_codes=(0, 1))
    assert result.returncode == 1


def test_other_exit_codes_raise_with_the_end_of_stderr() -> None:
    script = "import sys; print('line 1\\nline 2\\nline 3\\nboom', file=sys.stderr); sys.exit(3)"
    with pytest.raises(ToolError) as caught:
        run_tool("mytool", [sys.executable, "-c", script])
    error = caught.value
    assert error.tool == "mytool"
    assert error.reason == "exited with code 3: line 2 | line 3 | boom"
    assert error.output.startswith("line 1")
    assert "\n" not in str(error)


def test_missing_program_raises(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"mytool: cannot be started .*no-such-program"):
        run_tool("mytool", [str(tmp_path / "no-such-program")])


def test_working_directory_that_is_not_a_directory_raises(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file.txt"
    not_a_directory.write_text("", encoding="utf-8")
    with pytest.raises(ToolError, match=f"cannot be started in {not_a_directory}"):
        run_tool("python", [sys.executable, "-V"], cwd=not_a_directory)


def test_tail_keeps_the_last_non_empty_lines_short() -> None:
    assert tail("a\n\nb\nc\nd\n\n") == "b | c | d"
    assert tail("") == ""
    assert tail("x" * 600, limit=10) == "..." + "x" * 10


def test_batches_stay_under_the_budget() -> None:
    arguments = [f"file{i}.ipynb" for i in range(10)]
    batches = list(batched_arguments(arguments, budget=40))
    assert [argument for batch in batches for argument in batch] == arguments
    assert all(sum(len(a) + 1 for a in batch) <= 40 for batch in batches)
    assert len(batches) == 4
    assert list(batched_arguments(["a" * 100], budget=10)) == [["a" * 100]]
    assert list(batched_arguments([])) == []
