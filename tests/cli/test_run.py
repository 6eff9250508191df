from pathlib import Path

import nbformat
import papermill
import pytest

from dsquality.cli.main import main
from dsquality.results import read

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


PARAMETERS = (
    "from pathlib import Path\n"
    "from typing import Literal\n"
    "data: Path  # input file\n"
    "name: str = 'x'\n"
    "alpha: float = 0.1\n"
    "layers: list[int] = [1]\n"
    "mode: Literal['fast', 'slow'] = 'fast'"
)
RECORD = (
    "from dsquality import record\n"
    "for n in ['data', 'name', 'alpha', 'layers', 'mode']:\n"
    "    record(n, repr(globals()[n]))"
)


def test_run_converts_and_injects_parameters_from_every_source(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    nb = write_notebook([(PARAMETERS, ["parameters"]), RECORD])
    params_file = tmp_path / "params.yaml"
    params_file.write_text("name: 007\nalpha: 0.9\nmode: slow\n")
    out = tmp_path / "out.ipynb"
    argv = ["run", str(nb), str(out), "-f", str(params_file), "-y", "{alpha: 1e-3, layers: [64, 32]}"]
    assert main([*argv, "-p", "data", "in.csv", "-p", "mode", "fast"]) == 0
    stdout = capsys.readouterr().out
    # the injected values, as injected
    assert "pathlib.Path('in.csv')" in stdout
    assert "'007'" in stdout
    assert "0.001" in stdout
    assert "[64, 32]" in stdout
    records = read(out)
    assert records == {
        "data": "PosixPath('in.csv')",
        "name": "'007'",
        "alpha": "0.001",
        "layers": "[64, 32]",
        "mode": "'fast'",
    }


def test_invalid_parameters_exit_2_before_any_kernel_starts(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: calls.append(args))
    nb = write_notebook([(PARAMETERS, ["parameters"]), RECORD])
    out = tmp_path / "out.ipynb"
    code = main(["run", str(nb), str(out), "-p", "alpha", "abc", "-p", "mdoe", "slow", "-y", "{layers: [1, x]}"])
    assert code == 2
    assert calls == []
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"dsq: error: {nb}: 4 invalid parameters: " in err
    assert "layers: item [1] is not an integer (expected list[int], got [Text(text='1'), Text(text='x')])" not in err
    assert "layers: item [1] is not an integer (expected list[int], got ['1', 'x'])" in err
    assert "alpha: not a number (expected float, got 'abc')" in err
    assert "mdoe: unknown parameter; did you mean 'mode'?" in err
    assert "data: required (the notebook gives no default) but not given (expected Path)" in err


def test_unparsable_parameters_cell_exits_2(write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(["md:# t", ("alpha: float = (", ["parameters"])])
    assert main(["run", str(nb), str(tmp_path / "out.ipynb"), "-p", "alpha", "1"]) == 2
    assert "cell 2" in capsys.readouterr().err
    assert not (tmp_path / "out.ipynb").exists()


def test_failing_cell_after_injection_is_numbered_as_in_the_input(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write_notebook(["md:# t", ("n: int = 1", ["parameters"]), "assert n < 5, f'n is {n}'"])
    out = tmp_path / "out.ipynb"
    assert main(["run", str(nb), str(out), "-p", "n", "7"]) == 1
    assert "cell 3: AssertionError: n is 7." in capsys.readouterr().err
    executed = nbformat.read(out, as_version=4)
    assert any(o.output_type == "error" for c in executed.cells if c.cell_type == "code" for o in c.outputs)


def test_run_with_preload_forks_its_kernel(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(
        ["import sys\nfrom dsquality import record\nrecord('preloaded', 'dsquality.runs.limits' in sys.modules)"]
    )
    out = tmp_path / "out.ipynb"
    assert main(["run", str(nb), str(out), "--preload", "dsquality.runs.limits"]) == 0
    assert read(out) == {"preloaded": True}
    assert main(["run", str(nb), str(out)]) == 0
    assert read(out) == {"preloaded": False}


def test_run_with_a_memory_limit(write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(
        [
            "import resource\nfrom dsquality import record\nrecord('limit', resource.getrlimit(resource.RLIMIT_AS)[0])",
            "block = bytearray(8 * 1024**3)",
        ]
    )
    out = tmp_path / "out.ipynb"
    assert main(["run", str(nb), str(out), "--memory-limit", "1.5G"]) == 1
    assert read(out) == {"limit": 1536 * 1024**2}
    assert "cell 2: MemoryError: the kernel's memory limit is 1.5 GiB." in capsys.readouterr().err
