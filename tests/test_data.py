"""Tests for dsquality.data: construction checks, properties, metadata and split."""

from __future__ import annotations

import dataclasses
import math
import pickle
import typing
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsquality.data import Label, TrainingData
from dsquality.errors import DataSizeError, DSQualityError, NoTrainDataError


def _ids(data: TrainingData) -> list[int]:
    """Row ids stored in the first feature column (tests put np.arange(n) there)."""
    features = data.features
    column = features.iloc[:, 0] if isinstance(features, pd.DataFrame) else features[:, 0]
    return [int(value) for value in column]


def _label_list(data: TrainingData) -> list[Any]:
    labels = data.labels
    assert labels is not None
    values: list[Any] = np.asarray(labels).tolist()
    return values


def _expected_test_rows(test_size: float, n: int) -> int:
    if isinstance(test_size, int):
        return test_size
    return math.ceil(Fraction(repr(test_size)) * n)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": np.arange(20), "width": np.linspace(0.0, 1.0, 20), 3: ["x"] * 20},
        index=[f"part-{i}" for i in range(20)],
    )


# --- Label --------------------------------------------------------------------------------------


def test_label_values_and_positive_class() -> None:
    assert int(Label.GOOD) == 0
    assert int(Label.BAD) == 1
    assert np.int64(1) == Label.BAD
    assert [member.name for member in Label] == ["GOOD", "BAD"]
    assert np.array([Label.GOOD, Label.BAD, Label.BAD]).sum() == 2
    assert Label(1) is Label.BAD
    assert Label.__doc__ is not None
    assert "positive" in Label.__doc__


# --- construction: conversion and no copies -------------------------------------------------------


def test_numpy_inputs_are_not_copied() -> None:
    features = np.arange(12.0).reshape(6, 2)
    labels = np.array([0, 1, 0, 1, 1, 0])
    data = TrainingData(features, labels)
    assert data.features is features
    assert data.labels is labels
    assert np.shares_memory(data.features, features)
    features[0, 0] = 99.0
    assert data.features[0, 0] == 99.0


def test_numpy_view_is_kept_as_view() -> None:
    base = np.arange(30.0).reshape(10, 3)
    view = base[:, :2]
    data = TrainingData(view)
    assert data.features is view
    assert np.shares_memory(data.features, base)


def test_pandas_inputs_are_not_copied(frame: pd.DataFrame) -> None:
    labels = pd.Series([Label.GOOD, Label.BAD] * 10, index=frame.index)
    data = TrainingData(frame, labels)
    assert data.features is frame
    assert data.labels is labels


def test_label_dataframe_is_kept(frame: pd.DataFrame) -> None:
    labels = pd.DataFrame({"a": range(20), "b": range(20)}, index=frame.index)
    data = TrainingData(frame, labels)
    assert data.labels is labels


def test_lists_and_tuples_are_converted() -> None:
    data = TrainingData([[1, 2], [3, 4], [5, 6]], (0, 1, 0))
    assert isinstance(data.features, np.ndarray)
    assert isinstance(data.labels, np.ndarray)
    assert data.features.shape == (3, 2)
    assert data.features.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert data.labels.tolist() == [0, 1, 0]


def test_two_dimensional_list_labels() -> None:
    data = TrainingData([[1.0], [2.0]], [[0, 1], [1, 0]])
    assert isinstance(data.labels, np.ndarray)
    assert data.labels.shape == (2, 2)


# --- construction: errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("features", "hint_part"),
    [
        (np.arange(5.0), "reshape(-1, 1)"),
        (pd.Series([1.0, 2.0, 3.0]), "df[['col']]"),
        ([1, 2, 3], "reshape(-1, 1)"),
    ],
)
def test_one_dimensional_features_rejected(features: Any, hint_part: str) -> None:
    with pytest.raises(DataSizeError) as info:
        TrainingData(features)
    err = info.value
    assert (err.name, err.quantity, err.expected, err.actual) == ("features", "dimensions", 2, 1)
    assert err.hint is not None
    assert hint_part in err.hint
    assert hint_part in str(err)
    assert "1 dimensions" in str(err)
    assert "expected 2" in str(err)


