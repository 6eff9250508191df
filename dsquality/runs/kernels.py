"""How dsquality starts kernels: forked from a fork server, and/or with a memory limit.

- :class:`ForkProvisioner`, a jupyter_client kernel provisioner (registered as the entry point
  ``dsquality-fork`` of ``jupyter_client.kernel_provisioners``): the kernel is forked by a
  :class:`~dsquality.runs.forkserver.ForkServer` instead of started as a new process. Polling,
  signals (interrupt is SIGINT to the kernel's process group), kill and wait go through the server,
  whose child the kernel is. Given no server (a kernelspec naming the provisioner, e.g. in Jupyter),
  it starts one for the process, with the ``preload`` of its config, and stops it at exit.
- :class:`LimitedProvisioner`: jupyter_client's local provisioner plus an address-space limit
  (``RLIMIT_AS``) on the kernel, for runs that are not forked.
- :class:`RunKernelManager`: papermill's kernel manager class for a run, configured with the fork
  server and memory limit (traitlets config), which picks the provisioner; it also remembers how
  each run's kernel ended, so that a dead kernel's error can say "killed by SIGKILL".

papermill stays the executor: these classes reach it as nbclient's ``kernel_manager_class``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Integer, List, Unicode

from dsquality.errors import KernelStartError
from dsquality.runs.forkserver import ForkServer, fork_unavailable, receive_message, send_message

__all__ = [
    "ForkProvisioner",
    "LimitedProvisioner",
    "RunKernelManager",
    "describe_exit",
    "exit_code",
    "fork_server_for",
    "kernel_module",
    "manager_options",
]

log = logging.getLogger(__name__)

# Exit codes of runs' kernels, by the run token given to RunKernelManager (one entry per run).
_EXITS: dict[str, int] = {}
_LAUNCHERS = ("ipykernel_launcher", "ipykernel")


def kernel_module(argv: Sequence[str]) -> str | None:
    """The module of an ipykernel command line (``python -m ipykernel_launcher …``), else ``None``."""
    if len(argv) >= 3 and argv[1] == "-m" and argv[2] in _LAUNCHERS:  # noqa: PLR2004 - python -m module
        return argv[2]
    return None


def _set_memory_limit(pid: int, limit: int) -> None:
    import resource  # noqa: PLC0415 - POSIX only

    if not hasattr(resource, "prlimit"):
        raise KernelStartError(f"a memory limit needs Linux (resource.prlimit), not {sys.platform}")
    resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))


class LimitedProvisioner(LocalProvisioner):
    """The local provisioner, with an address-space limit (``memory_limit`` bytes) on the kernel."""

    memory_limit = Integer(None, allow_none=True, config=True, help="address-space limit of the kernel (bytes)")

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Start the kernel as jupyter_client does, then limit its memory."""
        info = await super().launch_kernel(cmd, **kwargs)
        if self.memory_limit is not None and self.pid is not None:
            _set_memory_limit(self.pid, self.memory_limit)
        return info


