"""The repository's own example: notebooks/feature_engineering.ipynb, promoted into examples/features.py.

Its generated tests (tests/examples/test_features.py) run with the rest of the suite; these tests
keep the notebook and the promoted files in sync, and the notebook itself clean and runnable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsquality.cli.main import main
from dsquality.config import load_config
from dsquality.notebook import read_notebook
from dsquality.promote.api import check_notebooks
from dsquality.runs.execute import execute_notebook

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "feature_engineering.ipynb"


def test_the_example_notebook_is_in_sync_with_its_promoted_files() -> None:
    (report,) = check_notebooks([NOTEBOOK], load_config(NOTEBOOK))
    details = [file.describe(report.key) for file in report.files] + [p.describe() for p in report.problems]
    assert report.in_sync, details
    assert [file.key for file in report.files] == ["examples/features.py", "tests/examples/test_features.py"]
    remembered = read_notebook(NOTEBOOK).metadata["dsquality"]
    assert remembered == {"promote": {"module": "examples/features.py", "tests": "tests/examples/test_features.py"}}


def test_every_promoted_notebook_of_the_repository_is_in_sync() -> None:
    reports = check_notebooks([], load_config(REPO))
    assert NOTEBOOK in [report.notebook for report in reports]
    assert [report.key for report in reports if not report.in_sync] == []


def test_the_promoted_module_works() -> None:
    import pandas as pd  # noqa: PLC0415 - the module under test imports it anyway

    from examples.features import FEATURE_COLUMNS, add_features  # noqa: PLC0415

    features = add_features(pd.DataFrame({"spend": [1.0, 3.0], "visits": [1, 3]}))
    assert features[list(FEATURE_COLUMNS)].to_numpy().tolist() == [[1.0, -1.0], [1.0, 1.0]]


@pytest.mark.slow
def test_the_example_notebook_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--no-cache", str(NOTEBOOK)]) == 0, capsys.readouterr().out


@pytest.mark.slow
def test_the_example_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    result = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", timeout=300)
    assert result.records == {}
    assert (tmp_path / "out.ipynb").is_file()
