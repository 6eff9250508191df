"""Map a function over jobs in forked worker processes, the calling process working too.

A lint job takes about two milliseconds, so what a process pool adds per job (pickling the job
and its result through a queue, a feeder thread, a management thread) and at start
(importing :mod:`multiprocessing`) is a large part of the run. Here the workers are plain
``os.fork`` children that inherit the jobs, share one queue of job numbers in a pipe (so a
slow notebook does not hold up the others: whoever is free takes the next one), and send
their results back once, at the end. The calling process takes jobs from the same queue
instead of waiting.

A worker that dies (killed, out of memory) loses nothing: the caller runs the jobs whose
results did not come back itself. An exception raised by the function in a worker is raised
again in the caller, as it would be without workers.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, NoReturn, TypeVar

__all__ = ["can_fork", "fork_map"]

_J = TypeVar("_J")
_R = TypeVar("_R")

_TOKEN = struct.Struct("<I")
# A pipe holds 64 KiB on Linux; the whole queue is written before the workers start, so it
# holds at most this many tokens (a token stands for a run of consecutive jobs when there are more).
_MAX_TOKENS = 65536 // _TOKEN.size
_EXIT_INTERRUPTED = 130


def can_fork() -> bool:
    """True where :func:`fork_map` may fork: POSIX, and no other thread is running.

    A thread could hold a lock (of an allocator, a logger, a buffer) at the moment of the fork,
    and the child would wait for it forever; Python 3.12 warns about forking a threaded process.
    """
    import threading  # noqa: PLC0415 - already imported by the interpreter, a dictionary lookup

    return hasattr(os, "fork") and threading.active_count() == 1


def fork_map(
    function: Callable[[_J], _R],
    jobs: Sequence[_J],
    workers: int,
    *,
    on_done: Callable[[int], None] | None = None,
) -> list[_R]:
    """``[function(job) for job in jobs]``, computed by ``workers`` processes (this one included).

    Args:
        function: Called once per job, in this process or in a forked child.
        jobs: The work; children inherit it (nothing is pickled on the way in).
        workers: Processes in all, this one included; 1 computes everything here.
        on_done: Called with the number of jobs finished so far, now and then (for progress).

    Only call it where :func:`can_fork` is true. Results must pickle.
    """
    results: dict[int, _R] = {}
    if workers > 1 and len(jobs) > 1:
        with _Workers(function, jobs) as pool:
            pool.start(workers - 1)
            results = pool.work(on_done)
            results.update(pool.collect())
        if on_done:
            on_done(len(results))
    # Without workers, and for the jobs of a worker that died, the work is done here.
    for index in range(len(jobs)):
        if index not in results:
            results[index] = function(jobs[index])
            if on_done:
                on_done(len(results))
    return [results[index] for index in range(len(jobs))]


class _Workers(Generic[_J, _R]):
    """Forked workers and the pipes they share with this process: the job queue and progress ticks."""

    def __init__(self, function: Callable[[_J], _R], jobs: Sequence[_J]) -> None:
        self.function, self.jobs = function, jobs
        self.chunk = -(-len(jobs) // _MAX_TOKENS)  # jobs per token (ceiling division)
        self.children: list[tuple[int, int]] = []  # (pid, read end of its result pipe)
        self.queue, queue_write = os.pipe()
        try:
            os.write(queue_write, b"".join(_TOKEN.pack(start) for start in range(0, len(jobs), self.chunk)))
        finally:
            os.close(queue_write)  # the queue is complete: a read at its end returns b"" (no more work)
        self.progress, self.progress_write = os.pipe()
        # Neither end ever waits: this process reads what is there; a worker drops a tick the pipe
        # has no room for.
        os.set_blocking(self.progress, False)
        os.set_blocking(self.progress_write, False)

    def __enter__(self) -> _Workers[_J, _R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for fd in (self.queue, self.progress, self.progress_write):
            if fd != -1:
                os.close(fd)
        for pid, result_read in self.children:  # after an error or Ctrl-C here: kill and reap
            with contextlib.suppress(OSError):
                os.close(result_read)
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                if os.waitpid(pid, os.WNOHANG) == (0, 0):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)

    def start(self, count: int) -> None:
        """Fork ``count`` workers; they start taking jobs at once."""
        for stream in (sys.stdout, sys.stderr):  # or a child would write this process's buffered output again
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        for _ in range(count):
            try:
                result_read, result_write = os.pipe()
            except OSError:  # out of file descriptors: fewer workers, the work still gets done
                break
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: as above
                os.close(result_read)
                os.close(result_write)
                break
            if pid == 0:
                os.close(result_read)
                self._child(result_write)  # never returns
            os.close(result_write)
            self.children.append((pid, result_read))
        os.close(self.progress_write)  # only workers write ticks
        self.progress_write = -1

    def work(self, on_done: Callable[[int], None] | None) -> dict[int, _R]:
        """Take jobs from the queue here too, until it is empty; report progress on the way."""
        results: dict[int, _R] = {}
        finished_by_workers = 0
        for index in self._take():
            results[index] = self.function(self.jobs[index])
            if on_done:
                finished_by_workers += _drain(self.progress)
                on_done(len(results) + finished_by_workers)
        return results

    def collect(self) -> dict[int, _R]:
        """Every worker's results; raises what a worker raised."""
        results: dict[int, _R] = {}
        while self.children:
            pid, result_read = self.children.pop(0)
            with os.fdopen(result_read, "rb") as stream:
                data = stream.read()
            os.waitpid(pid, 0)
            results.update(_decode(data))
        return results

    def _take(self) -> Iterator[int]:
        """Job numbers from the shared queue until it is empty.

        A read of a few bytes from a pipe is atomic, so each token goes to exactly one process.
        """
        while token := os.read(self.queue, _TOKEN.size):
            start = _TOKEN.unpack(token)[0]
            yield from range(start, min(start + self.chunk, len(self.jobs)))

    def _child(self, result_write: int) -> NoReturn:
        """A worker's whole life: take jobs until the queue is empty, send the results, exit."""
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C reaches the whole process group: just stop
            try:
                found = []
                for index in self._take():
                    found.append((index, self.function(self.jobs[index])))
                    with contextlib.suppress(BlockingIOError):  # progress is best effort; never wait for it
                        os.write(self.progress_write, b".")
                message = pickle.dumps(("ok", found), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller, raised there
                message = _error_message(exc)
            view = memoryview(message)
            while view:
                view = view[os.write(result_write, view) :]
        except BaseException:  # noqa: BLE001 - the caller sees a worker without results and does its jobs
            code = 1
        finally:
            os._exit(code)


def _error_message(exc: Exception) -> bytes:
    import traceback  # noqa: PLC0415 - only after a failure

    text = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps(("error", exc, text), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle comes back as its traceback
        return pickle.dumps(("error", None, text), protocol=pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes) -> dict[int, Any]:
    """A worker's message: its results by job number, or what it raised, raised here."""
    try:
        message = pickle.loads(data)
    except Exception:  # noqa: BLE001 - cut short: the worker died while sending; its jobs run here
        return {}
    if message[0] == "error":
        _, exc, text = message
        if exc is None:
            raise RuntimeError(f"a lint worker failed:\n{text}")
        exc.add_note(f"raised in a lint worker:\n{text}")
        raise exc
    return dict(message[1])


def _drain(progress: int) -> int:
    try:
        return len(os.read(progress, 65536))
    except BlockingIOError:
        return 0
