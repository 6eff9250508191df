"""Runs under faults (a killed kernel, a cell that never ends, a notebook out of memory, a batch stopped
with SIGINT or SIGKILL): other runs' results are kept, the failed run's notebook is saved with its error,
the message says what happened, and the next `dsq batch` resumes (finished runs skipped, failed ones re-run).

Every test drives a real `dsq batch` process with real kernels.
"""

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from dsquality.runs.batch import RESULTS_CSV

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def dsq_batch(*argv: str | Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsquality", "batch", *map(str, argv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def table(out: Path) -> list[dict[str, str]]:
    path = out / RESULTS_CSV
    return list(csv.DictReader(path.read_text().splitlines())) if path.is_file() else []


def mtimes(out: Path, rows: list[dict[str, str]]) -> dict[str, int]:
    return {row["run_id"]: (out / "runs" / f"{row['run_id']}.ipynb").stat().st_mtime_ns for row in rows}


def once(marker: Path, code: str) -> str:
    """``code``, for run n == 2, the first time only (the marker file remembers): a fault that a re-run fixes."""
    flag = repr(str(marker))
    guard = f"from pathlib import Path\nif n == 2 and not Path({flag}).exists():\n    Path({flag}).touch()\n"
    return guard + textwrap.indent(code, "    ")


FAULTS = {
    "kernel-killed": (
        "import os\nos.kill(os.getpid(), 9)",
        [],
        "failed",
        "cell 3: DeadKernelError: the kernel died (killed by SIGKILL) while running this cell",
    ),
    "cell-never-ends": (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # no interrupt stops it\nwhile True:\n    pass",
        ["--timeout", "2"],
        "timeout",
        "cell 3: CellTimeoutError: A cell timed out while it was being executed, after 2 seconds.",
    ),
    "out-of-memory": (
        "block = bytearray(16 * 1024**3)",
        ["--memory-limit", "2G"],
        "failed",
        "cell 3: MemoryError: the kernel's memory limit is 2 GiB",
    ),
}


@pytest.mark.parametrize("start", ["forked", "new-process"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_in_one_run_keeps_the_others_and_a_rerun_resumes(
    fault: str, start: str, write_notebook, tmp_path: Path
) -> None:
    code, options, status, error = FAULTS[fault]
    nb = write_notebook(
        [
            ("n: int = 1", ["parameters"]),
            "from dsquality import record\nrecord('before', n)",
            once(tmp_path / "fault-happened", code),
            "record('after', n)",
        ]
    )
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, 2, 3]\n")
    out = tmp_path / "out"
    argv = [nb, "--grid", grid, "--out", out, "--workers", "2", *options]
    if start == "new-process":
        argv.append("--no-fork")

    first = dsq_batch(*argv)
    assert first.returncode == 1, first.stderr
    assert "3 runs: 2 ok, 1 failed; 3 ran in" in first.stdout
    rows = table(out)
    assert [(row["n"], row["status"], row["before"], row["after"]) for row in rows] == [
        ("1", "ok", "1", "1"),
        ("2", status, "2", ""),  # what it recorded before the fault is kept
        ("3", "ok", "3", "3"),
    ]
    assert rows[1]["error"] == error
    executed = nbformat.read(out / "runs" / f"{rows[1]['run_id']}.ipynb", as_version=4)
    inserted = {"injected-parameters", "papermill-error-cell-tag"}  # cells papermill adds
    cells = [cell for cell in executed.cells if not inserted & set(cell.metadata.get("tags", []))]
    shown = [o for o in cells[2].outputs if o.output_type == "error"]
    assert shown, "the failed run's notebook does not show the error"
    assert shown[-1].ename == error.split(": ")[1]
    assert cells[3].execution_count is None  # nothing ran after the fault
    finished = mtimes(out, [rows[0], rows[2]])

    second = dsq_batch(*argv)
    assert second.returncode == 0, second.stderr
    assert "3 runs: 3 ok, 0 failed; 1 ran in" in second.stdout
    assert "2 skipped (already ok)" in second.stdout
    assert [(row["n"], row["status"], row["after"]) for row in table(out)] == [
        ("1", "ok", "1"),
        ("2", "ok", "2"),
        ("3", "ok", "3"),
    ]
    assert mtimes(out, [rows[0], rows[2]]) == finished  # the finished runs were not run again


SLOW_UNTIL_MARKED = (
    "import time\nfrom pathlib import Path\nfrom dsquality import record\n"
    "if n > 1 and not Path({marker!r}).exists():\n    time.sleep(60)\nrecord('n', n)"
)


def start_batch(nb: Path, grid: Path, out: Path) -> subprocess.Popen[bytes]:
    argv = [str(nb), "--grid", str(grid), "--out", str(out), "--workers", "1", "--quiet"]
    return subprocess.Popen(
        [sys.executable, "-m", "dsquality", "batch", *argv],
        cwd=REPO,
        start_new_session=True,  # its own process group, as a shell job
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_first_row_and_next_run(process: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + 60
    while not table(out):
        assert process.poll() is None, "the batch ended before it could be stopped"
        assert time.monotonic() < deadline, "no result row appeared"
        time.sleep(0.05)
    time.sleep(2)  # the next run is in its long cell


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def all_gone(processes: list[psutil.Process], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL-group", "SIGKILL-batch-only"])
def test_a_stopped_batch_keeps_finished_runs_leaves_no_process_and_resumes(
    how: str, write_notebook, tmp_path: Path
) -> None:
    marker = tmp_path / "fast-now"
    nb = write_notebook([("n: int = 1", ["parameters"]), SLOW_UNTIL_MARKED.format(marker=str(marker))])
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, 2, 3]\n")
    out = tmp_path / "out"
    process = start_batch(nb, grid, out)
    try:
        wait_for_first_row_and_next_run(process, out)
        spawned = descendants(process.pid)  # workers, the fork server, kernels
        assert any("dsquality.runs.forkserver" in " ".join(p.cmdline()) for p in spawned)
        spawned += [p for child in spawned for p in descendants(child.pid) if p not in spawned]
        if how == "SIGINT":
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal
        elif how == "SIGKILL-group":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, signal.SIGKILL)  # the batch alone, as the OOM killer would
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if how == "SIGINT":
        assert process.returncode == 130
        assert "dsq: interrupted" in stderr.decode()
    assert all_gone(spawned), f"left running: {[p.cmdline() for p in spawned if p.is_running()]}"
    rows = table(out)
    if how == "SIGINT":  # the run in progress stopped, and says so in its row and its notebook
        interrupted = "cell 2: KeyboardInterrupt: the batch was interrupted (Ctrl-C)"
        assert [(row["n"], row["status"], row["error"]) for row in rows] == [
            ("1", "ok", ""),
            ("2", "failed", interrupted),
        ]
        executed = nbformat.read(out / "runs" / f"{rows[1]['run_id']}.ipynb", as_version=4)
        errors = [
            o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"
        ]
        assert [(o.ename, o.evalue) for o in errors][-1] == (
            "KeyboardInterrupt",
            "interrupted (Ctrl-C) while running this cell",
        )
    else:  # killed: every row written before is kept, nothing else
        assert [(row["n"], row["status"]) for row in rows] == [("1", "ok")]
    finished = mtimes(out, rows[:1])

    marker.touch()
    again = dsq_batch(nb, "--grid", grid, "--out", out, "--quiet")
    assert again.returncode == 0, again.stderr
    assert "3 runs: 3 ok, 0 failed; 2 ran in" in again.stdout
    assert [(row["n"], row["status"]) for row in table(out)] == [("1", "ok"), ("2", "ok"), ("3", "ok")]
    assert mtimes(out, rows[:1]) == finished
