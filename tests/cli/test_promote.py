from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from dsquality.cli import promote
from dsquality.cli.handler import handle_errors
from tests.promote.conftest import GOOD_CELLS, MakeNotebook, make_notebook, project, set_source

__all__ = ["make_notebook", "project"]  # the promote tests' fixtures, used here too


def dsq(*argv: str) -> int:
    """``dsq promote ARGV`` as ``dsq`` runs it: the subcommand's own parser and the one error handler."""
    parser = argparse.ArgumentParser(prog="dsq promote")
    promote.add_arguments(parser)
    args = parser.parse_args(argv)
    return handle_errors(lambda: promote.run(args))


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.slow
def test_promote_test_typecheck_edit_check_promote_check(
    make_notebook: MakeNotebook, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_notebook(GOOD_CELLS, name="analysis.ipynb")
    assert dsq("analysis.ipynb", "--module", "pkg/stats.py") == 0  # runs ruff and mypy --strict too
    assert "promoted analysis.ipynb: pkg/stats.py (written), tests/test_stats.py (written)" in capsys.readouterr().err

    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
    mypy = run([sys.executable, "-m", "mypy", "--strict", "pkg/stats.py"], project)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert mypy.stdout.startswith("Success: no issues found in 1 source file")

    set_source(
        path,
        4,
        "def top(words: list[str], n: int = 1) -> list[tuple[str, int]]:\n"
        "    return sorted(Counter(words).items(), key=lambda item: -item[1])[:n]",
    )
    assert dsq("--check") == 1
    captured = capsys.readouterr()
    assert captured.out == (
        "pkg/stats.py: out of sync with analysis.ipynb: the notebook was edited since the file was generated; "
        "run `dsq promote analysis.ipynb`\n"
    )
    assert captured.err == "1 promoted notebook checked, 1 out of sync.\n"

    assert dsq("analysis.ipynb") == 0  # the module is remembered in the notebook
    assert "pkg/stats.py (written), tests/test_stats.py (unchanged)" in capsys.readouterr().err
    assert dsq("--check", "analysis.ipynb") == 0
    assert capsys.readouterr().out == ""
    assert "Counter(words).items()" in (project / "pkg" / "stats.py").read_text(encoding="utf-8")
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_problems_are_printed_one_per_line_and_exit_1(
    make_notebook: MakeNotebook, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_notebook(["limit = 3", ("def f() -> int:\n    return limit", ["export"]), ("print(1)", ["export"])])
    assert dsq("nb.ipynb", "--module", "pkg/stats.py", "--no-typecheck") == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        (
            "nb.ipynb:cell 2:line 2: exported cell reads `limit` (defined only in cell 1, which is not exported); "
            "the module would not have it: export the cell that defines it (tag `export`), or pass the value in as "
            "a function parameter"
        ),
        (
            "nb.ipynb:cell 3:line 1: exported cell does work at import time: calls `print(…)`; a module may only "
            "hold imports, definitions and constant assignments, so importing it would run this: move it into a "
            "function, or into a cell that is not exported"
        ),
    ]
    assert captured.err == "dsq: nb.ipynb: not promoted, 2 problems; nothing was written.\n"
    assert not (project / "pkg" / "stats.py").exists()


def test_check_advises_force_for_files_edited_by_hand(
    make_notebook: MakeNotebook, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_notebook(GOOD_CELLS)
    assert dsq("nb.ipynb", "--module", "pkg/stats.py", "--no-typecheck", "--quiet") == 0
    assert capsys.readouterr().err == ""
    tests = project / "tests" / "test_stats.py"
    tests.write_text(tests.read_text(encoding="utf-8").replace("2.0", "3.0"), encoding="utf-8")
    assert dsq("--check", "--quiet") == 1
    assert capsys.readouterr().out == (
        "tests/test_stats.py: out of sync with nb.ipynb: the file was edited by hand since it was generated "
        "(edits belong in the notebook); move the edits into the notebook, then run `dsq promote --force nb.ipynb`\n"
    )
    assert dsq("nb.ipynb", "--no-typecheck") == 2
    assert "dsq: error: tests/test_stats.py: not overwritten" in capsys.readouterr().err
    assert dsq("nb.ipynb", "--no-typecheck", "--force") == 0
    assert dsq("--check") == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["a.ipynb", "b.ipynb", "--module", "m.py"], "--module and --tests need exactly one notebook"),
        (["--check", "--module", "m.py", "a.ipynb"], "--check compares only"),
        ([], "no notebook to promote"),
        (["nb.ipynb"], "nb.ipynb: no module to promote to"),
    ],
)
def test_usage_errors_exit_2(
    make_notebook: MakeNotebook, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    make_notebook(["x = 1"])
    assert dsq(*argv) == 2
    assert message in capsys.readouterr().err
