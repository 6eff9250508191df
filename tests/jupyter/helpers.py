"""Shared by the server extension's tests: notebooks, error bodies, and HTTP at the socket level."""

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

API = ("dsquality", "api")


def notebook(*sources: str) -> dict:
    """An nbformat 4.5 notebook: a title cell, then one code cell per source (ids ``c0``, ``c1``…)."""
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A notebook"}]
    cells += [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for i, s in enumerate(sources)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


async def error(fetch, *parts, **kwargs) -> tuple[int, dict]:
    """The status and JSON body of a request that must fail."""
    with pytest.raises(HTTPClientError) as info:
        await fetch(*parts, **kwargs)
    assert info.value.response is not None, info.value
    return info.value.code, json.loads(info.value.response.body)


async def raw_request(port: int, head: str, body: bytes = b"", *, timeout: float = 10) -> tuple[int, dict]:
    """Send ``head`` (request line and headers, without the blank line) and ``body`` on a fresh socket.

    Returns the status and JSON body of the answer, read as soon as the server sends it: a test
    can send a large ``Content-Length`` and no body, and still get the server's answer.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
        await writer.drain()
        header_block = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = header_block.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(headers.get("Content-Length", "0"))
        payload = await asyncio.wait_for(reader.readexactly(length), timeout)
        return status, json.loads(payload or b"{}")
    finally:
        writer.close()


def assert_clear_error(document: dict) -> None:
    """A JSON error as dsquality sends it: a non-empty message, no traceback."""
    assert isinstance(document.get("message"), str), document
    assert document["message"].strip()
    assert "Traceback" not in json.dumps(document)
    assert not document.get("traceback")
