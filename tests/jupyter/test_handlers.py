import json
from pathlib import Path

import pytest
from traitlets.config import Config

from dsquality.cli.main import main
from dsquality.report.json_format import json_schema
from tests.jupyter.helpers import API, error, notebook


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
    code, body = await error(
        jp_fetch, *API, "templates", "model_training", method="POST", body=json.dumps({"path": "work/new.ipynb"})
    )
    assert code == 409
    assert "already exists" in body["message"]


async def test_unknown_template_is_404(jp_fetch):
    code, body = await error(
        jp_fetch, *API, "templates", "model_trainig", method="POST", body=json.dumps({"path": "x.ipynb"})
    )
    assert code == 404
    assert "model_training" in body["message"]


def _validate(document: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, json_schema())


async def test_lint_in_memory_notebook_matches_schema(jp_fetch):
    nb = notebook("print(total)\n", "total = 1\n")
    response = await jp_fetch(*API, "lint", method="POST", body=json.dumps({"notebook": nb, "path": "dir/nb.ipynb"}))
    document = json.loads(response.body)
    _validate(document)
    assert document["schema"] == "dsquality-lint"
    codes = {(d["code"], d["cell"], d["cell_id"]) for d in document["diagnostics"]}
    assert ("DSQ103", 2, "c0") in codes
    assert {d["path"] for d in document["diagnostics"]} == {"dir/nb.ipynb"}
    assert {d["source"] for d in document["diagnostics"]} == {"dsquality"}  # ruff and mypy only when asked


async def test_lint_select_ignore_and_tools(jp_fetch):
    nb = notebook("import os\nprint(total)\n", "total = 1\n")
    body = {"notebook": nb, "ignore": ["DSQ103"], "tools": ["ruff"]}
    document = json.loads((await jp_fetch(*API, "lint", method="POST", body=json.dumps(body))).body)
    codes = {d["code"] for d in document["diagnostics"]}
    assert "DSQ103" not in codes
    assert "F401" in codes  # found by ruff (unused import)
    assert {d["path"] for d in document["diagnostics"]} == {"notebook.ipynb"}
    code, problem = await error(
        jp_fetch, *API, "lint", method="POST", body=json.dumps({"notebook": nb, "tools": ["pylint"]})
    )
    assert code == 400
    assert "pylint" in problem["message"]


async def test_lint_saved_file_is_what_the_cli_prints(jp_fetch, jp_root_dir, monkeypatch):
    (jp_root_dir / "dir").mkdir()
    (jp_root_dir / "dir" / "nb.ipynb").write_text(json.dumps(notebook("print(total)\n", "total = 1\n"), indent=1))
    response = await jp_fetch(*API, "lint", method="POST", body=json.dumps({"path": "dir/nb.ipynb"}))
    monkeypatch.chdir(jp_root_dir)
    output = jp_root_dir / "report.json"
    main(["lint", "dir/nb.ipynb", "--format", "json", "--no-ruff", "--no-mypy", "--no-cache", "-o", str(output)])
    assert json.loads(response.body) == json.loads(output.read_text())
    assert json.loads(response.body)["summary"]["total"] >= 1


async def test_lint_missing_file_is_404(jp_fetch):
    code, body = await error(jp_fetch, *API, "lint", method="POST", body=json.dumps({"path": "missing.ipynb"}))
    assert code == 404
    assert "missing.ipynb" in body["message"]
