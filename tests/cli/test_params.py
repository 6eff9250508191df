import json
from pathlib import Path

import pytest

from dsquality.cli import main as cli_main
from dsquality.cli import params
from dsquality.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "notebooks" / "train_model.ipynb"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables wrap at the terminal width; a wide one keeps each row on one line."""
    monkeypatch.setenv("COLUMNS", "200")


def test_params_is_registered() -> None:
    assert cli_main.COMMANDS["params"] is params


CELL = (
    "from pathlib import Path\n"
    "from typing import Literal\n"
    "data_path: Path  # the [input] CSV\n"
    "mode: Literal['fast', 'slow'] = 'fast'  # speed\n"
    "seed: int | None = None\n"
    "arr: np.ndarray = [1]\n"
    "epochs = 10\n"
    "steps = epochs * 2\n"
)


def test_params_text(write_notebook, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(["import numpy as np", (CELL, ["parameters"])])
    assert main(["params", str(nb)]) == 0
    out = capsys.readouterr().out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert list(lines) == ["data_path", "mode", "seed", "arr", "epochs", "steps"]
    assert "6 parameters (cell 2)" in out
    assert "Path" in lines["data_path"]
    assert "required" in lines["data_path"]
    assert "the [input] CSV" in lines["data_path"]  # not eaten as rich markup
    assert "Literal['fast', 'slow']" in lines["mode"]
    assert "'fast'" in lines["mode"]
    assert "speed" in lines["mode"]
    assert "int | None" in lines["seed"]
    assert "np.ndarray (not checked)" in lines["arr"]
    assert "untyped" in lines["epochs"]
    assert "epochs * 2 (computed)" in lines["steps"]


def test_params_json(write_notebook, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(["import numpy as np", (CELL, ["parameters"])])
    assert main(["params", str(nb), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "dsquality-params"
    assert document["version"] == 1
    assert document["cell"] == 2
    assert [p["name"] for p in document["parameters"]] == ["data_path", "mode", "seed", "arr", "epochs", "steps"]
    assert document["parameters"][2]["type"] == {"kind": "union", "members": [{"kind": "int"}, {"kind": "none"}]}


def test_params_of_the_example_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["params", str(EXAMPLE), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {p["name"]: (p["type"]["kind"], p["default"]) for p in document["parameters"]} == {
        "test_size": ("float", 0.25),
        "seed": ("int", 0),
        "regularization": ("float", 1.0),
        "max_iter": ("int", 1000),
    }
    assert all(p["help"] for p in document["parameters"])


def test_params_without_parameters_cell(write_notebook, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_notebook(["x = 1"])
    assert main(["params", str(nb)]) == 0
    assert "no code cell is tagged `parameters`" in capsys.readouterr().out
    assert main(["params", str(nb), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["cell"], document["parameters"]) == (None, [])


def test_params_of_a_broken_notebook_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert main(["params", str(broken)]) == 2
    assert "not a valid notebook" in capsys.readouterr().err
