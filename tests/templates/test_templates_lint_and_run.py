"""Every built-in template lints clean with the default rules (ruff and mypy included) and runs as is."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dsquality.runs.params import ParameterSchema

ROOT = Path(__file__).parents[2]
DSQ = [sys.executable, "-m", "dsquality"]
TEMPLATES = sorted((ROOT / "templates").glob("*.ipynb"))
PARAMETERISED = [path for path in TEMPLATES if ParameterSchema.from_notebook(path).cell is not None]


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 4
    assert {p.stem for p in PARAMETERISED} >= {"model_training", "exploratory_analysis", "evaluation_report"}


@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_template_lints_clean(template):
    result = subprocess.run(
        [*DSQ, "lint", "--no-cache", str(template)], cwd=ROOT, check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("template", PARAMETERISED, ids=lambda p: p.stem)
def test_parameterised_template_runs_headlessly(template, tmp_path):
    output = tmp_path / "out.ipynb"
    result = subprocess.run(
        [*DSQ, "run", str(template), str(output)], cwd=ROOT, check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    executed = json.loads(output.read_text())
    assert all(o.get("output_type") != "error" for c in executed["cells"] for o in c.get("outputs", []))


@pytest.mark.slow
def test_promotable_template_promotes_and_its_tests_pass(tmp_path):
    notebook = tmp_path / "cleaning.ipynb"
    shutil.copy(ROOT / "templates" / "promotable_module.ipynb", notebook)
    result = subprocess.run(
        [*DSQ, "promote", str(notebook), "--module", "cleaning.py", "--tests", "test_cleaning.py"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "def drop_constant_columns" in (tmp_path / "cleaning.py").read_text()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_cleaning.py"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


@pytest.mark.slow
def test_wheel_ships_templates_and_jupyter_config(built_wheel):
    names = set(zipfile.ZipFile(built_wheel).namelist())
    assert {f"dsquality/_templates/{p.name}" for p in TEMPLATES} <= names
    assert any(n.endswith("etc/jupyter/jupyter_server_config.d/dsquality.json") for n in names)
