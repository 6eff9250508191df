"""The server extension under hostile or broken input: auth, XSRF, traversal, body size, bad JSON, concurrency."""

import asyncio
import json
import os
import threading
import time
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets import TraitError
from traitlets.config import Config

from dsquality.jupyter import app
from dsquality.jupyter.app import DsqualityExtension
from tests.jupyter.helpers import API, assert_clear_error, error, notebook, raw_request

LIMIT = 200_000  # DsqualityExtension.max_body_bytes in this folder's jp_server_config
NOTEBOOK = notebook("print(total)\n", "total = 1\n")
# (method, route parts, body): one request per route, each valid for an authenticated caller
ROUTES = [
    ("GET", ("templates",), None),
    ("POST", ("templates", "model_training"), {"path": "created.ipynb"}),
    ("POST", ("lint",), {"notebook": NOTEBOOK}),
    ("POST", ("lint",), {"path": "saved.ipynb"}),
]
ROUTE_IDS = ["list-templates", "create", "lint-notebook", "lint-path"]


@pytest.fixture
def saved(jp_root_dir: Path) -> Path:
    path = jp_root_dir / "saved.ipynb"
    path.write_text(json.dumps(NOTEBOOK))
    return path


def _body(body: dict | None) -> str | None:
    return None if body is None else json.dumps(body)


# --- authentication and XSRF ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("authorization", ["", "token wrong-token", "Bearer nope"], ids=["none", "bad-token", "bearer"])
@pytest.mark.usefixtures("saved")
async def test_unauthenticated_requests_are_refused(jp_fetch, jp_root_dir, route, authorization):
    method, parts, body = route
    code, document = await error(
        jp_fetch, *API, *parts, method=method, body=_body(body), headers={"Authorization": authorization}
    )
    assert code == 403
    assert_clear_error(document)
    assert not (jp_root_dir / "created.ipynb").exists()


async def test_unauthenticated_body_is_refused_before_it_is_read(jp_listening_port, jp_base_url):
    # 1 GB declared, nothing sent: the 403 comes back at once, without waiting for the body
    head = f"POST {jp_base_url}dsquality/api/lint HTTP/1.1\nHost: localhost\nContent-Length: 1000000000"
    status, document = await raw_request(jp_listening_port, head)
    assert status == 403
    assert_clear_error(document)


async def _cookie_session(jp_fetch, jp_serverapp) -> dict[str, str]:
    """Headers of a browser session: the login cookie, no token."""
    token = jp_serverapp.identity_provider.token
    login = await jp_fetch(*API, "templates", params={"token": token}, headers={"Authorization": ""})
    cookies = [value.split(";", 1)[0] for value in login.headers.get_list("Set-Cookie")]
    user_cookie = [c for c in cookies if c.startswith("username-")]
    assert user_cookie, cookies
    headers = {"Authorization": "", "Cookie": "; ".join(user_cookie)}
    assert (await jp_fetch(*API, "templates", headers=dict(headers))).code == 200  # the cookie alone authenticates
    return headers


@pytest.mark.parametrize("route", ROUTES[1:], ids=ROUTE_IDS[1:])
@pytest.mark.usefixtures("saved")
async def test_cookie_authenticated_post_needs_the_xsrf_token(jp_fetch, jp_serverapp, jp_root_dir, route):
    method, parts, body = route
    session = await _cookie_session(jp_fetch, jp_serverapp)
    cookie = session["Cookie"]
    forged = [
        {},  # no token at all: what a cross-site form or fetch sends
        {"Cookie": f"{cookie}; _xsrf=abc123"},  # cookie but no header
        {"X-XSRFToken": "abc123"},  # header but no cookie
        {"Cookie": f"{cookie}; _xsrf=abc123", "X-XSRFToken": "other"},  # mismatch
    ]
    for extra in forged:
        code, document = await error(
            jp_fetch, *API, *parts, method=method, body=_body(body), headers={**session, **extra}
        )
        assert code == 403, extra
        assert_clear_error(document)
        assert not (jp_root_dir / "created.ipynb").exists()
    matched = {**session, "Cookie": f"{cookie}; _xsrf=abc123", "X-XSRFToken": "abc123"}
    response = await jp_fetch(*API, *parts, method=method, body=_body(body), headers=matched)
    assert response.code in {200, 201}
    # a token-authenticated request needs no XSRF token (jp_fetch sends "Authorization: token …")
    again = {"path": "again.ipynb"} if "templates" in parts else body
    assert (await jp_fetch(*API, *parts, method=method, body=_body(again))).code in {200, 201}


