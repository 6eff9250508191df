"""Where the runs of a batch execute: a local process pool, or a Dask cluster.

An :class:`Executor` maps a picklable function over items and yields each item with its result
(or the exception that escaped the function) as soon as it finishes, in completion order. The
batch function it is given never raises for a failed notebook (it returns the failure), so an
exception here means the worker itself was lost.

Every run gets a fresh kernel of its own; the executors only decide which process starts it.
papermill and nbclient keep per-process state, so runs go to separate *processes*, never to
threads of one process: the local pool uses the ``spawn`` start method (no fork of a process
that holds a progress-bar thread), and the Dask ``LocalCluster`` one thread per worker. Workers
of an existing Dask cluster should be started with ``--nthreads 1``, need dsquality installed,
and must see the notebook and the output directory at the same paths (a shared filesystem).

:data:`EXECUTORS` is the explicit registry the CLI offers (``--executor``).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from dsquality.errors import MissingDependencyError

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "LocalExecutor", "make_executor"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs a function over items in other processes; a context manager that frees them on exit."""

    @property
    def slots(self) -> int:
        """How many items run at the same time (for progress: the number running)."""

    def map_unordered(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Yield ``(item, function(item))`` as each finishes; the exception instead if one escaped."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...


# After Ctrl-C, how long the items in progress have to stop and report (a kernel's shutdown takes seconds).
_INTERRUPT_GRACE = 20.0


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from multiprocessing's fork server, which imports papermill once (not once per worker).

    Elsewhere than Linux (no fork server, or no pidfd to see the batch process end from a worker that
    is not its child), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods() or not hasattr(os, "pidfd_open"):
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dsquality.runs.worker"])
    return context


def _default_workers() -> int:
    return os.cpu_count() or 1


def _init_worker(stderr: str, batch: int) -> None:
    """In a worker: redirect stderr, and exit if the batch process goes away (even killed with SIGKILL)."""
    _redirect_stderr(stderr)
    threading.Thread(target=_exit_with_batch, args=(batch,), name="dsq-batch-watch", daemon=True).start()


def _exit_with_batch(batch: int) -> None:
    """Exit once the process ``batch`` has ended: an orphaned worker would run for nobody.

    With a pidfd (Linux), the end of the process is seen even before its parent reaps it; else a
    spawned worker watches its parent id, which changes when the batch process ends.
    """
    if hasattr(os, "pidfd_open"):
        try:
            handle = os.pidfd_open(batch)
        except ProcessLookupError:
            os._exit(1)
        select.select([handle], [], [])  # readable once the process has exited
        os._exit(1)
    while os.getppid() == batch:
        time.sleep(0.5)
    os._exit(1)


def _redirect_stderr(path: str) -> None:
    """In a worker: send file descriptor 2 (inherited by the kernels it starts) to ``path`` (if not empty)."""
    if not path:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


class LocalExecutor:
    """A pool of ``workers`` processes on this machine (default: one per core).

    ``stderr``: a file that receives what the workers and their kernels write on stderr (kernel
    start-up warnings, tracebacks), appended; by default it goes to this process's stderr.
    """

    def __init__(self, *, workers: int | None = None, stderr: Path | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers or _default_workers()
        self.stderr = stderr
        self._pool: ProcessPoolExecutor | None = None

    @property
    def slots(self) -> int:
        """The number of worker processes."""
        return self.workers

    def __enter__(self) -> Self:
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=_worker_context(),
            initializer=_init_worker,
            initargs=(str(self.stderr) if self.stderr is not None else "", os.getpid()),
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            # On Ctrl-C, do not wait for queued runs (map_unordered gave the running ones time to stop).
            self._pool.shutdown(wait=kind is None, cancel_futures=True)
            self._pool = None

    def map_unordered(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Submit every item to the pool and yield them as they finish."""
        if self._pool is None:
            raise RuntimeError("use the executor as a context manager: `with LocalExecutor() as executor:`")
        futures: dict[Future[R], T] = {self._pool.submit(function, item): item for item in items}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from _outcomes(futures, done)
        except KeyboardInterrupt:
            # Ctrl-C reached the workers too: the running items stop soon; report them, then stop.
            for future in pending:
                future.cancel()  # the ones no worker took yet
            running = {future for future in pending if not future.cancelled()}
            deadline = time.monotonic() + _INTERRUPT_GRACE
            while running and time.monotonic() < deadline:
                done, running = wait(running, timeout=deadline - time.monotonic(), return_when=FIRST_COMPLETED)
                yield from _outcomes(futures, done)
            raise


def _outcomes(futures: dict[Future[R], T], done: set[Future[R]]) -> Iterator[tuple[T, R | BaseException]]:
    for future in done:
        error = future.exception()
        yield futures[future], (error if error is not None else future.result())


class DaskExecutor:
    """Runs on a Dask cluster: the one at ``scheduler`` (``tcp://HOST:PORT``), else a new ``LocalCluster``.

    The local cluster listens on 127.0.0.1 only, has ``workers`` single-threaded worker processes
    (default: one per core) and is closed on exit; an existing cluster is left running.

    Raises:
        MissingDependencyError: ``distributed`` is not installed (``pip install 'dsquality[dask]'``).
    """

    def __init__(self, *, scheduler: str | None = None, workers: int | None = None, processes: bool = True) -> None:
        try:
            # An optional extra, imported as a module object: its API is untyped, and mypy must not need it.
            self._distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise MissingDependencyError("distributed", feature="--executor dask", extra="dask") from None
        self.scheduler = scheduler
        self.workers = workers or _default_workers()
        self.processes = processes
        self._cluster: Any = None
        self._client: Any = None

    @property
    def slots(self) -> int:
        """The number of worker threads of the cluster."""
        if self._client is None:
            return self.workers
        threads = self._client.nthreads()
        return max(1, sum(threads.values())) if isinstance(threads, dict) else self.workers

    def __enter__(self) -> Self:
        if self.scheduler is None:
            self._cluster = self._distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = self._distributed.Client(self._cluster)
        else:
            self._client = self._distributed.Client(self.scheduler)
        log.info("dask client: %s", self._client)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_unordered(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Submit every item as a task (never cached: each is a run) and yield them as they finish."""
        if self._client is None:
            raise RuntimeError("use the executor as a context manager: `with DaskExecutor() as executor:`")
        futures = self._client.map(function, items, pure=False)
        by_key = {future.key: item for future, item in zip(futures, items, strict=True)}
        for future in self._distributed.as_completed(futures):
            item = by_key[future.key]
            if future.status == "finished":
                yield item, future.result()
            else:
                yield item, future.exception()


# The registry of executors `dsq batch --executor` offers: name -> factory.
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "local": LocalExecutor,
    "dask": DaskExecutor,
}


def make_executor(
    name: str, *, workers: int | None = None, scheduler: str | None = None, stderr: Path | None = None
) -> Executor:
    """The executor registered as ``name``, configured from the CLI options.

    ``scheduler`` is for Dask only; ``stderr`` for the local pool only (Dask workers log on their own).

    Raises:
        ValueError: ``name`` is not registered, or ``scheduler`` is given for another executor.
        MissingDependencyError: the executor needs a package that is not installed.
    """
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")
    if name == "local":
        if scheduler is not None:
            raise ValueError("--scheduler is for --executor dask")
        return LocalExecutor(workers=workers, stderr=stderr)
    return EXECUTORS[name](workers=workers, scheduler=scheduler)
