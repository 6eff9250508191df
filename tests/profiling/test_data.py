import numpy as np
import pandas as pd
import pytest

from dsquality.errors import MissingDependencyError, ProfileError
from dsquality.profiling.data import SyntheticData, TableData, Task


def test_synthetic_samples_are_nested_seeded_and_predict_rows_are_held_out() -> None:
    data = SyntheticData(Task.CLASSIFICATION, (5, 10), max_n=400, predict_rows=50, seed=3)
    small, large = data.sample(100, 10), data.sample(400, 10)
    assert small.X.shape == (100, 10)
    assert large.X.shape == (400, 10)
    assert small.X_predict.shape == (50, 10)
    np.testing.assert_array_equal(small.X, large.X[:100])
    np.testing.assert_array_equal(small.X_predict, large.X_predict)
    assert not any((row == large.X).all(axis=1).any() for row in large.X_predict)
    assert set(np.unique(large.y)) == {0, 1}
    again = SyntheticData(Task.CLASSIFICATION, (5, 10), max_n=400, predict_rows=50, seed=3).sample(100, 10)
    np.testing.assert_array_equal(again.X, small.X)
    assert data.sample(100, 5).X.shape == (100, 5)
    assert data.description == "synthetic classification"


def test_synthetic_regression_has_continuous_labels_and_one_feature_works() -> None:
    data = SyntheticData(Task.REGRESSION, (1,), max_n=200, predict_rows=10, seed=0)
    sample = data.sample(200, 1)
    assert len(np.unique(sample.y)) == 200
    assert SyntheticData(Task.CLASSIFICATION, (1,), 200, 10, 0).sample(200, 1).X.shape == (200, 1)


def _frame(rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows), "label": rng.integers(0, 2, rows)})


def test_table_samples_are_nested_and_drop_the_target(tmp_path) -> None:
    path = tmp_path / "rows.csv"
    _frame().to_csv(path, index=False)
    table = TableData.from_path(path, "label", seed=1, predict_rows=40)
    assert table.feature_counts == (2,)
    small, large = table.sample(50, 2), table.sample(200, 2)
    assert list(small.X.columns) == ["a", "b"]
    assert small.y.name == "label"
    pd.testing.assert_frame_equal(small.X, large.X.iloc[:50])
    assert len(small.X_predict) == 40
    assert set(large.X_predict.index).isdisjoint(large.X.index)
    assert "rows.csv" in table.description


def test_table_errors_say_what_to_fix(tmp_path) -> None:
    with pytest.raises(ProfileError, match=r"has no such column\. Did you mean 'label'"):
        TableData(frame=_frame(), target="lable", seed=0, predict_rows=10)
    table = TableData(frame=_frame(100), target="label", seed=0, predict_rows=10)
    with pytest.raises(ProfileError, match="size 200 is larger than data frame, which has 100 rows"):
        table.sample(200, 2)
    with pytest.raises(ProfileError, match="no such file"):
        TableData.from_path(tmp_path / "missing.csv", "label", seed=0, predict_rows=10)
    with pytest.raises(ProfileError, match=r"cannot read '\.xlsx' files"):
        TableData.from_path(tmp_path / "rows.xlsx", "label", seed=0, predict_rows=10)
    with pytest.raises(ProfileError, match="no feature columns"):
        TableData(frame=pd.DataFrame({"label": [0, 1]}), target="label", seed=0, predict_rows=1)


def test_parquet_needs_pyarrow(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rows.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    with pytest.raises(MissingDependencyError, match=r"Reading Parquet files needs the 'pyarrow' package") as info:
        TableData.from_path(path, "label", seed=0, predict_rows=10)
    assert isinstance(info.value, ImportError)
    assert "pip install pyarrow" in str(info.value)


def test_parquet_is_read_when_pyarrow_is_installed(tmp_path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    _frame().to_parquet(path)
    assert TableData.from_path(path, "label", seed=0, predict_rows=10).rows == 300
