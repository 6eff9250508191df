"""fork_map: forked workers sharing a job queue with the calling process."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from dsquality.lint import parallel
from dsquality.lint.parallel import can_fork, fork_map

PARENT = os.getpid()


def _open_fds() -> set[str]:
    """This process's pipes: what fork_map opens (other tests' threads may open files meanwhile)."""
    fds = set()
    for entry in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            if str(entry.readlink()).startswith("pipe:"):
                fds.add(entry.name)
    return fds


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers fork_map forks in the test (other tests may have children of their own)."""
    pids: list[int] = []
    real_fork = os.fork

    def recording_fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue  # reaped: no such child any more
        return False
    return bool(pids)


def _square_and_pid(job: int) -> tuple[int, int]:
    time.sleep(0.002)  # long enough for every process to take some jobs
    return job * job, os.getpid()


def test_results_come_back_in_job_order_from_several_processes(forked: list[int]) -> None:
    before = _open_fds()
    results = fork_map(_square_and_pid, list(range(200)), 3)
    assert [value for value, _ in results] == [job * job for job in range(200)]
    pids = {pid for _, pid in results}
    assert PARENT in pids  # the caller works too
    assert len(pids) == 3
    assert _open_fds() == before
    assert _all_reaped(forked)


def test_one_worker_or_one_job_runs_here() -> None:
    assert {pid for _, pid in fork_map(_square_and_pid, list(range(5)), 1)} == {PARENT}
    assert fork_map(_square_and_pid, [7], 4) == [(49, PARENT)]
    assert fork_map(_square_and_pid, [], 4) == []


def test_more_jobs_than_the_queue_holds_are_handed_out_in_runs(forked: list[int]) -> None:
    jobs = list(range(parallel._MAX_TOKENS * 2 + 5))
    assert fork_map(abs, jobs, 2) == jobs
    assert _all_reaped(forked)


def test_progress_counts_up_to_every_job() -> None:
    seen: list[int] = []
    fork_map(_square_and_pid, list(range(60)), 2, on_done=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 60
    assert len(seen) >= 2


_parent_waited = threading.Event()


def _wait_once_here() -> None:
    """The first job here waits, so that a worker surely takes a job meanwhile."""
    if not _parent_waited.is_set():
        _parent_waited.set()
        time.sleep(0.2)


def _fail_in_worker(job: int) -> int:
    if os.getpid() == PARENT:
        _wait_once_here()
        return job
    message = f"job {job} failed"
    raise ValueError(message)


def test_an_exception_in_a_worker_is_raised_here_with_its_traceback(forked: list[int]) -> None:
    _parent_waited.clear()
    with pytest.raises(ValueError, match=r"job \d+ failed") as caught:
        fork_map(_fail_in_worker, list(range(10)), 2)
    assert any("raised in a lint worker" in note and "_fail_in_worker" in note for note in caught.value.__notes__)
    assert _all_reaped(forked)


class _Unpicklable(Exception):  # noqa: N818 - a test double
    def __init__(self, lock: object) -> None:
        super().__init__("cannot travel")
        self.lock = lock

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(self.lock)


def _unpicklable_in_worker(job: int) -> int:
    if os.getpid() == PARENT:
        _wait_once_here()
        return job
    raise _Unpicklable(threading.Lock())


def test_an_exception_that_does_not_pickle_comes_back_as_its_traceback() -> None:
    _parent_waited.clear()
    with pytest.raises(RuntimeError, match="a lint worker failed") as caught:
        fork_map(_unpicklable_in_worker, list(range(10)), 2)
    assert "_Unpicklable: cannot travel" in str(caught.value)


def _die_in_worker(job: int) -> tuple[int, int]:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    time.sleep(0.01)
    return job, os.getpid()


def test_jobs_of_a_worker_that_died_are_done_here(forked: list[int]) -> None:
    results = fork_map(_die_in_worker, list(range(20)), 2)
    assert results == [(job, PARENT) for job in range(20)]
    assert _all_reaped(forked)


def _interrupt_here(job: int) -> int:
    if os.getpid() == PARENT and job > 3:
        raise KeyboardInterrupt
    time.sleep(0.05)
    return job


def test_ctrl_c_here_stops_and_reaps_the_workers(forked: list[int]) -> None:
    before = _open_fds()
    with pytest.raises(KeyboardInterrupt):
        fork_map(_interrupt_here, list(range(40)), 3)
    assert _all_reaped(forked)
    assert _open_fds() == before


def test_results_written_by_workers_are_complete_for_large_results(tmp_path: Path) -> None:
    # Results larger than a pipe's buffer: the worker writes while this process reads.
    jobs = [str(tmp_path / f"{index}") * 500 for index in range(100)]
    assert fork_map(str.upper, jobs, 2) == [job.upper() for job in jobs]


def test_can_fork_is_false_while_another_thread_runs() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        thread.join()
    # True again once this is the only thread (another test may have left one running).
    assert can_fork() is (threading.active_count() == 1)


def test_when_fork_fails_the_work_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    before = _open_fds()
    assert fork_map(_square_and_pid, list(range(10)), 4) == [(job * job, PARENT) for job in range(10)]
    assert _open_fds() == before


_done_in_worker: list[int] = []


def _die_after_two_in_worker(job: int) -> tuple[int, int]:
    if os.getpid() != PARENT:
        _done_in_worker.append(job)
        if len(_done_in_worker) > 2:  # two results sent, then killed while working on the third
            os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return job, os.getpid()


def test_results_a_worker_sent_before_it_died_are_kept_and_the_rest_done_here(forked: list[int]) -> None:
    results = fork_map(_die_after_two_in_worker, list(range(30)), 2)
    assert [job for job, _ in results] == list(range(30))
    from_worker = [job for job, pid in results if pid != PARENT]
    assert len(from_worker) == 2
    assert _all_reaped(forked)