# --- path traversal -------------------------------------------------------------------------------

BAD_PATHS = [
    ("../escape.ipynb", 400),
    ("a/../../escape.ipynb", 400),
    ("./../escape.ipynb", 400),
    ("..", 400),
    ("%2e%2e/escape.ipynb", 400),
    ("%2e%2e%2fescape.ipynb", 400),
    ("%252e%252e%252fescape.ipynb", 400),  # encoded twice
    ("%25252e%25252e%25252fescape.ipynb", 400),  # three times
    ("%2fetc%2fescape.ipynb", 400),
    ("/etc/escape.ipynb", 400),
    ("//etc/escape.ipynb", 400),
    ("C:/escape.ipynb", 400),
    ("a\\..\\..\\escape.ipynb", 400),
    ("..%5cescape.ipynb", 400),
    ("escape.ipynb\x00.txt", 400),
    ("", 400),
    (".", 400),
    ("x" * 300 + ".ipynb", 400),
    ("out/escape.ipynb", 403),  # a folder symlinked out of the root
    ("link.ipynb", 403),  # a notebook symlinked out of the root
    ("dangling.ipynb", 403),  # a dangling symlink whose target is out of the root
    ("loop.ipynb", 400),  # a symlink loop
]


@pytest.fixture
def outside(jp_root_dir: Path, tmp_path: Path) -> Path:
    """A folder beside the root with a notebook in it, reachable from the root only through symlinks."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.ipynb").write_text(json.dumps(notebook("SECRET = 'do not leak'\n")))
    (jp_root_dir / "out").symlink_to(folder)
    (jp_root_dir / "link.ipynb").symlink_to(folder / "secret.ipynb")
    (jp_root_dir / "dangling.ipynb").symlink_to(folder / "new.ipynb")
    (jp_root_dir / "loop.ipynb").symlink_to(jp_root_dir / "loop.ipynb")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "make_body",
    [
        lambda path: ("templates/model_training", {"path": path}),
        lambda path: ("lint", {"path": path}),
        lambda path: ("lint", {"path": path, "notebook": NOTEBOOK}),
    ],
    ids=["create", "lint-path", "lint-notebook-named"],
)
@pytest.mark.parametrize("case", BAD_PATHS, ids=[repr(path)[:40] for path, _ in BAD_PATHS])
async def test_paths_out_of_the_root_are_refused(jp_fetch, outside, tmp_path, make_body, case):
    path, status = case
    before = _snapshot(tmp_path)
    route, body = make_body(path)
    code, document = await error(jp_fetch, *API, *route.split("/"), method="POST", body=json.dumps(body))
    assert code == status
    assert_clear_error(document)
    assert "do not leak" not in json.dumps(document)
    assert str(tmp_path) not in document["message"]  # no absolute server path either
    assert _snapshot(tmp_path) == before  # nothing written, inside the root or out of it
    assert not (outside / "new.ipynb").exists()


@pytest.mark.parametrize(
    "name",
    ["..", "..%2F..%2Fescape", "%2e%2e", "%2E%2E%2Fescape", "..%5Cescape", "model_training%00", "a%252F..", ".hidden"],
)
async def test_template_names_with_traversal_are_refused(
    jp_serverapp, http_server_client, jp_auth_header, jp_base_url, name
):
    # sent as is: jp_fetch would URL-encode the name once more
    with pytest.raises(HTTPClientError) as info:
        await http_server_client.fetch(
            f"{jp_base_url}dsquality/api/templates/{name}",
            method="POST",
            body=json.dumps({"path": "x.ipynb"}),
            headers=jp_auth_header,
        )
    assert info.value.code == 400
    assert_clear_error(json.loads(info.value.response.body))
    assert "invalid template name" in json.loads(info.value.response.body)["message"]


async def test_hidden_files_are_not_linted(jp_fetch, jp_root_dir):
    (jp_root_dir / ".secrets").mkdir()
    (jp_root_dir / ".secrets" / "nb.ipynb").write_text(json.dumps(NOTEBOOK))
    code, document = await error(jp_fetch, *API, "lint", method="POST", body=json.dumps({"path": ".secrets/nb.ipynb"}))
    assert code == 404
    assert_clear_error(document)


async def test_symlink_inside_the_root_is_followed(jp_fetch, jp_root_dir, saved):
    (jp_root_dir / "alias.ipynb").symlink_to(saved)
    response = await jp_fetch(*API, "lint", method="POST", body=json.dumps({"path": "alias.ipynb"}))
    assert {d["path"] for d in json.loads(response.body)["diagnostics"]} == {"alias.ipynb"}


# --- request bodies over the limit ----------------------------------------------------------------


def _head(jp_base_url: str, token: str, length: int | None, *extra: str) -> str:
    lines = [f"POST {jp_base_url}dsquality/api/lint HTTP/1.1", "Host: localhost", f"Authorization: token {token}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return "\n".join([*lines, *extra])


def _assert_413(status: int, document: dict) -> None:
    assert status == 413
    assert_clear_error(document)
    assert str(LIMIT) in document["message"]
    assert "max_body_bytes" in document["message"]


async def test_declared_length_over_the_limit_is_refused_before_the_body(jp_listening_port, jp_base_url, jp_serverapp):
    # Expect: 100-continue: the client sends the body only if the server agrees; it does not
    token = jp_serverapp.identity_provider.token
    head = _head(jp_base_url, token, 10**12, "Expect: 100-continue", "Content-Type: application/json")
    _assert_413(*await raw_request(jp_listening_port, head))


async def test_declared_length_over_the_server_cap_is_refused_at_once(jp_listening_port, jp_base_url, jp_serverapp):
    # over ServerApp.max_body_size (512 MiB) tornado would not read the body at all: no point draining it
    token = jp_serverapp.identity_provider.token
    _assert_413(*await raw_request(jp_listening_port, _head(jp_base_url, token, jp_serverapp.max_body_size + 1)))


async def test_body_over_the_limit_is_discarded_then_refused(jp_listening_port, jp_base_url, jp_serverapp):
    token = jp_serverapp.identity_provider.token
    body = json.dumps({"notebook": notebook("# padding\n" * 30_000)}).encode()
    assert len(body) > LIMIT
    _assert_413(*await raw_request(jp_listening_port, _head(jp_base_url, token, len(body)), body))


async def test_chunked_body_over_the_limit_is_refused(jp_serverapp, http_server_client, jp_auth_header, jp_base_url):
    async def produce(write) -> None:
        for _ in range(30):
            await write(b" " * 10_000)
        await write(json.dumps({"notebook": NOTEBOOK}).encode())

    with pytest.raises(HTTPClientError) as info:
        await http_server_client.fetch(
            f"{jp_base_url}dsquality/api/lint", method="POST", body_producer=produce, headers=jp_auth_header
        )
    _assert_413(info.value.code, json.loads(info.value.response.body))


async def test_body_at_the_limit_is_accepted(jp_fetch):
    body = json.dumps({"notebook": NOTEBOOK})
    body = body[:-1] + " " * (LIMIT - len(body)) + "}"  # JSON allows whitespace: exactly LIMIT bytes
    assert len(body.encode()) == LIMIT
    response = await jp_fetch(*API, "lint", method="POST", body=body)
    assert json.loads(response.body)["summary"]["total"] >= 1


def test_limits_are_configurable_with_documented_defaults():
    extension = DsqualityExtension()
    assert extension.max_body_bytes == 16 * 1024 * 1024
    assert extension.max_lint_jobs == (os.cpu_count() or 1)
    configured = DsqualityExtension(
        config=Config({"DsqualityExtension": {"max_body_bytes": 10**8, "max_lint_jobs": 3}})
    )
    assert (configured.max_body_bytes, configured.max_lint_jobs) == (10**8, 3)
    with pytest.raises(TraitError):
        DsqualityExtension(max_lint_jobs=0)
    with pytest.raises(TraitError):
        DsqualityExtension(max_body_bytes=-1)


# --- malformed bodies ------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("route", "body", "expected"),
    [
        ("lint", "{", "not JSON"),
        ("lint", "", "give 'path'"),
        ("lint", "null", "not null"),
        ("lint", "[1, 2]", "not a list"),
        ("lint", '"nb.ipynb"', "not a string"),
        ("lint", b"\xff\xfe{}", "not JSON"),
        ("lint", DEEP, "nested too deeply"),
        ("lint", {}, "give 'path'"),
        ("lint", {"path": 5}, "not a number"),
        ("lint", {"path": ["a.ipynb"]}, "not a list"),
        ("lint", {"path": {"a": 1}}, "not an object"),
        ("lint", {"path": "  "}, "non-empty"),
        ("lint", {"notebook": "{}"}, "not a string"),
        ("lint", {"notebook": [1, 2]}, "not a list"),
        ("lint", {"notebook": 5}, "not a number"),
        ("lint", {"notebook": True}, "not a boolean"),
        ("lint", {"notebook": {}}, "not a valid notebook"),
        ("lint", {"notebook": {"nbformat": 9, "cells": []}}, "unsupported nbformat version 9"),
        ("lint", {"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 5}}, "'cells'"),
        ("lint", {"notebook": {**NOTEBOOK, "cells": [5]}}, "not a JSON object"),
        ("lint", {"notebook": {**NOTEBOOK, "cells": [{"cell_type": "code", "source": 5}]}}, "'source'"),
        ("lint", {"notebook": NOTEBOOK, "select": "DSQ"}, "'select' must be a list of strings, not a string"),
        ("lint", {"notebook": NOTEBOOK, "ignore": [1]}, "not a list holding a number"),
        ("lint", {"notebook": NOTEBOOK, "tools": "ruff"}, "'tools' must be a list"),
        ("lint", {"notebook": NOTEBOOK, "tools": ["rm -rf /"]}, "unknown tools"),
        ("templates/model_training", "{", "not JSON"),
        ("templates/model_training", "", "'path' must be"),
        ("templates/model_training", {"path": None}, "not null"),
        ("templates/model_training", {"path": 1.5}, "not a number"),
        ("templates/model_training", "[]", "not a list"),
    ],
)
async def test_malformed_bodies_get_400_with_a_clear_message(jp_fetch, jp_root_dir, route, body, expected):
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    code, document = await error(jp_fetch, *API, *route.split("/"), method="POST", body=payload)
    assert code == 400
    assert_clear_error(document)
    assert expected in document["message"]
    assert str(jp_root_dir) not in document["message"]


async def test_invalid_notebook_is_reported_under_its_api_path(jp_fetch, jp_root_dir):
    (jp_root_dir / "dir").mkdir()
    body = {"path": "dir/nb.ipynb", "notebook": {**NOTEBOOK, "cells": [{"cell_type": "nope"}]}}
    code, document = await error(jp_fetch, *API, "lint", method="POST", body=json.dumps(body))
    assert code == 400
    assert document["message"].startswith("dir/nb.ipynb:cell 1: not a valid notebook: unknown cell_type 'nope'")
    assert str(jp_root_dir) not in document["message"]


async def test_a_bug_is_a_json_500_without_traceback(jp_fetch, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a bug in a rule")

    monkeypatch.setattr(app, "lint_to_json", broken)
    code, document = await error(jp_fetch, *API, "lint", method="POST", body=json.dumps({"notebook": NOTEBOOK}))
    assert code == 500
    assert_clear_error(document)
    assert "TypeError" in document["message"]
    assert "report" in document["message"]


async def test_broken_project_config_is_a_clear_error_without_absolute_paths(jp_fetch, jp_root_dir):
    (jp_root_dir / "pyproject.toml").write_text("[tool.dsquality]\nselect = 5\n")
    code, document = await error(jp_fetch, *API, "lint", method="POST", body=json.dumps({"notebook": NOTEBOOK}))
    assert code == 500
    assert_clear_error(document)
    assert "pyproject.toml" in document["message"]
    assert str(jp_root_dir) not in document["message"]


# --- concurrency ------------------------------------------------------------------------------------

TWO_JOBS = Config(
    {
        "ServerApp": {"jpserver_extensions": {"dsquality.jupyter": True}},
        "DsqualityExtension": {"max_lint_jobs": 2},
    }
)


@pytest.mark.parametrize("jp_server_config", [TWO_JOBS])
async def test_lint_jobs_run_off_the_loop_two_at_a_time(jp_fetch, jp_server_config, monkeypatch):
    running, peak, threads = 0, 0, set()
    lock = threading.Lock()
    real = app.lint_to_json

    def slow_lint(*args, **kwargs):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            threads.add(threading.current_thread().name)
        time.sleep(0.2)  # blocks its worker thread, never the event loop
        with lock:
            running -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(app, "lint_to_json", slow_lint)
    body = json.dumps({"notebook": NOTEBOOK})
    lints = [asyncio.ensure_future(jp_fetch(*API, "lint", method="POST", body=body)) for _ in range(8)]
    await asyncio.sleep(0.1)
    listed = await jp_fetch(*API, "templates")
    assert not all(lint.done() for lint in lints)  # answered while lint jobs still run or queue
    assert json.loads(listed.body)["templates"]
    responses = await asyncio.gather(*lints)
    assert [r.code for r in responses] == [200] * 8
    assert all(json.loads(r.body)["summary"]["total"] >= 1 for r in responses)
    assert peak == 2
    assert threads <= {"dsquality-lint_0", "dsquality-lint_1"}
