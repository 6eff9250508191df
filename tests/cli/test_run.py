from pathlib import Path

import nbformat
import pytest

from dsquality.cli.main import main

pytestmark = pytest.mark.slow


def test_run_prints_recorded_values(write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(["from dsquality import record\nrecord('accuracy', 0.875)"])
    out = tmp_path / "out.ipynb"
    assert main(["run", str(nb), str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "accuracy" in stdout
    assert "0.875" in stdout
    assert out.is_file()


def test_run_default_output_goes_under_dot_dsq(write_notebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = write_notebook(["x = 1"], name="small.ipynb")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(nb)]) == 0
    assert (tmp_path / ".dsq" / "runs" / "small.ipynb").is_file()


def test_failing_run_exits_1_naming_the_cell(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write_notebook(["md:# t", "x = 1", "raise KeyError('missing column')"])
    assert main(["run", str(nb), str(tmp_path / "out.ipynb")]) == 1
    err = capsys.readouterr().err
    assert "cell 3: KeyError: 'missing column'." in err
    assert "Traceback" not in err


def test_cell_timeout_fails_the_run_and_saves_the_error(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write_notebook(["md:# t", "x = 1", "import time\ntime.sleep(30)", "y = 2"])
    out = tmp_path / "out.ipynb"
    assert main(["run", str(nb), str(out), "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "cell 3: CellTimeoutError:" in err
    assert "Traceback" not in err
    executed = nbformat.read(out, as_version=4)
    # nbclient interrupts the kernel (KeyboardInterrupt) before giving up; our error comes last
    assert [o.ename for o in executed.cells[2].outputs if o.output_type == "error"][-1] == "CellTimeoutError"
    assert executed.cells[3].execution_count is None
