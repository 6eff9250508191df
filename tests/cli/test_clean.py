import json
import os
from pathlib import Path

import pytest

from dsquality.cli.main import main
from tests.lint.rules.builders import code, md, notebook, stream


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.ipynb").write_text(json.dumps(notebook(md("# C"), code("x = 1")), indent=1) + "\n")
    dirty = notebook(md("# D"), code("print(1)", count=3, outputs=[stream("1\n")], metadata={"collapsed": False}))
    (tmp_path / "dirty.ipynb").write_text(json.dumps(dirty, indent=1) + "\n")
    return tmp_path


def test_check_lists_changes_and_exits_1_without_writing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "dirty.ipynb").read_bytes()
    assert main(["clean", "--check", "."]) == 1
    out = capsys.readouterr().out
    assert out.startswith("would clean dirty.ipynb: cell 2:")
    assert "clean.ipynb" not in out
    assert (project / "dirty.ipynb").read_bytes() == before


def test_clean_then_check_passes_and_clean_file_is_untouched(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.utime(project / "clean.ipynb", (1_000_000, 1_000_000))
    before = (project / "clean.ipynb").read_bytes()
    assert main(["clean", "."]) == 0
    assert "cleaned dirty.ipynb" in capsys.readouterr().out
    assert main(["clean", "--check", "."]) == 0
    assert (project / "clean.ipynb").read_bytes() == before
    assert (project / "clean.ipynb").stat().st_mtime == 1_000_000
    cell = json.loads((project / "dirty.ipynb").read_text())["cells"][1]
    assert (cell["outputs"], cell["execution_count"], cell["metadata"], cell["id"]) == ([], None, {}, "c2")


def test_corrupt_notebook_is_reported_and_the_others_cleaned(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.ipynb").write_text("{")
    assert main(["clean", "."]) == 1
    captured = capsys.readouterr()
    assert "dsq: error: broken.ipynb: not a valid notebook" in captured.err
    assert "cleaned dirty.ipynb" in captured.out
