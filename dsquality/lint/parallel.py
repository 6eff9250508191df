"""Map a function over jobs in forked worker processes, the calling process working too.

A lint job takes about two milliseconds, so what a process pool adds per job (pickling the job
through a queue, a feeder thread, a management thread) and at start (importing
:mod:`multiprocessing`) is a large part of the run. Here the workers are plain ``os.fork``
children that inherit the jobs and share one queue of job numbers in a pipe (so a slow notebook
does not hold up the others: whoever is free takes the next one). The calling process takes jobs
from the same queue instead of waiting, and between its own jobs reads the results that workers
stream back, so that little is left to receive when the queue is empty.

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
# The whole queue is written before the workers start, with nobody reading yet, so it must fit in
# a pipe's buffer: 64 KiB on Linux, 16 KiB on macOS. A token stands for a run of consecutive jobs
# when there are more jobs than this.
_MAX_TOKENS = 16384 // _TOKEN.size
_LENGTH = struct.Struct("<I")
_PROTOCOL = pickle.HIGHEST_PROTOCOL


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
    """Forked workers, the job queue they share with this process, and the pipes of their results."""

    def __init__(self, function: Callable[[_J], _R], jobs: Sequence[_J]) -> None:
        self.function, self.jobs = function, jobs
        self.chunk = -(-len(jobs) // _MAX_TOKENS)  # jobs per token (ceiling division)
        self.children: dict[int, _Child] = {}  # by the read end of its result pipe
        self.results: dict[int, _R] = {}
        self.queue, queue_write = os.pipe()
        try:
            os.write(queue_write, b"".join(_TOKEN.pack(start) for start in range(0, len(jobs), self.chunk)))
        finally:
            os.close(queue_write)  # the queue is complete: a read at its end returns b"" (no more work)

    def __enter__(self) -> _Workers[_J, _R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.queue)
        for fd, child in self.children.items():  # after an error or Ctrl-C here: kill and reap
            os.close(fd)
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                if os.waitpid(child.pid, os.WNOHANG) == (0, 0):
                    os.kill(child.pid, signal.SIGKILL)
                    os.waitpid(child.pid, 0)
        self.children.clear()

    def start(self, count: int) -> None:
        """Fork ``count`` workers (fewer if the system refuses); they start taking jobs at once."""
        for stream in (sys.stdout, sys.stderr):  # or a child would write this process's buffered output again
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        for _ in range(count):
            try:
                result_read, result_write = os.pipe()
            except OSError:  # out of file descriptors: fewer workers, the work still gets done
                break
            _enlarge(result_write)
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
            os.set_blocking(result_read, False)  # read what has arrived between jobs, never wait
            self.children[result_read] = _Child(pid)

    def work(self, on_done: Callable[[int], None] | None) -> dict[int, _R]:
        """Take jobs from the queue here too until it is empty, then receive the rest; all results.

        Raises what a worker raised.
        """
        for index in self._take():
            self.results[index] = self.function(self.jobs[index])
            self._receive(wait=False)
            if on_done:
                on_done(len(self.results))
        while self.children:
            self._receive(wait=True)
            if on_done:
                on_done(len(self.results))
        return self.results

    def _receive(self, *, wait: bool) -> None:
        """Results that workers have sent; with ``wait``, block until one more arrives or a worker ends."""
        if wait:
            import select  # noqa: PLC0415 - only at the end, with workers still busy

            select.select(list(self.children), [], [])
        for fd in list(self.children):
            child = self.children[fd]
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not data:  # the worker is done (or died): what it sent is all there is
                os.close(fd)
                del self.children[fd]
                os.waitpid(child.pid, 0)
                continue
            child.buffer += data
            for message in child.messages():
                self.results.update(_decode(message))

    def _take(self) -> Iterator[int]:
        """Job numbers from the shared queue until it is empty.

        A read of a few bytes from a pipe is atomic, so each token goes to exactly one process.
        """
        while token := os.read(self.queue, _TOKEN.size):
            start = _TOKEN.unpack(token)[0]
            yield from range(start, min(start + self.chunk, len(self.jobs)))

    def _child(self, result_write: int) -> NoReturn:
        """A worker's whole life: take jobs until the queue is empty, send each result, exit."""
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C reaches the whole process group: just stop
            try:
                for index in self._take():
                    _send(result_write, pickle.dumps(("ok", index, self.function(self.jobs[index])), _PROTOCOL))
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller, raised there
                _send(result_write, _error_message(exc))
        except BaseException:  # noqa: BLE001 - the caller sees a worker without results and does its jobs
            code = 1
        finally:
            os._exit(code)


class _Child:
    """A worker's pid and what has arrived of its messages (each: a 4-byte length, then a pickle)."""

    __slots__ = ("buffer", "pid")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.buffer = bytearray()

    def messages(self) -> Iterator[bytes]:
        """The complete messages in the buffer, removed from it."""
        buffer, start = self.buffer, 0
        while len(buffer) - start >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if len(buffer) - start - _LENGTH.size < size:
                break
            start += _LENGTH.size
            yield bytes(buffer[start : start + size])
            start += size
        del buffer[:start]


def _send(fd: int, message: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(message)) + message)
    while view:
        view = view[os.write(fd, view) :]


def _enlarge(fd: int) -> None:
    """Give a result pipe room for a whole run's results (Linux), so a worker never waits to send."""
    import fcntl  # noqa: PLC0415 - POSIX only, like fork

    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is not None:
        with contextlib.suppress(OSError):  # above the system's limit: the default size works too
            fcntl.fcntl(fd, set_size, 1 << 20)


def _error_message(exc: Exception) -> bytes:
    import traceback  # noqa: PLC0415 - only after a failure

    text = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps(("error", exc, text), _PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle comes back as its traceback
        return pickle.dumps(("error", None, text), _PROTOCOL)


def _decode(message: bytes) -> dict[int, Any]:
    """A worker's result by job number; raises what the worker raised."""
    kind, *content = pickle.loads(message)
    if kind == "error":
        exc, text = content
        if exc is None:
            raise RuntimeError(f"a lint worker failed:\n{text}")
        exc.add_note(f"raised in a lint worker:\n{text}")
        raise exc
    index, result = content
    return {index: result}