class ForkProvisioner(LimitedProvisioner):
    """A kernel forked by a fork server (see :mod:`dsquality.runs.forkserver`).

    ``fork_server`` is the server's socket path; empty, a server for this process is started on
    first use with ``preload`` (and stopped at exit). A kernel command that is not
    ``python -m ipykernel_launcher`` is started the usual way.
    """

    fork_server = Unicode("", config=True, help="socket path of a running fork server")
    preload = List(Unicode(), config=True, help="modules the process's own fork server imports")

    _connection: socket.socket | None = None
    _exit: int | None = None

    @property
    def has_process(self) -> bool:
        """Whether a kernel was forked and not yet waited for (or a process started the usual way)."""
        return self._connection is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Ask the fork server for a kernel running ``cmd`` with the run's environment and directory."""
        module = kernel_module(cmd)
        if module is None:
            self.log.info("not an ipykernel command, started as a new process: %s", cmd)
            return await super().launch_kernel(cmd, **kwargs)
        address = self.fork_server or _shared_server(cmd[0], self.preload).address
        cwd = str(kwargs.get("cwd") or Path.cwd())
        request = {
            "op": "spawn",
            "argv": cmd,
            "module": module,
            "cwd": cwd,
            "env": dict(kwargs.get("env") or os.environ),
            "memory_limit": self.memory_limit,
        }
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(address)
            outputs = (_fd(kwargs.get("stdout"), 1), _fd(kwargs.get("stderr"), 2))
            reply = self._ask(request, connection=connection, fds=outputs)
        except OSError as exc:
            connection.close()
            raise KernelStartError(f"the fork server at {address} cannot be reached: {exc}") from None
        if "error" in reply:
            connection.close()
            raise KernelStartError(f"the fork server could not start a kernel: {reply['error']}")
        self._connection = connection
        self._exit = None
        self.pid = self.pgid = int(reply["pid"])
        self.cwd = cwd
        return self.connection_info

    def _ask(
        self, request: dict[str, Any], *, connection: socket.socket | None = None, fds: Sequence[int] = ()
    ) -> dict[str, Any]:
        connection = connection or self._connection
        assert connection is not None  # noqa: S101 - callers check
        send_message(connection, request, fds)
        reply, _fds = receive_message(connection)
        if reply is None:
            raise ConnectionError("the fork server closed the connection")
        return reply

    async def poll(self) -> int | None:
        """``None`` while the kernel runs, else its exit code (negative: killed by that signal)."""
        if self._connection is None:
            return self._exit if self._exit is not None else await super().poll()
        try:
            code = self._ask({"op": "poll"})["exit"]
        except (OSError, ValueError, KeyError):
            code = -signal.SIGKILL  # the server is gone, and its kernels with it
        if code is not None:
            self._exit = int(code)
        return self._exit

    async def wait(self) -> int | None:
        """Wait until the kernel has exited; its exit code."""
        if self._connection is None:
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.05)
        self._disconnect()
        return self._exit

    async def send_signal(self, signum: int) -> None:
        """Signal the kernel's process group (through the server, which knows whether it is still its child)."""
        if self._connection is None:
            await super().send_signal(signum)
            return
        with contextlib.suppress(OSError, ValueError):
            self._ask({"op": "signal", "signum": int(signum)})

    async def kill(self, restart: bool = False) -> None:  # noqa: FBT001, FBT002 - jupyter_client's signature
        """SIGKILL to the kernel's process group."""
        if self._connection is None:
            await super().kill(restart)
            return
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:  # noqa: FBT001, FBT002 - jupyter_client's signature
        """SIGTERM to the kernel's process group."""
        if self._connection is None:
            await super().terminate(restart)
            return
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:  # noqa: FBT001, FBT002 - jupyter_client's signature
        """Close the connection (the server kills the kernel if it still runs) and free the ports."""
        self._disconnect()
        await super().cleanup(restart)

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _fd(stream: Any, default: int) -> int:
    if stream is None:
        return default
    return stream if isinstance(stream, int) else int(stream.fileno())


_SHARED: dict[tuple[str, tuple[str, ...]], ForkServer] = {}


def _shared_server(python: str, preload: Sequence[str]) -> ForkServer:
    """The fork server of this process for ``python`` and ``preload``, started on first use, stopped at exit."""
    key = (python, tuple(preload))
    if key not in _SHARED:
        server = ForkServer(python=python, preload=preload)
        server.start()
        if not _SHARED:
            atexit.register(_stop_shared)
        _SHARED[key] = server
    return _SHARED[key]


def _stop_shared() -> None:
    while _SHARED:
        _SHARED.popitem()[1].stop()


