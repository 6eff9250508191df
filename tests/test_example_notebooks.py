"""The shipped example notebooks run headlessly and record sensible metrics."""

from pathlib import Path

import pytest

from dsquality.runs.execute import execute_notebook

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_train_model_notebook_records_held_out_metrics(tmp_path) -> None:
    result = execute_notebook(NOTEBOOKS / "train_model.ipynb", tmp_path / "out.ipynb")
    assert set(result.records) == {"accuracy", "f1", "roc_auc", "n_train"}
    assert 0.9 < result.records["accuracy"] <= 1.0
    assert 0.9 < result.records["roc_auc"] <= 1.0
    assert result.records["n_train"] == 426  # 569 rows, 25% held out (ceil 143)
