import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from dsquality.cli.main import main
from dsquality.report.json_format import json_schema

API = ("dsquality", "api")


def _notebook(*sources: str) -> dict:
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A notebook"}]
    cells += [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for i, s in enumerate(sources)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


async def _error(fetch, *parts, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as info:
        await fetch(*parts, **kwargs)
    body = info.value.response.body if info.value.response is not None else b"{}"
    return info.value.code, json.loads(body or b"{}")


async def test_list_templates_has_builtins_and_no_paths(jp_fetch, jp_root_dir):
    response = await jp_fetch(*API, "templates")
    listed = json.loads(response.body)["templates"]
    names = {item["name"] for item in listed}
    assert {"model_training", "exploratory_analysis", "evaluation_report", "promotable_module"} <= names
    assert all(set(item) == {"name", "title", "description"} for item in listed)
    assert str(Path(__file__).parents[2]) not in response.body.decode()
    assert "/" not in json.dumps([item["name"] for item in listed])


TEAM_CONFIG = Config(
    {
        "ServerApp": {"jpserver_extensions": {"dsquality.jupyter": True}},
        "DsqualityExtension": {"template_dirs": ["team"]},
    }
)


@pytest.mark.parametrize("jp_server_config", [TEAM_CONFIG])
async def test_team_templates_from_jupyter_config(jp_fetch, jp_root_dir, jp_server_config):
    team = jp_root_dir / "team"
    team.mkdir()
    source = Path(__file__).parents[2] / "templates" / "model_training.ipynb"
    data = json.loads(source.read_text())
    data["metadata"]["dsquality"]["template"] = {"title": "Team training", "description": "ours"}
    (team / "team_training.ipynb").write_text(json.dumps(data))
    listed = json.loads((await jp_fetch(*API, "templates")).body)["templates"]
    assert {"name": "team_training", "title": "Team training", "description": "ours"} in listed


async def test_create_from_template(jp_fetch, jp_root_dir):
    (jp_root_dir / "work").mkdir()
    response = await jp_fetch(*API, "templates", "model_training", method="POST", body=json.dumps({"path": "work/new"}))
    assert response.code == 201
    assert json.loads(response.body) == {"path": "work/new.ipynb"}
    created = json.loads((jp_root_dir / "work" / "new.ipynb").read_text())
    template = json.loads((Path(__file__).parents[2] / "templates" / "model_training.ipynb").read_text())
    assert [c["source"] for c in created["cells"]] == [c["source"] for c in template["cells"]]
    assert "template" not in created["metadata"].get("dsquality", {})
    assert created["metadata"]["kernelspec"]["name"] == "python3"
    code, body = await _error(
        jp_fetch, *API, "templates", "model_training", method="POST", body=json.dumps({"path": "work/new.ipynb"})
    )
    assert code == 409
    assert "already exists" in body["message"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("../escape.ipynb", 400),
        ("a/../../escape.ipynb", 400),
        ("%2e%2e/escape.ipynb", 400),
        ("/etc/escape.ipynb", 400),
        ("C:/escape.ipynb", 400),
        ("a\\..\\escape.ipynb", 400),
        ("", 400),
        ("out/escape.ipynb", 403),
        ("missing/new.ipynb", 404),
    ],
)
async def test_create_refuses_paths_outside_the_root(jp_fetch, jp_root_dir, tmp_path, path, status):
    outside = tmp_path / "outside"
    outside.mkdir()
    (jp_root_dir / "out").symlink_to(outside)
    code, body = await _error(
        jp_fetch, *API, "templates", "model_training", method="POST", body=json.dumps({"path": path})
    )
    assert code == status
    assert body["message"]
    assert not list(outside.iterdir())
    assert not (tmp_path / "escape.ipynb").exists()


async def test_unknown_template_is_404(jp_fetch):
    code, body = await _error(
        jp_fetch, *API, "templates", "model_trainig", method="POST", body=json.dumps({"path": "x.ipynb"})
    )
    assert code == 404
    assert "model_training" in body["message"]


@pytest.mark.parametrize(
    ("method", "parts", "body"),
    [
        ("GET", ("templates",), None),
        ("POST", ("templates", "model_training"), json.dumps({"path": "x.ipynb"})),
        ("POST", ("lint",), json.dumps({"notebook": _notebook("x = 1\n")})),
    ],
)
async def test_every_route_requires_authentication(jp_fetch, jp_root_dir, method, parts, body):
    code, _ = await _error(jp_fetch, *API, *parts, method=method, body=body, headers={"Authorization": ""})
    assert code == 403
    assert not (jp_root_dir / "x.ipynb").exists()


async def test_cookie_authenticated_post_needs_xsrf(jp_fetch, jp_serverapp, jp_root_dir):
    token = jp_serverapp.identity_provider.token
    login = await jp_fetch(*API, "templates", params={"token": token}, headers={"Authorization": ""})
    cookies = [value.split(";", 1)[0] for value in login.headers.get_list("Set-Cookie")]
    user_cookie = [c for c in cookies if c.startswith("username-")]
    assert user_cookie, cookies
    headers = {"Authorization": "", "Cookie": "; ".join(user_cookie)}
    # the cookie alone authenticates a GET…
    assert (await jp_fetch(*API, "templates", headers=dict(headers))).code == 200
    # …but a POST without the XSRF token is refused and creates nothing
    code, _ = await _error(
        jp_fetch,
        *API,
        "templates",
        "model_training",
        method="POST",
        body=json.dumps({"path": "x.ipynb"}),
        headers=dict(headers),
    )
    assert code == 403
    assert not (jp_root_dir / "x.ipynb").exists()
    xsrf = "abc123"
    with_xsrf = {"Authorization": "", "Cookie": f"{headers['Cookie']}; _xsrf={xsrf}", "X-XSRFToken": xsrf}
    response = await jp_fetch(
        *API, "templates", "model_training", method="POST", body=json.dumps({"path": "x.ipynb"}), headers=with_xsrf
    )
    assert response.code == 201


def _validate(document: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, json_schema())


async def test_lint_in_memory_notebook_matches_schema(jp_fetch):
    notebook = _notebook("print(total)\n", "total = 1\n")
    response = await jp_fetch(
        *API, "lint", method="POST", body=json.dumps({"notebook": notebook, "path": "dir/nb.ipynb"})
    )
    document = json.loads(response.body)
    _validate(document)
    assert document["schema"] == "dsquality-lint"
    codes = {(d["code"], d["cell"], d["cell_id"]) for d in document["diagnostics"]}
    assert ("DSQ103", 2, "c0") in codes
    assert {d["path"] for d in document["diagnostics"]} == {"dir/nb.ipynb"}
    assert {d["source"] for d in document["diagnostics"]} == {"dsquality"}  # ruff and mypy only when asked


async def test_lint_select_ignore_and_tools(jp_fetch):
    notebook = _notebook("import os\nprint(total)\n", "total = 1\n")
    body = {"notebook": notebook, "ignore": ["DSQ103"], "tools": ["ruff"]}
    document = json.loads((await jp_fetch(*API, "lint", method="POST", body=json.dumps(body))).body)
    codes = {d["code"] for d in document["diagnostics"]}
    assert "DSQ103" not in codes
    assert "F401" in codes  # found by ruff (unused import)
    assert {d["path"] for d in document["diagnostics"]} == {"notebook.ipynb"}
    code, error = await _error(
        jp_fetch, *API, "lint", method="POST", body=json.dumps({"notebook": notebook, "tools": ["pylint"]})
    )
    assert code == 400
    assert "pylint" in error["message"]


async def test_lint_saved_file_is_what_the_cli_prints(jp_fetch, jp_root_dir, monkeypatch):
    (jp_root_dir / "dir").mkdir()
    (jp_root_dir / "dir" / "nb.ipynb").write_text(json.dumps(_notebook("print(total)\n", "total = 1\n"), indent=1))
    response = await jp_fetch(*API, "lint", method="POST", body=json.dumps({"path": "dir/nb.ipynb"}))
    monkeypatch.chdir(jp_root_dir)
    output = jp_root_dir / "report.json"
    main(["lint", "dir/nb.ipynb", "--format", "json", "--no-ruff", "--no-mypy", "--no-cache", "-o", str(output)])
    assert json.loads(response.body) == json.loads(output.read_text())
    assert json.loads(response.body)["summary"]["total"] >= 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"path": "../nb.ipynb"}, 400),
        ({"path": "missing.ipynb"}, 404),
        ({"notebook": [1, 2]}, 400),
        ({"notebook": {"nbformat": 9, "cells": []}}, 400),
        ({"notebook": _notebook("x = 1\n"), "select": "DSQ"}, 400),
    ],
)
async def test_lint_errors_are_json(jp_fetch, body, status):
    code, error = await _error(jp_fetch, *API, "lint", method="POST", body=json.dumps(body))
    assert code == status
    assert isinstance(error["message"], str)
    assert error["message"]


async def test_body_over_the_limit_is_413(jp_fetch):
    big = _notebook("x = 1\n" + "# padding\n" * 30_000)
    code, error = await _error(jp_fetch, *API, "lint", method="POST", body=json.dumps({"notebook": big}))
    assert code == 413
    assert "limit" in error["message"]
