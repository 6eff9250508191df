"""Real kernels forked by a real fork server, driven through jupyter_client and through papermill."""

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import nbformat
import psutil
import pytest
from jupyter_client.provisioning.factory import KernelProvisionerFactory

from dsquality.errors import KernelStartError, NotebookExecutionError
from dsquality.runs import kernels
from dsquality.runs.execute import execute_notebook
from dsquality.runs.forkserver import ForkServer, fork_unavailable
from dsquality.runs.kernels import (
    ForkProvisioner,
    RunKernelManager,
    describe_exit,
    fork_server_for,
    kernel_module,
)

needs_fork = pytest.mark.skipif(fork_unavailable() is not None, reason="needs os.fork")


def test_kernel_module_recognises_ipykernel_command_lines() -> None:
    assert kernel_module(["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]) == "ipykernel_launcher"
    assert kernel_module(["/venv/bin/python3", "-m", "ipykernel", "-f", "x"]) == "ipykernel"
    assert kernel_module(["R", "--slave", "-e", "IRkernel::main()"]) is None
    assert kernel_module(["python", "script.py"]) is None


def test_describe_exit() -> None:
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(None) == ""


def test_fork_server_for_other_kernels(write_notebook) -> None:
    nb = write_notebook(["x = 1"])
    assert fork_server_for(nb, kernel="no-such-kernel") is None  # papermill reports the unknown kernel itself
    with pytest.raises(KernelStartError, match="--preload needs kernels that can be forked, and there is no kernel"):
        fork_server_for(nb, kernel="no-such-kernel", preload=["json"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    if fork_unavailable() is not None:
        pytest.skip("needs os.fork")
    log = tmp_path_factory.mktemp("fork") / "fork.log"
    with ForkServer(preload=["numpy", "sklearn.linear_model"], stderr=log) as running:
        yield running


async def _execute(client, code: str, timeout: float = 30) -> dict:  # type: ignore[no-untyped-def, type-arg]
    for _attempt in range(5):
        msg_id = client.execute(code)
        while True:
            reply = await client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "aborted":  # requests right after an error are aborted for a moment
            break
        await asyncio.sleep(0.2)
    return reply["content"]  # type: ignore[no-any-return]


@needs_fork
@pytest.mark.slow
def test_provisioner_polls_interrupts_and_kills_a_forked_kernel(server: ForkServer, tmp_path: Path) -> None:
    async def scenario() -> None:
        manager = RunKernelManager(kernel_name="python3", fork_server=server.address)
        await manager.start_kernel(cwd=str(tmp_path))
        assert isinstance(manager.provisioner, ForkProvisioner)
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=30)
            kernel = psutil.Process(manager.provisioner.pid)
            assert kernel.ppid() == server.pid  # forked by the server, not started by us
            assert kernel.cwd() == str(tmp_path)
            assert os.getpgid(kernel.pid) == kernel.pid  # its own process group, for interrupts
            assert await manager.is_alive()

            # interrupt: SIGINT to the kernel's process group, through the server
            msg_id = client.execute("import time\ntime.sleep(30)")
            await asyncio.sleep(1.0)
            await manager.interrupt_kernel()
            while True:
                reply = await client.get_shell_msg(timeout=10)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            assert reply["content"]["status"] == "error"
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            assert (await _execute(client, "x = 1"))["status"] == "ok"  # still serving after the interrupt

            # kill: the server reaps it, poll reports the signal
            await manager.provisioner.kill()
            assert await manager.provisioner.wait() == -signal.SIGKILL
            assert not await manager.is_alive()
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        assert not psutil.pid_exists(kernel.pid) or kernel.status() == psutil.STATUS_ZOMBIE

    asyncio.run(scenario())


@needs_fork
@pytest.mark.slow
def test_closing_the_connection_kills_the_kernel(server: ForkServer) -> None:
    async def scenario() -> int:
        manager = RunKernelManager(kernel_name="python3", fork_server=server.address)
        await manager.start_kernel()
        pid: int = manager.provisioner.pid
        assert psutil.pid_exists(pid)
        await manager.provisioner.cleanup()  # as if the worker that asked for it died
        await manager.cleanup_resources()
        return pid

    pid = asyncio.run(scenario())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not psutil.pid_exists(pid)  # killed, and reaped by the server (no zombie left)


ISOLATION = (
    "import json, os, sys, numpy\n"
    "from dsquality import record\n"
    "record('pid', os.getpid())\n"
    "record('ppid', os.getppid())\n"
    "record('leaked_global', 'LEAK' in globals())\n"
    "record('leaked_module_attribute', hasattr(json, 'leak'))\n"
    "record('random', float(numpy.random.random()))\n"
    "record('cwd', os.getcwd())\n"
    "record('env', os.environ.get('DSQ_TEST_VALUE'))\n"
    "LEAK = n\n"
    "json.leak = n  # a module object of the template, patched\n"
    "sys.modules['numpy'].leak = n\n"
)


@needs_fork
@pytest.mark.slow
def test_a_run_never_sees_what_another_run_did(
    server: ForkServer, write_notebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = write_notebook([("n: int = 0", ["parameters"]), ISOLATION, "from dsquality import record\nrecord('n', n)"])
    records = []
    for n in range(3):
        workdir = tmp_path / f"work{n}"
        workdir.mkdir()
        monkeypatch.setenv("DSQ_TEST_VALUE", f"value {n}")
        result = execute_notebook(
            nb, tmp_path / f"out{n}.ipynb", parameters={"n": n}, cwd=workdir, fork_server=server.address
        )
        records.append(result.records)
    assert [r["n"] for r in records] == [0, 1, 2]
    assert all(r["ppid"] == server.pid for r in records)  # every kernel was forked by the server
    assert len({r["pid"] for r in records}) == 3  # a new kernel per run, never reused
    assert not any(r["leaked_global"] for r in records)
    assert not any(r["leaked_module_attribute"] for r in records)
    assert len({r["random"] for r in records}) == 3  # numpy's global random state reseeded per kernel
    assert [r["cwd"] for r in records] == [str(tmp_path / f"work{n}") for n in range(3)]  # each run's cwd
    assert [r["env"] for r in records] == [f"value {n}" for n in range(3)]  # and environment


@needs_fork
@pytest.mark.slow
def test_timeout_interrupts_a_forked_kernel(server: ForkServer, write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(["x = 1", "import time\ntime.sleep(60)", "y = 2"])
    out = tmp_path / "out.ipynb"
    with pytest.raises(NotebookExecutionError) as caught:
        execute_notebook(nb, out, timeout=2, fork_server=server.address)
    assert (caught.value.cell, caught.value.ename) == (2, "CellTimeoutError")
    errors = [o.ename for o in nbformat.read(out, as_version=4).cells[1].outputs if o.output_type == "error"]
    assert errors == ["KeyboardInterrupt", "CellTimeoutError"]  # nbclient's interrupt reached the kernel


@needs_fork
@pytest.mark.slow
def test_a_killed_forked_kernel_is_reported_with_its_signal(server: ForkServer, write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(["md:# t", "import os\nos.kill(os.getpid(), 9)", "y = 2"])
    with pytest.raises(NotebookExecutionError) as caught:
        execute_notebook(nb, tmp_path / "out.ipynb", fork_server=server.address)
    assert caught.value.cell == 2
    assert caught.value.ename == "DeadKernelError"
    assert caught.value.evalue == "the kernel died (killed by SIGKILL) while running this cell"


@needs_fork
@pytest.mark.slow
def test_a_kernelspec_can_name_the_provisioner(write_notebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "dsq-forked"
    spec.mkdir(parents=True)
    provisioner = {"provisioner_name": "dsquality-fork", "config": {"preload": ["dsquality.runs.limits"]}}
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (forked)",
                "language": "python",
                "metadata": {"kernel_provisioner": provisioner},
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # What the entry point in pyproject.toml provides once the package is installed:
    factory = KernelProvisionerFactory.instance()
    entry = EntryPoint("dsquality-fork", "dsquality.runs.kernels:ForkProvisioner", KernelProvisionerFactory.GROUP_NAME)
    monkeypatch.setitem(factory.provisioners, "dsquality-fork", entry)
    facts = "import os, sys\nfrom dsquality import record\nrecord('ppid', os.getppid())\n"
    nb = write_notebook([facts + "record('preloaded', 'dsquality.runs.limits' in sys.modules)"])
    try:
        result = execute_notebook(nb, tmp_path / "out.ipynb", kernel="dsq-forked")
        shared = [server.pid for server in kernels._SHARED.values()]
    finally:
        kernels._stop_shared()  # what atexit does
    assert result.records["preloaded"] is True
    assert shared == [result.records["ppid"]]  # forked by the process's own fork server
    assert not psutil.pid_exists(shared[0])
