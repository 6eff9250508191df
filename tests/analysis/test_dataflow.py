"""Tests of the dataflow's records: the semantics of the frozen dataclasses they were written as."""

from __future__ import annotations

import dataclasses

import pytest

from dsquality.analysis.dataflow import (
    CrossValidation,
    Dataflow,
    Estimator,
    Event,
    Fit,
    Label,
    Leak,
    LeakKind,
    Split,
    Value,
)
from dsquality.analysis.ml_knowledge import Kind


def _leak() -> Leak:
    return Leak(LeakKind.PREFIT, "`scaler.fit`", 2, 3, 1)


def test_value_replace_changes_only_the_fields_given() -> None:
    value = Value(labels=frozenset({Label.TRAIN}), leaks=frozenset({_leak()}), columns=frozenset({"a"}))
    changed = value.replace(columns=frozenset({"b"}), aggregate=None, index=True)
    assert changed == Value(
        labels=frozenset({Label.TRAIN}), leaks=frozenset({_leak()}), columns=frozenset({"b"}), index=True
    )
    assert value.columns == frozenset({"a"})
    assert not value.index
    assert value.replace() == value
    assert value.replace() is not value
    assert value.replace(derived=None).derived is None  # None is a value, not "keep"


def test_values_compare_and_hash_by_fields_and_are_immutable() -> None:
    estimator = Estimator("StandardScaler", Kind.TRANSFORMER, 1, 2)
    first = Value(estimator=estimator, predicted_by=frozenset({id(estimator)}))
    second = Value(estimator=estimator, predicted_by=frozenset({id(estimator)}))
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second, Value()}) == 2
    assert first != Value(estimator=Estimator("StandardScaler", Kind.TRANSFORMER, 1, 2))  # another object
    assert Value().empty
    assert not first.empty
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.index = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del first.labels
    assert repr(Value()).startswith("Value(labels=frozenset(), leaks=frozenset(), estimator=None,")


def test_estimators_are_mutable_objects_equal_only_to_themselves() -> None:
    estimator = Estimator("StandardScaler", Kind.TRANSFORMER, 1, 2, var="scaler")
    twin = Estimator("StandardScaler", Kind.TRANSFORMER, 1, 2, var="scaler")
    assert estimator != twin
    assert len({estimator, twin}) == 2
    estimator.prefit = _leak()
    assert estimator.prefit == _leak()
    assert estimator.label == "scaler"
    assert Estimator("PCA", Kind.TRANSFORMER, 1, 2).label == "PCA()"
    assert repr(twin) == (
        "Estimator(class_name='StandardScaler', kind=<Kind.TRANSFORMER: 'transformer'>, cell=1, line=2, "
        "var='scaler', prefit=None)"
    )


def test_events_are_frozen_records_of_their_class() -> None:
    split = Split(2, 1, 5, (1, 1, 5), what="`train_test_split`", data=Value())
    assert split == Split(2, 1, 5, (1, 1, 5), "`train_test_split`", Value())
    assert hash(split) == hash(Split(2, 1, 5, (1, 1, 5), "`train_test_split`", Value()))
    assert split != CrossValidation(2, 1, 5, (1, 1, 5), what="`train_test_split`", data=Value())  # same fields
    assert isinstance(split, Event)
    assert (split.cell, split.line, split.column, split.what) == (2, 1, 5, "`train_test_split`")
    assert repr(split) == "Split(cell=2, line=1, column=5, order=(1, 1, 5), what='`train_test_split`', data=" + (
        repr(Value()) + ")"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        split.cell = 3  # type: ignore[misc]
    estimator = Estimator("Ridge", Kind.MODEL, 3, 1)
    fit = Fit(3, 2, 1, (2, 2, 1), estimator, "fit", Value(), Value(), Value(), "X", ("X", 1))
    assert fit.validated is False
    assert fit.x_key == ("X", 1)


def test_leaks_hash_as_their_fields() -> None:
    # Set iteration order (which the rules' reports follow among equal sort keys) depends on hashes.
    leak = _leak()
    assert hash(leak) == hash((LeakKind.PREFIT, "`scaler.fit`", 2, 3, 1))
    assert leak == Leak(kind=LeakKind.PREFIT, what="`scaler.fit`", cell=2, line=3, column=1)


def test_a_dataflow_starts_empty_and_compares_by_content() -> None:
    assert Dataflow() == Dataflow()
    assert not Dataflow().has_held_out_data
    flow = Dataflow()
    flow.cross_validations.append(CrossValidation(1, 1, 1, (0, 1, 1), "`KFold`", Value()))
    assert flow.has_held_out_data
    assert flow != Dataflow()
    with pytest.raises(TypeError):
        hash(flow)