@pytest.mark.parametrize("ndim", [0, 3, 4])
def test_features_of_other_dimensions_rejected(ndim: int) -> None:
    with pytest.raises(DataSizeError) as info:
        TrainingData(np.zeros((2,) * ndim))
    err = info.value
    assert (err.name, err.quantity, err.expected, err.actual) == ("features", "dimensions", 2, ndim)
    assert err.hint


@pytest.mark.parametrize("ndim", [0, 3])
def test_labels_of_wrong_dimensions_rejected(ndim: int) -> None:
    with pytest.raises(DataSizeError) as info:
        TrainingData(np.zeros((2, 2)), np.zeros((2,) * ndim))
    err = info.value
    assert (err.name, err.quantity, err.actual) == ("labels", "dimensions", ndim)
    assert err.expected == "1 or 2"
    assert f"{ndim} dimensions" in str(err)


@pytest.mark.parametrize(
    "features",
    [np.zeros((0, 3)), pd.DataFrame({"a": pd.Series([], dtype=float)}), np.zeros((0, 0))],
)
def test_no_rows_raises_no_train_data(features: Any) -> None:
    with pytest.raises(NoTrainDataError) as info:
        TrainingData(features)
    assert info.value.name == "features"
    assert info.value.n_samples == 0
    assert "0 rows" in str(info.value)


@pytest.mark.parametrize(
    ("labels", "n_label_rows"),
    [
        (np.zeros(9), 9),
        (pd.Series(range(11)), 11),
        (pd.DataFrame({"a": range(3)}), 3),
        (np.zeros((12, 2)), 12),
    ],
)
def test_row_mismatch_names_both_counts(labels: Any, n_label_rows: int) -> None:
    with pytest.raises(DataSizeError) as info:
        TrainingData(np.zeros((10, 2)), labels)
    err = info.value
    assert (err.name, err.quantity, err.expected, err.actual) == ("labels", "rows", 10, n_label_rows)
    message = str(err)
    assert "10" in message
    assert str(n_label_rows) in message
    assert err.hint


def test_errors_are_dsquality_and_value_errors() -> None:
    with pytest.raises(DSQualityError):
        TrainingData(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="No training data"):
        TrainingData(np.zeros((0, 1)))


def test_errors_pickle_with_fields() -> None:
    with pytest.raises(DataSizeError) as info:
        TrainingData(np.zeros((3, 1)), np.zeros(2))
    restored = pickle.loads(pickle.dumps(info.value))
    assert (restored.expected, restored.actual) == (3, 2)
    assert str(restored) == str(info.value)


# --- properties -----------------------------------------------------------------------------------


def test_properties_for_array() -> None:
    data = TrainingData(np.zeros((7, 3)))
    assert data.n_samples == 7
    assert data.n_features == 3
    assert len(data) == 7
    assert data.feature_names is None
    assert not data.has_labels
    assert data.labels is None


def test_properties_for_dataframe(frame: pd.DataFrame) -> None:
    data = TrainingData(frame, frame["id"] % 2)
    assert data.n_samples == 20
    assert data.n_features == 3
    assert len(data) == 20
    assert data.feature_names == ("id", "width", "3")
    assert all(isinstance(name, str) for name in data.feature_names)
    assert data.has_labels


def test_zero_feature_columns_are_allowed() -> None:
    data = TrainingData(np.zeros((4, 0)), np.zeros(4))
    assert (data.n_samples, data.n_features) == (4, 0)


# --- immutability and metadata ---------------------------------------------------------------------


