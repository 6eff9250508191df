import json

from dsquality.cli import new
from dsquality.cli.main import COMMANDS, main


def test_new_is_registered():
    assert COMMANDS["new"] is new


def test_list_json(capsys):
    assert main(["new", "--list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"model_training", "exploratory_analysis", "evaluation_report", "promotable_module"} <= {
        t["name"] for t in listed
    }
    assert all(set(t) == {"name", "title", "description"} for t in listed)


def test_list_table(capsys):
    assert main(["new", "--list"]) == 0
    assert "model_training" in capsys.readouterr().out


def test_new_creates_then_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "model_training", "experiments/first"]) == 0
    assert "experiments/first.ipynb" in capsys.readouterr().out
    created = tmp_path / "experiments" / "first.ipynb"
    before = created.read_bytes()
    assert main(["new", "model_training", "experiments/first.ipynb"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert created.read_bytes() == before


def test_team_template_dirs_from_pyproject(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.dsquality]\ntemplate-dirs = ["team-templates"]\n')
    team = tmp_path / "team-templates"
    team.mkdir()
    nb = {
        "cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Churn study"}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (team / "churn.ipynb").write_text(json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    assert main(["new", "--list", "--format", "json"]) == 0
    listed = {t["name"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed["churn"]["title"] == "Churn study"
    assert main(["new", "churn", "mine.ipynb"]) == 0
    assert json.loads((tmp_path / "mine.ipynb").read_text())["metadata"]["kernelspec"]["name"] == "python3"


def test_unknown_template_and_missing_arguments(capsys):
    assert main(["new", "nope", "x.ipynb"]) == 2
    assert "no such template" in capsys.readouterr().err
    assert main(["new", "model_training"]) == 2