class RunKernelManager(AsyncKernelManager):
    """The kernel manager of a run: picks the provisioner and remembers how the kernel ended."""

    fork_server = Unicode("", config=True, help="socket path of the fork server; empty: start kernels as processes")
    memory_limit = Integer(None, allow_none=True, config=True, help="address-space limit of the kernel (bytes)")
    run_token = Unicode("", config=True, help="key under which the kernel's exit code is kept (see exit_code)")

    # jupyter_client declares these as synchronous on KernelManager; AsyncKernelManager makes them coroutines.
    async def start_kernel(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Create the provisioner this run needs, then start the kernel as jupyter_client does."""
        if self.provisioner is None and (self.fork_server or self.memory_limit is not None):
            self.kernel_id = self.kernel_id or kwargs.pop("kernel_id", None) or str(uuid.uuid4())
            options: dict[str, Any] = {"memory_limit": self.memory_limit}
            if self.fork_server:
                options["fork_server"] = self.fork_server
            provisioner = ForkProvisioner if self.fork_server else LimitedProvisioner
            self.provisioner = provisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self, **options
            )
        await super().start_kernel(**kwargs)

    async def is_alive(self) -> bool:  # type: ignore[override]
        """Whether the kernel runs; when it does not, its exit code is kept for :func:`exit_code`."""
        alive = bool(await super().is_alive())
        if not alive and self.run_token and self.provisioner is not None:
            code = await self.provisioner.poll()
            if code is not None:
                _EXITS[self.run_token] = int(code)
        return alive


def manager_options(*, fork_server: str | None, memory_limit: int | None) -> tuple[dict[str, Any], str]:
    """Keyword arguments for ``papermill.execute_notebook`` that run the kernel this way, and the run's token.

    The token gives the kernel's exit code afterwards (:func:`exit_code`).
    """
    from traitlets.config import Config  # noqa: PLC0415

    token = uuid.uuid4().hex
    config = Config({"RunKernelManager": {"run_token": token, "memory_limit": memory_limit}})
    if fork_server:
        config.RunKernelManager.fork_server = fork_server
    return {"kernel_manager_class": RunKernelManager, "config": config}, token


def exit_code(token: str) -> int | None:
    """How the kernel of the run with ``token`` ended, if it died (forgotten once asked)."""
    return _EXITS.pop(token, None)


def describe_exit(code: int | None) -> str:
    """``"killed by SIGKILL"``, ``"exited with code 1"``; empty when unknown."""
    if code is None:
        return ""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exited with code {code}"


def fork_server_for(
    notebook: Path, *, kernel: str | None = None, preload: Sequence[str] = (), stderr: Path | None = None
) -> ForkServer | None:
    """A fork server (not started yet) for the kernels of ``notebook``; ``None`` if they cannot be forked.

    Kernels are forked when the platform has ``fork`` and the kernel (``kernel``, else the
    notebook's kernelspec, else ``python3``) is ipykernel started as ``python -m ipykernel_launcher``
    with jupyter_client's own provisioner; the template runs the kernelspec's interpreter.

    Raises:
        KernelStartError: ``preload`` was asked for, but the kernels cannot be forked.
    """
    reason = fork_unavailable()
    python = None
    if reason is None:
        python, reason = _forkable_kernel(notebook, kernel)
    if reason is None:
        return ForkServer(python=python, preload=preload, stderr=stderr)
    if preload:
        raise KernelStartError(
            f"--preload needs kernels that can be forked, and {reason}",
            hint="Run without --preload: every kernel then starts as a new process.",
        )
    log.info("kernels start as new processes: %s", reason)
    return None


def _forkable_kernel(notebook: Path, kernel: str | None) -> tuple[str | None, str | None]:
    """The interpreter of the notebook's kernel, or why it cannot be forked."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # noqa: PLC0415

    if kernel is None:
        try:
            metadata = json.loads(notebook.read_bytes()).get("metadata") or {}
            kernel = (metadata.get("kernelspec") or {}).get("name")
        except (OSError, ValueError, AttributeError):
            kernel = None
    name = kernel or "python3"
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return None, f"there is no kernel named {name!r}"
    if spec.metadata.get("kernel_provisioner"):
        return None, f"the kernel {name!r} has its own provisioner"
    if kernel_module(spec.argv) is None:
        return None, f"the kernel {name!r} is not started as `python -m ipykernel_launcher` ({' '.join(spec.argv)})"
    python = str(spec.argv[0])
    # jupyter_client runs a bare `python` as the interpreter it runs in (KernelManager.format_kernel_cmd).
    if python in {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}:
        python = sys.executable
    return python, None