def test_fields_cannot_be_rebound() -> None:
    data = TrainingData(np.zeros((2, 2)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.features = np.ones((2, 2))  # type: ignore[misc]


def test_metadata_is_read_only_copy() -> None:
    source = {"query": "SELECT *", "rows": 2}
    data = TrainingData(np.zeros((2, 2)), metadata=source)
    with pytest.raises(TypeError):
        data.metadata["query"] = "changed"  # type: ignore[index]
    source["query"] = "changed"
    assert data.metadata["query"] == "SELECT *"
    assert dict(data.metadata) == {"query": "SELECT *", "rows": 2}


@pytest.mark.parametrize("metadata", [None, {}])
def test_metadata_defaults_to_empty(metadata: dict[str, Any] | None) -> None:
    data = TrainingData(np.zeros((2, 2)), metadata=metadata)
    assert dict(data.metadata) == {}
    with pytest.raises(TypeError):
        data.metadata["x"] = 1  # type: ignore[index]
    assert dict(TrainingData(np.zeros((2, 2))).metadata) == {}


def test_identity_equality() -> None:
    features = np.zeros((2, 2))
    first, second = TrainingData(features), TrainingData(features)
    assert first == first  # noqa: PLR0124 - identity equality is the behaviour under test
    assert first != second
    assert len({first, second}) == 2


def test_repr_summarises_instead_of_printing_data(frame: pd.DataFrame) -> None:
    text = repr(TrainingData(frame, frame["id"], {"source": "db"}))
    assert text == "TrainingData(features=DataFrame(20x3), labels=Series(20), metadata={'source': 'db'})"
    assert repr(TrainingData(np.zeros((5, 2)))) == "TrainingData(features=ndarray(5x2), labels=None, metadata={})"


def test_pickle_round_trip(frame: pd.DataFrame) -> None:
    data = TrainingData(frame, frame["id"] % 2, {"source": "db"})
    restored = pickle.loads(pickle.dumps(data))
    pd.testing.assert_frame_equal(restored.features, frame)
    pd.testing.assert_series_equal(restored.labels, frame["id"] % 2)
    assert dict(restored.metadata) == {"source": "db"}
    with pytest.raises(TypeError):
        restored.metadata["source"] = "x"


def test_replace_revalidates() -> None:
    data = TrainingData(np.zeros((3, 2)), np.zeros(3))
    replaced = dataclasses.replace(data, labels=np.ones(3))
    assert replaced.labels is not None
    assert np.asarray(replaced.labels).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(DataSizeError):
        dataclasses.replace(data, labels=np.ones(4))


def test_type_hints_resolve_at_runtime() -> None:
    hints = typing.get_type_hints(TrainingData)
    assert set(hints) == {"features", "labels", "metadata"}


# --- split ----------------------------------------------------------------------------------------


def _array_data(n: int, labels: Any = None) -> TrainingData:
    features = np.column_stack([np.arange(n), np.arange(n) * 10])
    return TrainingData(features, labels if labels is not None else np.arange(n) * 10)


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [(10, 0.25, 3), (10, 0.5, 5), (100, 0.07, 7), (100, 0.25, 25), (3, 0.1, 1), (10, 4, 4), (10, 9, 9), (2, 1, 1)],
)
def test_split_sizes(n: int, test_size: float, n_test: int) -> None:
    train, test = _array_data(n).split(test_size)
    assert (len(train), len(test)) == (n - n_test, n_test)


def test_split_default_test_size() -> None:
    train, test = _array_data(8).split()
    assert (len(train), len(test)) == (6, 2)


def test_split_is_disjoint_complete_and_aligned() -> None:
    train, test = _array_data(50).split(0.3, seed=3)
    train_ids, test_ids = _ids(train), _ids(test)
    assert not set(train_ids) & set(test_ids)
    assert sorted(train_ids + test_ids) == list(range(50))
    # labels stay with their rows (label = 10 * id)
    assert _label_list(train) == [10 * i for i in train_ids]
    assert _label_list(test) == [10 * i for i in test_ids]


def test_split_is_reproducible_per_seed() -> None:
    data = _array_data(40)
    first, second = data.split(0.25, seed=7), data.split(0.25, seed=7)
    assert _ids(first[0]) == _ids(second[0])
    assert _ids(first[1]) == _ids(second[1])
    other = data.split(0.25, seed=8)
    assert _ids(other[1]) != _ids(first[1])


def test_split_matches_default_rng_permutation() -> None:
    train, test = _array_data(10).split(3, seed=5)
    order = np.random.default_rng(5).permutation(10)
    assert _ids(test) == order[:3].tolist()
    assert _ids(train) == order[3:].tolist()


def test_split_keeps_dataframe_and_series(frame: pd.DataFrame) -> None:
    labels = pd.Series(frame["id"] % 2, index=frame.index, name="defect")
    train, test = TrainingData(frame, labels, {"source": "db"}).split(0.25, seed=1)
    for part in (train, test):
        assert isinstance(part.features, pd.DataFrame)
        assert isinstance(part.labels, pd.Series)
        assert part.labels.name == "defect"
        assert list(part.features.columns) == ["id", "width", 3]
        assert part.features.index.equals(part.labels.index)
        # rows were selected by position: each index label still matches its row
        assert [f"part-{i}" for i in part.features["id"]] == list(part.features.index)
        assert part.feature_names == ("id", "width", "3")
        assert dict(part.metadata) == {"source": "db"}
        with pytest.raises(TypeError):
            part.metadata["source"] = "x"  # type: ignore[index]
    assert isinstance(train.features, pd.DataFrame)
    assert isinstance(test.features, pd.DataFrame)
    assert sorted(train.features.index.tolist() + test.features.index.tolist()) == sorted(frame.index)


def test_split_keeps_arrays_and_label_dataframe() -> None:
    labels = pd.DataFrame({"a": np.arange(10), "b": np.arange(10) % 2})
    train, test = TrainingData(np.arange(20).reshape(10, 2), labels).split(0.2)
    assert isinstance(train.features, np.ndarray)
    assert isinstance(test.labels, pd.DataFrame)
    assert test.labels["a"].tolist() == [row // 2 for row in test.features[:, 0]]


def test_split_without_labels() -> None:
    train, test = TrainingData(np.zeros((5, 2))).split(2)
    assert (train.labels, test.labels) == (None, None)
    assert (len(train), len(test)) == (3, 2)


def test_split_does_not_change_the_original() -> None:
    data = _array_data(10)
    before = data.features.copy()
    data.split(0.5)
    assert np.array_equal(data.features, before)
    assert len(data) == 10


def test_stratified_split_keeps_proportions() -> None:
    labels = np.array([Label.GOOD] * 80 + [Label.BAD] * 20)
    train, test = _array_data(100, labels).split(0.25, seed=0, stratify=True)
    assert np.bincount(test.labels).tolist() == [20, 5]  # type: ignore[arg-type]
    assert np.bincount(train.labels).tolist() == [60, 15]  # type: ignore[arg-type]
    assert sorted(_ids(train) + _ids(test)) == list(range(100))


def test_stratified_split_gives_leftover_rows_to_largest_remainders() -> None:
    # ideal test shares for 3 test rows: 0.6, 1.5 and 0.9 -> floors 0, 1, 0; the two rows left
    # go to the classes with the largest remainders (0.9 and 0.6), not to the first classes.
    labels = np.array([0] * 2 + [1] * 5 + [2] * 3)
    _, test = _array_data(10, labels).split(3, stratify=True)
    assert np.bincount(np.asarray(_label_list(test)), minlength=3).tolist() == [1, 1, 1]


def test_split_selects_by_position_with_duplicate_index() -> None:
    features = pd.DataFrame({"id": range(6)}, index=[0, 0, 1, 1, 2, 2])
    labels = pd.Series(range(6), index=features.index)
    train, test = TrainingData(features, labels).split(2, seed=0)
    assert (len(train), len(test)) == (4, 2)
    assert sorted(_ids(train) + _ids(test)) == list(range(6))
    assert _label_list(test) == _ids(test)


def test_stratified_split_rows_are_shuffled() -> None:
    labels = np.array([0] * 50 + [1] * 50)
    train, test = _array_data(100, labels).split(0.2, stratify=True)
    # classes are interleaved, not grouped as drawn, and rows are not in their original order
    assert _label_list(test) != sorted(_label_list(test))
    assert _ids(train) != sorted(_ids(train))
    assert _ids(test) != sorted(_ids(test))


def test_stratified_split_with_string_labels_and_nan() -> None:
    labels = pd.Series(["a"] * 6 + ["b"] * 3 + [None] * 3)
    train, test = TrainingData(np.arange(12).reshape(-1, 1), labels).split(1 / 3, stratify=True, seed=4)
    assert sorted(test.labels.fillna("missing")) == ["a", "a", "b", "missing"]  # type: ignore[union-attr]
    assert len(train) == 8


def test_stratified_split_with_two_dimensional_labels() -> None:
    labels = np.array([[0, 0]] * 10 + [[0, 1]] * 10 + [[1, 0]] * 20)
    _, test = _array_data(40, labels).split(0.5, stratify=True)
    rows = [tuple(row) for row in _label_list(test)]
    assert rows.count((0, 0)) == 5
    assert rows.count((0, 1)) == 5
    assert rows.count((1, 0)) == 10


def test_stratified_split_is_reproducible() -> None:
    data = _array_data(30, np.arange(30) % 3)
    first, second = data.split(0.3, seed=2, stratify=True), data.split(0.3, seed=2, stratify=True)
    assert _ids(first[1]) == _ids(second[1])
    assert _ids(first[0]) == _ids(second[0])


def test_stratify_needs_labels() -> None:
    with pytest.raises(ValueError, match=r"stratify=True.*needs labels"):
        TrainingData(np.zeros((10, 2))).split(stratify=True)


@pytest.mark.parametrize("test_size", [0, -1, 0.0, 1.0, 1.5, -0.2, float("nan")])
def test_split_rejects_invalid_test_size(test_size: float) -> None:
    with pytest.raises(ValueError, match="test_size=") as info:
        _array_data(10).split(test_size)
    assert not isinstance(info.value, NoTrainDataError)
    assert "between 0 and 1" in str(info.value) or "from 1 to n_samples - 1 (9)" in str(info.value)


@pytest.mark.parametrize("test_size", ["0.2", True, None])
def test_split_rejects_non_numbers(test_size: object) -> None:
    with pytest.raises(TypeError, match=f"not {type(test_size).__name__}"):
        _array_data(10).split(test_size)  # type: ignore[arg-type]


def test_split_accepts_numpy_numbers() -> None:
    data = _array_data(10)
    assert len(data.split(np.int64(4))[1]) == 4  # type: ignore[arg-type]
    assert len(data.split(np.float64(0.25))[1]) == 3


@pytest.mark.parametrize(("n", "test_size"), [(10, 10), (10, 11), (10, 0.95), (1, 0.5), (1, 1)])
def test_split_leaving_no_training_rows(n: int, test_size: float) -> None:
    with pytest.raises(NoTrainDataError) as info:
        _array_data(n).split(test_size)
    assert info.value.n_samples == 0
    assert info.value.hint is not None
    assert f"of the {n} rows" in info.value.hint
    assert "smaller test_size or more data" in str(info.value)


# --- property tests -------------------------------------------------------------------------------


_label_kinds = st.sampled_from(["none", "array1d", "array2d", "series", "frame"])


@settings(max_examples=200, deadline=None)
@given(
    n_rows=st.integers(0, 50),
    n_cols=st.integers(0, 5),
    n_label_rows=st.integers(0, 50),
    label_kind=_label_kinds,
    as_frame=st.booleans(),
)
def test_construction_succeeds_iff_rows_match(
    n_rows: int, n_cols: int, n_label_rows: int, label_kind: str, as_frame: bool
) -> None:
    features: Any = np.zeros((n_rows, n_cols))
    if as_frame:
        features = pd.DataFrame(features, columns=[f"c{j}" for j in range(n_cols)])
    labels: Any = {
        "none": None,
        "array1d": np.zeros(n_label_rows),
        "array2d": np.zeros((n_label_rows, 2)),
        "series": pd.Series(np.zeros(n_label_rows)),
        "frame": pd.DataFrame({"y": np.zeros(n_label_rows)}),
    }[label_kind]

    if n_rows == 0:
        with pytest.raises(NoTrainDataError) as no_data:
            TrainingData(features, labels)
        assert no_data.value.n_samples == 0
    elif labels is not None and n_label_rows != n_rows:
        with pytest.raises(DataSizeError) as mismatch:
            TrainingData(features, labels)
        assert (mismatch.value.quantity, mismatch.value.expected, mismatch.value.actual) == (
            "rows",
            n_rows,
            n_label_rows,
        )
        assert f"{n_label_rows} rows, expected {n_rows}" in str(mismatch.value)
    else:
        data = TrainingData(features, labels)
        assert (data.n_samples, data.n_features, len(data)) == (n_rows, n_cols, n_rows)
        assert data.has_labels == (labels is not None)
        assert data.features is features
        assert data.labels is labels
        assert (data.feature_names is None) != as_frame


@settings(max_examples=100, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=0, max_size=5))
def test_only_two_dimensional_features_are_accepted(shape: list[int]) -> None:
    features = np.zeros(shape)
    if len(shape) != 2:
        with pytest.raises(DataSizeError) as info:
            TrainingData(features)
        assert (info.value.quantity, info.value.expected, info.value.actual) == ("dimensions", 2, len(shape))
    elif shape[0] == 0:
        with pytest.raises(NoTrainDataError):
            TrainingData(features)
    else:
        assert TrainingData(features).n_features == shape[1]


@st.composite
def _split_cases(draw: st.DrawFn) -> tuple[int, float | int]:
    n = draw(st.integers(1, 50))
    as_count = draw(st.booleans())
    if as_count:
        return n, draw(st.integers(1, max(1, n + 1)))
    return n, draw(st.floats(0.0, 1.0, exclude_min=True, exclude_max=True))


@settings(max_examples=300, deadline=None)
@given(
    case=_split_cases(),
    seed=st.integers(0, 2**32 - 1),
    as_frame=st.booleans(),
    stratify=st.booleans(),
    data=st.data(),
)
def test_split_partitions_rows(
    case: tuple[int, float | int], seed: int, as_frame: bool, stratify: bool, data: st.DataObject
) -> None:
    n, test_size = case
    features: Any = np.arange(n).reshape(-1, 1)
    classes = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    labels: Any = classes.copy()
    if as_frame:
        features = pd.DataFrame({"id": features[:, 0]}, index=np.arange(n)[::-1] * 3)
        labels = pd.Series(labels, index=features.index)
    training = TrainingData(features, labels)
    n_test = _expected_test_rows(test_size, n)
    if isinstance(test_size, float):  # rounds the share up, give or take float noise in the decimal
        assert -Fraction(1, 10**9) < n_test - Fraction(test_size) * n < 1

    if n_test >= n:
        with pytest.raises(NoTrainDataError):
            training.split(test_size, seed, stratify=stratify)
        return

    train, test = training.split(test_size, seed, stratify=stratify)
    assert (len(test), len(train)) == (n_test, n - n_test)
    train_ids, test_ids = _ids(train), _ids(test)
    assert sorted(train_ids + test_ids) == list(range(n))
    assert _label_list(train) == classes[train_ids].tolist()
    assert _label_list(test) == classes[test_ids].tolist()
    assert type(train.features) is type(features)
    assert type(test.labels) is type(labels)

    if stratify:
        counts = np.bincount(classes, minlength=4)
        test_counts = np.bincount(np.asarray(_label_list(test)), minlength=4)
        for count, in_test in zip(counts, test_counts, strict=True):
            ideal = Fraction(int(count) * n_test, n)
            assert math.floor(ideal) <= in_test <= math.ceil(ideal)

    again = training.split(test_size, seed, stratify=stratify)
    assert _ids(again[0]) == train_ids
    assert _ids(again[1]) == test_ids


@settings(max_examples=50, deadline=None)
@given(n=st.integers(20, 50), seeds=st.lists(st.integers(0, 10**6), min_size=2, max_size=2, unique=True))
def test_different_seeds_give_different_splits(n: int, seeds: list[int]) -> None:
    data = _array_data(n)
    first, second = (data.split(0.5, seed) for seed in seeds)
    # with n >= 20 two seeds drawing the same ordered half is astronomically unlikely
    assert _ids(first[1]) != _ids(second[1])
