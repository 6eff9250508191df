import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import papermill
import psutil
import pytest

from dsquality.cli import batch
from dsquality.cli.main import COMMANDS, main
from dsquality.runs.batch import RESULTS_CSV

REPO = Path(__file__).resolve().parents[2]


def dsq_batch(argv: list[str]) -> int:
    return main(["batch", *argv])


def test_batch_is_registered() -> None:
    assert COMMANDS["batch"] is batch


def table(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / RESULTS_CSV).read_text().splitlines()))


def test_invalid_grid_exits_2_before_any_kernel_starts(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: calls.append(args))
    nb = write_notebook([("n: int = 1", ["parameters"])])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, two]\nm: [1]\n")
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "run 2: n: not an integer (expected int, got 'two')" in err
    assert "all 2 runs: m: unknown parameter" in err
    assert calls == []
    assert not (tmp_path / "out").exists()


def test_malformed_grid_and_options_exit_2(write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook([("n: int = 1", ["parameters"])])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: []\n")
    out = str(tmp_path / "out")
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", out]) == 2
    assert "not a valid grid: `n` has no values" in capsys.readouterr().err
    grid.write_text("n: [1]\n")
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", out, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        dsq_batch([str(nb), "--grid", str(grid), "--out", out, "--workers", "0"])


@pytest.mark.slow
def test_failing_run_is_isolated_and_exits_1(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    nb = write_notebook(
        [("n: int = 1", ["parameters"]), "from dsquality import record\nrecord('square', n * n)", "1 / (n - 2)"]
    )
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, 2, 3]\n")
    out = tmp_path / "out"
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--workers", "2"]) == 1
    captured = capsys.readouterr()
    assert "3 runs: 2 ok, 1 failed; 3 ran in" in captured.out
    assert "cell 3: ZeroDivisionError: division by zero" in captured.out  # in the summary table
    assert [(row["n"], row["status"], row["square"]) for row in table(out)] == [
        ("1", "ok", "1"),
        ("2", "failed", "4"),
        ("3", "ok", "9"),
    ]

    # run again: the ok runs are skipped, the failed one runs again (and fails again)
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip().startswith("3 runs: 2 ok, 1 failed; 1 ran in")
    assert "2 skipped (already ok)" in captured.out
    assert captured.out.count("\n") == 1  # --quiet: the summary line only


@pytest.mark.slow
def test_killed_batch_resumes_skipping_finished_runs(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(
        [
            ("n: int = 1", ["parameters"]),
            "import time\ntime.sleep(0.5 * n)\nfrom dsquality import record\nrecord('n', n)",
        ]
    )
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, 2, 3, 4]\n")
    out = tmp_path / "out"
    argv = [str(nb), "--grid", str(grid), "--out", str(out), "--workers", "1", "--quiet"]
    process = subprocess.Popen(
        [sys.executable, "-m", "dsquality", "batch", *argv], cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 25
        while not ((out / RESULTS_CSV).is_file() and table(out)):
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no result row appeared"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the batch, its workers and their kernels
        process.wait()
    finished = table(out)
    assert 1 <= len(finished) < 4
    assert all(row["status"] == "ok" for row in finished)
    mtimes = {row["run_id"]: (out / "runs" / f"{row['run_id']}.ipynb").stat().st_mtime_ns for row in finished}

    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    rows = table(out)
    assert [row["n"] for row in rows] == ["1", "2", "3", "4"]
    assert all(row["status"] == "ok" for row in rows)
    for identifier, mtime in mtimes.items():
        assert (out / "runs" / f"{identifier}.ipynb").stat().st_mtime_ns == mtime  # skipped, not re-run


@pytest.mark.slow
def test_shipped_grid_runs_the_example_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = REPO / "notebooks" / "train_model.ipynb"
    grid = REPO / "notebooks" / "train_model.grid.yaml"
    out = tmp_path / "out"
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--quiet"]) == 0
    rows = table(out)
    assert len(rows) == 6
    assert {row["status"] for row in rows} == {"ok"}
    assert all(0.5 < float(row["accuracy"]) <= 1.0 for row in rows)
    assert {(row["seed"], row["regularization"]) for row in rows} == {
        (seed, c) for seed in ("0", "1") for c in ("0.1", "1.0", "10.0")
    }
    assert "6 runs: 6 ok, 0 failed" in capsys.readouterr().out


def test_preload_needs_local_forked_kernels(write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook([("n: int = 1", ["parameters"])])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1]\n")
    argv = [str(nb), "--grid", str(grid), "--out", str(tmp_path / "out"), "--preload", "json"]
    assert dsq_batch([*argv, "--no-fork"]) == 2
    assert "--preload needs forked kernels: --executor local, without --no-fork" in capsys.readouterr().err
    assert dsq_batch([*argv, "--executor", "dask"]) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--memory-limit", "10M"], "too small for a kernel to start; give at least 256 MiB"),
        (["--memory-limit", "lots"], "not a size: 'lots' (write e.g. 512M or 2G)"),
        (["--preload", "sklearn, 1bad"], "not a comma-separated list of module names"),
    ],
)
def test_kernel_options_are_checked(
    option: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        dsq_batch(["nb.ipynb", "--grid", "g.yaml", "--out", str(tmp_path), *option])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


FORK_FACTS = (
    "import os, sys\nfrom dsquality import record\n"
    "record('ppid', os.getppid())\n"
    "record('preloaded', 'dsquality.runs.limits' in sys.modules)\n"
    "record('forked', 'dsquality.runs' in sys.modules)  # imported by the template, not by a kernel"
)


def forkservers() -> list[psutil.Process]:
    return [
        p for p in psutil.Process().children(recursive=True) if "dsquality.runs.forkserver" in " ".join(p.cmdline())
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "preloaded", "forked"),
    [(["--preload", "dsquality.runs.limits"], True, True), ([], False, True), (["--no-fork"], False, False)],
    ids=["preload", "fork", "no-fork"],
)
def test_kernels_are_forked_unless_no_fork_and_the_server_is_gone_after(
    options: list[str], preloaded: bool, forked: bool, write_notebook, tmp_path: Path
) -> None:
    nb = write_notebook([("n: int = 1", ["parameters"]), FORK_FACTS])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, 2, 3]\n")
    out = tmp_path / "out"
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--workers", "2", "--quiet", *options]) == 0
    rows = table(out)
    assert {(row["preloaded"], row["forked"]) for row in rows} == {(str(preloaded), str(forked))}
    if forked:
        assert len({row["ppid"] for row in rows}) == 1  # all forked by the one fork server of the batch
    assert not forkservers()  # stopped at the end of the batch, not orphaned
    assert not any(psutil.pid_exists(int(row["ppid"])) for row in rows)  # neither server nor workers remain


@pytest.mark.slow
def test_a_preload_module_that_does_not_import_exits_2(
    write_notebook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write_notebook([("n: int = 1", ["parameters"])])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1]\n")
    out = tmp_path / "out"
    assert dsq_batch([str(nb), "--grid", str(grid), "--out", str(out), "--preload", "sklearnn"]) == 2
    err = capsys.readouterr().err
    assert "dsq: error: --preload: cannot import 'sklearnn' with " in err
    assert "ModuleNotFoundError: No module named 'sklearnn'" in err
    assert not (out / RESULTS_CSV).exists()
    assert not forkservers()
