"""A real ``jupyter server`` process on 127.0.0.1 and a flood of concurrent lint requests against it.

Used by the load test (``test_load.py``) and ``benchmarks/server_load_bench.py``: unlike
pytest-jupyter's in-process server, this one has its own process, event loop and GIL, as in use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tornado.simple_httpclient import SimpleAsyncHTTPClient

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running server: its base URL (``http://127.0.0.1:PORT/``), token and root."""

    url: str
    token: str
    root: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def live_server(root: Path, *, max_lint_jobs: int | None = None, timeout: float = 90) -> Iterator[LiveServer]:
    """Start ``jupyter server`` on 127.0.0.1 with a token and ``root``; stop it (this process only) at the end."""
    home = root.parent / f"{root.name}-jupyter"
    for folder in ("config", "data", "runtime"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    settings: dict = {"ServerApp": {"jpserver_extensions": {"dsquality.jupyter": True}}}
    if max_lint_jobs is not None:
        settings["DsqualityExtension"] = {"max_lint_jobs": max_lint_jobs}
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(settings))
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # CI containers run as root
    ]
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = LiveServer(f"http://127.0.0.1:{port}/", token, root)
    try:
        _wait_until_up(server, process, home / "server.log", timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: LiveServer, process: subprocess.Popen, log: Path, timeout: float) -> None:
    request = urllib.request.Request(f"{server.url}dsquality/api/templates", headers=server.headers)  # noqa: S310
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError),
            urllib.request.urlopen(request, timeout=5) as response,  # noqa: S310 - our own 127.0.0.1 URL
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"jupyter server not answering after {timeout} s:\n{log.read_text()[-3000:]}")


@dataclass(slots=True)
class Answer:
    """One response: status, body and latency (seconds from sending to the complete answer)."""

    status: int
    body: bytes
    seconds: float
    finished: float = field(default=0.0)  # perf_counter() when it arrived


@dataclass(slots=True)
class Flood:
    """The lint answers, the ``GET templates`` sent during the flood, and the wall time of the flood."""

    lints: list[Answer]
    templates: Answer
    seconds: float


async def flood(server: LiveServer, bodies: Sequence[bytes], *, probe_after: float = 0.5) -> Flood:
    """POST every body to ``lint`` at once; ``probe_after`` seconds in, a ``GET templates``."""
    client = SimpleAsyncHTTPClient(force_instance=True, max_clients=len(bodies) + 1)

    async def send(url: str, method: str, body: bytes | None = None) -> Answer:
        start = time.perf_counter()
        response = await client.fetch(
            url, method=method, body=body, headers=server.headers, raise_error=False, request_timeout=600
        )
        end = time.perf_counter()
        return Answer(response.code, response.body or b"", end - start, end)

    async def probe() -> Answer:
        await asyncio.sleep(probe_after)
        return await send(f"{server.url}dsquality/api/templates", "GET")

    start = time.perf_counter()
    try:
        *lints, templates = await asyncio.gather(
            *(send(f"{server.url}dsquality/api/lint", "POST", body) for body in bodies), probe()
        )
    finally:
        client.close()
    return Flood(lints, templates, time.perf_counter() - start)


def lint_bodies(root: Path, count: int, sources: Sequence[Path]) -> list[bytes]:
    """``count`` lint request bodies cycling over ``sources``: copied into ``root`` and sent by path, or sent whole.

    Even positions send ``{"path": ...}`` (the server reads the saved file), odd ones
    ``{"notebook": ..., "path": ...}`` (the frontend's in-memory notebook).
    """
    folder = root / "flood"
    folder.mkdir(exist_ok=True)
    names = []
    for index, source in enumerate(sources):
        name = f"flood/{index:03d}_{source.name}"
        (root / name).write_bytes(source.read_bytes())
        names.append(name)
    bodies = []
    for position in range(count):
        name = names[position % len(names)]
        if position % 2 == 0:
            bodies.append(json.dumps({"path": name}).encode())
        else:
            document = json.loads((root / name).read_text(encoding="utf-8"))
            bodies.append(json.dumps({"notebook": document, "path": name}).encode())
    return bodies


def project_notebooks() -> list[Path]:
    """The example notebooks and templates of this repository: what a team's files look like."""
    return sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "templates").glob("*.ipynb"))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
