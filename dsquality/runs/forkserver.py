"""A fork server for kernels: every run gets a fresh kernel, without paying for a fresh interpreter.

Starting an IPython kernel costs an interpreter start, ``import ipykernel`` and, in a data-science
notebook, ``import sklearn``/``pandas`` in the new kernel, the same work for every run of a batch.
The fork server does that work once: a *template* process (``python -m dsquality.runs.forkserver``)
imports ipykernel and the modules named by ``--preload``, then waits. For each kernel it is asked
for, it forks; the child becomes the kernel (``python -m ipykernel_launcher -f CONNECTION_FILE``
run in-process). Memory is copy-on-write, so each kernel starts from the template's clean state;
a kernel is never reused, and what one run does (globals, monkey-patched modules) cannot reach
another.

Safety of ``fork``:

- The template has a single thread when it forks (checked before every fork, and after each
  preloaded module, naming the module that started a thread). Thread pools of BLAS/OpenMP
  libraries are held at one thread while the modules load (``OPENBLAS_NUM_THREADS=1`` and co.,
  unless set by the user) and are set back to their usual size in each kernel (with threadpoolctl);
  pyarrow's jemalloc is loaded without its background purging thread (its default memory pool is
  mimalloc anyway).
  No zmq context and no event loop exist in the template: the kernel creates them after the fork.
- Each kernel gets the environment, working directory, stdout/stderr (passed as file descriptors)
  and memory limit of the run that asked for it; it is a session leader (interrupts go to its
  process group, as with jupyter_client's own launcher); numpy's global random state is reseeded
  (Python's ``random`` reseeds itself after a fork).
- Kernels are children of the server, which reaps them: the provisioner
  (:class:`dsquality.runs.kernels.ForkProvisioner`) polls, signals and kills its kernel through
  the server, over one connection per kernel. When that connection closes (the run ended, its
  worker died), the server kills the kernel if it still runs. When the server's own parent goes
  away (its stdin reaches end-of-file, even after a SIGKILL), it kills every kernel and exits;
  kernels also watch the server (``JPY_PARENT_PID``) and exit if it disappears.

Protocol (a private detail): on a Unix socket, messages are a 4-byte length and JSON; the request
that starts a kernel carries its stdout and stderr descriptors (``SCM_RIGHTS``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import runpy
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

__all__ = ["ForkServer", "fork_unavailable", "receive_message", "send_message"]

_HEADER = struct.Struct("!I")
_MAX_MESSAGE = 64 * 1024 * 1024
# Thread pools that native libraries size from these variables when they load.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
# Set while the template imports (unless the user set them): no thread may exist when it forks.
# pyarrow (imported by pandas 3) starts a jemalloc purging thread unless told not to.
_LOADING_ENVIRONMENT = {**dict.fromkeys(_THREAD_VARIABLES, "1"), "JE_ARROW_MALLOC_CONF": "background_thread:false"}
_READY_TIMEOUT = 120.0
_STOP_TIMEOUT = 10.0


def fork_unavailable() -> str | None:
    """Why kernels cannot be forked on this platform, or ``None`` when they can."""
    if sys.platform == "win32" or not hasattr(os, "fork"):
        return f"os.fork is not available on {sys.platform}"
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"):
        return "Unix sockets with descriptor passing are not available"
    return None


# --- messages ------------------------------------------------------------------------------------


def send_message(sock: socket.socket, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
    """Send one message (and, with it, the file descriptors ``fds``)."""
    payload = json.dumps(message).encode()
    data = _HEADER.pack(len(payload)) + payload
    if fds:
        sent = socket.send_fds(sock, [data], list(fds))
        data = data[sent:]
    sock.sendall(data)


def _receive_exactly(sock: socket.socket, size: int, start: bytes = b"") -> bytes:
    buffer = bytearray(start)
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            raise ConnectionError("the connection closed in the middle of a message")
        buffer += chunk
    return bytes(buffer)


def receive_message(sock: socket.socket, *, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """Receive one message and the descriptors sent with it; ``(None, [])`` when the peer closed."""
    if max_fds:
        first, fds, _flags, _address = socket.recv_fds(sock, _HEADER.size, max_fds)
    else:
        first, fds = sock.recv(_HEADER.size), []
    if not first:
        for fd in fds:
            os.close(fd)
        return None, []
    (length,) = _HEADER.unpack(_receive_exactly(sock, _HEADER.size, first))
    if length > _MAX_MESSAGE:
        raise ConnectionError(f"a message of {length} bytes is too long")
    message = json.loads(_receive_exactly(sock, length))
    if not isinstance(message, dict):
        raise ConnectionError("a message is not a JSON object")
    return message, list(fds)


# --- the client: one server per batch ---------------------------------------------------------------


class ForkServer:
    """The template process, started on ``__enter__`` (or :meth:`start`) and stopped on exit.

    Args:
        python: the interpreter of the kernels (the kernelspec's ``argv[0]``); default: this one.
        preload: modules to import in the template, so that kernels start with them imported.
        stderr: a file for the server's (and its kernels' start-up) error output; default: inherited.

    Raises:
        KernelStartError: forking is not available here, or the template could not start (a module
            in ``preload`` cannot be imported, or starts a thread).
    """

    def __init__(self, *, python: str | None = None, preload: Sequence[str] = (), stderr: Path | None = None) -> None:
        self.python = python or sys.executable
        self.preload = tuple(preload)
        self.stderr = stderr
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._directory: Path | None = None

    @property
    def address(self) -> str:
        """The path of the server's Unix socket (what :class:`~dsquality.runs.kernels.ForkProvisioner` needs)."""
        if self._directory is None:
            raise RuntimeError("the fork server is not running: use it as a context manager")
        return str(self._directory / "socket")

    def start(self) -> None:
        """Start the template process and wait until it has imported everything and listens."""
        from dsquality.errors import KernelStartError  # noqa: PLC0415 - keep the server's imports minimal

        reason = fork_unavailable()
        if reason is not None:
            raise KernelStartError(f"kernels cannot be forked: {reason}", hint=_NO_FORK_HINT)
        self._directory = Path(tempfile.mkdtemp(prefix="dsq-fork-"))
        command = [self.python, "-m", __name__, "--socket", self.address, "--preload", ",".join(self.preload)]
        log_file: IO[bytes] | None = None
        try:
            if self.stderr is not None:
                self.stderr.parent.mkdir(parents=True, exist_ok=True)
                log_file = self.stderr.open("ab")
            self._process = subprocess.Popen(  # noqa: S603 - our own module, run by the kernel's interpreter
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file
            )
        except OSError as exc:
            self.stop()
            raise KernelStartError(f"the fork server could not start with {self.python}: {exc}") from None
        finally:
            if log_file is not None:
                log_file.close()
        ready = self._wait_ready()
        if "error" in ready:
            self.stop()
            raise KernelStartError(str(ready["error"]), hint=str(ready.get("hint") or _NO_FORK_HINT))
        self.pid = int(ready["pid"])

    def _wait_ready(self) -> dict[str, Any]:
        process = self._process
        assert process is not None  # noqa: S101 - set by start()
        assert process.stdout is not None  # noqa: S101
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(_READY_TIMEOUT):
                return {"error": f"the fork server did not start within {_READY_TIMEOUT:.0f} s"}
        line = process.stdout.readline()
        try:
            ready = json.loads(line)
        except ValueError:
            ready = None
        if not isinstance(ready, dict):
            code = process.wait()
            return {"error": f"the fork server exited with code {code} before it was ready ({self.python})"}
        return ready

    def stop(self) -> None:
        """Stop the server: it kills the kernels it still has, and exits. Safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()  # end-of-file: the server's signal to stop
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


_NO_FORK_HINT = "Run without --preload (and with --no-fork for `dsq batch`) to start every kernel as a new process."


# --- the server (in the template process) -------------------------------------------------------------


def _thread_count() -> int:
    try:
        return sum(1 for _task in Path("/proc/self/task").iterdir())
    except OSError:
        import threading  # noqa: PLC0415

        return threading.active_count()


def _preload(modules: Sequence[str]) -> dict[str, str] | None:
    """Import ipykernel and ``modules`` with native thread pools held at one thread; an error message or None."""
    loading = {name: value for name, value in _LOADING_ENVIRONMENT.items() if name not in os.environ}
    os.environ.update(loading)
    for module in ("ipykernel.kernelapp", *modules):
        try:
            importlib.import_module(module)
        except BaseException as exc:  # noqa: BLE001 - any failure of a user's module is reported, not raised
            return {
                "error": f"--preload: cannot import {module!r} with {sys.executable}: {type(exc).__name__}: {exc}",
                "hint": "Check the module name, and that it is installed in the kernel's environment.",
            }
        if _thread_count() > 1:
            return {
                "error": f"--preload: importing {module!r} started a thread; a process with threads cannot be "
                "forked safely",
                "hint": f"Leave {module!r} out of --preload (the notebook can still import it).",
            }
    for name in loading:
        del os.environ[name]
    os.environ["DSQ_FORK_LIMITED_THREADS"] = ",".join(name for name in loading if name in _THREAD_VARIABLES)
    return None


class _Server:
    """The template's loop: one connection per kernel, requests answered one at a time."""

    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        Path(path).chmod(0o600)
        self.listener.listen(64)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(sys.stdin.buffer, selectors.EVENT_READ, "parent")
        self.kernels: dict[socket.socket, int | None] = {}  # connection -> pid of its kernel
        self.exits: dict[int, int] = {}  # pid -> exit code, once reaped

    def serve(self) -> None:
        while True:
            for key, _events in self.selector.select():
                if key.data == "parent":
                    if not os.read(sys.stdin.fileno(), 4096):
                        return  # the parent is gone or asked us to stop
                elif key.data == "accept":
                    connection, _address = self.listener.accept()
                    self.kernels[connection] = None
                    self.selector.register(connection, selectors.EVENT_READ, "kernel")
                else:
                    self._handle(key.fileobj)  # type: ignore[arg-type]

    def _handle(self, connection: socket.socket) -> None:
        try:
            message, fds = receive_message(connection, max_fds=2)
        except (OSError, ValueError):
            message, fds = None, []
        if message is None:
            self._close(connection)
            return
        try:
            reply = self._reply(connection, message, fds)
        finally:
            for fd in fds:
                os.close(fd)
        with contextlib.suppress(OSError):
            send_message(connection, reply)

    def _reply(self, connection: socket.socket, message: Mapping[str, Any], fds: list[int]) -> dict[str, Any]:
        pid = self.kernels.get(connection)
        operation = message.get("op")
        if operation == "spawn":
            if pid is not None:
                return {"error": "this connection already has a kernel"}
            if len(fds) != 2:  # noqa: PLR2004 - stdout and stderr
                return {"error": "a kernel needs its stdout and stderr descriptors"}
            if _thread_count() > 1:
                return {"error": "the fork server has more than one thread; it cannot fork safely"}
            pid = self._fork(message, fds)
            self.kernels[connection] = pid
            return {"pid": pid}
        if pid is None:
            return {"error": "no kernel was started on this connection"}
        if operation == "poll":
            return {"exit": self._reap(pid)}
        if operation == "signal":
            if self._reap(pid) is None:
                _signal_group(pid, int(message["signum"]))
            return {"exit": self.exits.get(pid)}
        return {"error": f"unknown operation {operation!r}"}

    def _reap(self, pid: int, *, block: bool = False) -> int | None:
        if pid in self.exits:
            return self.exits[pid]
        try:
            reaped, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # not ours to wait for any more: report it as gone
            reaped, status = pid, 0
        if reaped == 0:
            return None
        self.exits[pid] = os.waitstatus_to_exitcode(status)
        return self.exits[pid]

    def _close(self, connection: socket.socket) -> None:
        pid = self.kernels.pop(connection, None)
        self.selector.unregister(connection)
        connection.close()
        if pid is not None:
            if self._reap(pid) is None:
                _signal_group(pid, signal.SIGKILL)
                self._reap(pid, block=True)
            self.exits.pop(pid, None)

    def stop(self) -> None:
        for connection in list(self.kernels):
            self._close(connection)
        self.selector.close()
        path = Path(self.listener.getsockname())
        self.listener.close()
        # The parent removes the directory too, unless it was killed: then this is the only clean-up.
        with contextlib.suppress(OSError):
            path.unlink()
            path.parent.rmdir()

    def _fork(self, request: Mapping[str, Any], fds: list[int]) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            self.selector.close()
            self.listener.close()
            for connection in self.kernels:
                connection.close()
            code = _become_kernel(request, fds)
        except BaseException:  # noqa: BLE001 - the child must never return into the server's loop
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def _signal_group(pid: int, signum: int) -> None:
    """Signal the kernel's process group (it and what it started), or the kernel alone before its setsid."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
    except PermissionError:
        pass


def _become_kernel(request: Mapping[str, Any], fds: list[int]) -> int:
    """In the forked child: take the run's environment and run the kernel; its exit code."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    cwd = str(request["cwd"])
    os.chdir(cwd)
    limited = os.environ.get("DSQ_FORK_LIMITED_THREADS", "")
    os.environ.clear()
    os.environ.update({str(key): str(value) for key, value in dict(request["env"]).items()})
    os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the kernel exits if the server goes away
    memory_limit = request.get("memory_limit")
    if memory_limit is not None:
        import resource  # noqa: PLC0415 - POSIX only, like fork

        resource.setrlimit(resource.RLIMIT_AS, (int(memory_limit), int(memory_limit)))
    _fresh_process_state([name for name in limited.split(",") if name])
    argv = [str(item) for item in request["argv"]]
    # ipykernel read JPY_PARENT_PID when the template imported it: give the kernel its parent explicitly.
    sys.argv = [argv[0], *argv[3:], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.path[0] = cwd  # as `python -m` puts it
    try:
        runpy.run_module(str(request["module"]), run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        import atexit  # noqa: PLC0415

        atexit._run_exitfuncs()  # noqa: SLF001 - what the interpreter would do at exit; os._exit skips it
    if code is None or isinstance(code, int):
        return code or 0
    sys.stderr.write(f"{code}\n")
    return 1


def _fresh_process_state(limited: Sequence[str]) -> None:
    """What a new process would have and a fork does not: its own random state and full thread pools."""
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()  # the legacy global RandomState, seeded from the OS as at import
    wanted = [name for name in limited if name not in os.environ]
    if not wanted:
        return
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")  # scikit-learn's dependency; untyped
    except ImportError:
        return
    if threadpoolctl.threadpool_info():
        cores = os.cpu_count() or 1
        omp = os.environ.get("OMP_NUM_THREADS")
        threadpoolctl.threadpool_limits(limits={"blas": int(os.environ.get("OPENBLAS_NUM_THREADS") or omp or cores)})
        threadpoolctl.threadpool_limits(limits={"openmp": int(omp or cores)})


def _tell(message: Mapping[str, Any]) -> None:
    """One JSON line to the parent, on stdout."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dsquality.runs.forkserver --socket PATH [--preload A,B]``: serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m dsquality.runs.forkserver")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--preload", default="")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the batch, which stops us
    failed = _preload([name.strip() for name in args.preload.split(",") if name.strip()])
    if failed is not None:
        _tell(failed)
        return 2
    server = _Server(args.socket)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    gc.freeze()  # objects of the template stay out of the children's collections: fewer copied pages
    _tell({"pid": os.getpid(), "python": sys.executable, "threads": _thread_count()})
    try:
        server.serve()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
