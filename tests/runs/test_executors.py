import os
import sys
from pathlib import Path

import pytest

from dsquality.cli import batch as batch_cli
from dsquality.errors import MissingDependencyError
from dsquality.runs.batch import RunStatus, plan_batch, run_batch
from dsquality.runs.executors import EXECUTORS, DaskExecutor, LocalExecutor, make_executor
from dsquality.runs.grid import parse_grid


# Top-level, so that spawned worker processes can import them.
def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def die_on_three(n: int) -> int:
    if n == 3:
        os._exit(1)
    return n


def test_registry_and_cli_choices_agree() -> None:
    assert tuple(EXECUTORS) == batch_cli._EXECUTORS


def test_make_executor_configures_from_the_options(tmp_path: Path) -> None:
    local = make_executor("local", workers=3, stderr=tmp_path / "w.log")
    assert isinstance(local, LocalExecutor)
    assert local.slots == 3
    assert make_executor("local").slots == (os.cpu_count() or 1)
    with pytest.raises(ValueError, match="unknown executor 'ray'"):
        make_executor("ray")
    with pytest.raises(ValueError, match="--scheduler is for --executor dask"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="at least 1"):
        LocalExecutor(workers=0)


def test_executors_must_be_entered() -> None:
    with pytest.raises(RuntimeError, match="context manager"):
        list(LocalExecutor(workers=1).map_unordered(square_and_pid, [1]))


def test_missing_distributed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError) as caught:
        make_executor("dask")
    assert caught.value.package == "distributed"
    assert "pip install 'dsquality[dask]'" in str(caught.value)
    assert "--executor dask" in str(caught.value)


@pytest.mark.slow
def test_local_executor_runs_in_other_processes(tmp_path: Path) -> None:
    with LocalExecutor(workers=2, stderr=tmp_path / "w.log") as executor:
        results = dict(executor.map_unordered(square_and_pid, [1, 2, 3, 4]))
    assert {n: value[0] for n, value in results.items()} == {1: 1, 2: 4, 3: 9, 4: 16}  # type: ignore[index]
    pids = {value[1] for value in results.values()}  # type: ignore[index]
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


@pytest.mark.slow
def test_a_lost_worker_is_yielded_as_an_exception() -> None:
    with LocalExecutor(workers=1) as executor:
        results = dict(executor.map_unordered(die_on_three, [3]))
    assert isinstance(results[3], BaseException)


@pytest.mark.slow
def test_dask_local_cluster_runs_a_small_grid(write_notebook, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    nb = write_notebook(
        [
            ("n: int = 1", ["parameters"]),
            "import os\nfrom dsquality import record\nrecord('square', n * n)\nrecord('pid', os.getpid())",
            "assert n != 3, 'three'",
        ]
    )
    plan = plan_batch(nb, parse_grid("n: [1, 2, 3]"), tmp_path / "out")
    with DaskExecutor(workers=2) as executor:
        cluster = executor._cluster
        assert cluster is not None
        assert executor.slots == 2
        assert all(address.startswith("tcp://127.0.0.1:") for address in executor._client.nthreads())
        result = run_batch(plan, executor)
    assert executor._cluster is None  # closed on exit
    assert cluster.status.name == "closed"
    statuses = {row.parameters["n"]: row.status for row in result.rows}
    assert statuses == {1: RunStatus.OK, 2: RunStatus.OK, 3: RunStatus.FAILED}
    assert [row.records["square"] for row in result.rows] == [1, 4, 9]
    assert all(row.records["pid"] != os.getpid() for row in result.rows)
