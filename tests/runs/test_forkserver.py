import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dsquality.errors import KernelStartError
from dsquality.runs.forkserver import ForkServer, fork_unavailable, receive_message, send_message

pytestmark = pytest.mark.skipif(fork_unavailable() is not None, reason="needs os.fork")


def test_messages_round_trip_with_descriptors(tmp_path: Path) -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        message = {"op": "spawn", "env": {"A": "x" * 100_000}, "argv": ["python", "-m", "ipykernel_launcher"]}
        path = tmp_path / "out.txt"
        with path.open("w") as file:
            send_message(left, message, [file.fileno()])
            received, fds = receive_message(right, max_fds=2)
        assert received == message
        assert len(fds) == 1
        os.write(fds[0], b"through the passed descriptor")
        os.close(fds[0])
        assert path.read_text() == "through the passed descriptor"
        left.close()
        assert receive_message(right) == (None, [])


def test_server_must_be_entered() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = ForkServer().address


def server_process(server: ForkServer) -> psutil.Process:
    assert server.pid is not None
    return psutil.Process(server.pid)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(predicate, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.slow
def test_server_starts_with_preloaded_modules_and_stops_without_a_trace(tmp_path: Path) -> None:
    with ForkServer(preload=["json", "sklearn.linear_model"], stderr=tmp_path / "fork.log") as server:
        process = server_process(server)
        assert process.ppid() == os.getpid()
        assert process.num_threads() == 1  # nothing may run beside the thread that forks
        address = Path(server.address)
        assert address.is_socket()
        assert oct(address.stat().st_mode & 0o777) == oct(0o600)
    assert wait_until(lambda: gone(process.pid), 5)
    assert not address.parent.exists()
    server.stop()  # twice is fine


@pytest.mark.slow
def test_a_module_that_does_not_import_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KernelStartError) as caught, ForkServer(preload=["sklearnn"], stderr=tmp_path / "fork.log"):
        pass
    message = str(caught.value)
    assert "--preload: cannot import 'sklearnn'" in message
    assert "ModuleNotFoundError" in message
    assert "Check the module name" in message


@pytest.mark.slow
def test_a_module_that_starts_a_thread_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "threaded.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(KernelStartError) as caught, ForkServer(preload=["threaded"]):
        pass
    assert "importing 'threaded' started a thread" in str(caught.value)
    assert "Leave 'threaded' out of --preload" in str(caught.value)


@pytest.mark.slow
def test_server_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from dsquality.runs.forkserver import ForkServer\n"
        "server = ForkServer()\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None
            pid = int(parent.stdout.readline())
            assert psutil.Process(pid).ppid() == parent.pid
        finally:
            parent.kill()  # SIGKILL: no clean-up code runs in the parent
    assert wait_until(lambda: gone(pid), 10), "the fork server outlived its parent"
