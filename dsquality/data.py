"""Typed, immutable containers for the data a notebook trains and evaluates on.

Import them in notebooks::

    from dsquality.data import Label, TrainingData

    data = TrainingData(features=frame[["width", "height"]], labels=frame["defect"])
    train, test = data.split(test_size=0.2, seed=42, stratify=True)

:class:`TrainingData` checks shapes once, when it is built, and raises an error from
:mod:`dsquality.errors` that says which counts disagree and how to fix it. It never copies the
arrays or frames it is given: ``frozen`` means its fields cannot be rebound, not that the arrays
inside become read-only.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from dsquality.errors import DataSizeError, NoTrainDataError

__all__ = ["FeatureData", "Label", "LabelData", "TrainingData"]

FeatureData: TypeAlias = NDArray[Any] | pd.DataFrame
"""Features: a 2-D numpy array or a pandas DataFrame, one row per sample."""

if TYPE_CHECKING:
    LabelData: TypeAlias = NDArray[Any] | pd.Series[Any] | pd.DataFrame
else:  # pandas.Series cannot be subscripted at runtime
    LabelData: TypeAlias = NDArray[Any] | pd.Series | pd.DataFrame
"""Labels: a 1-D array or Series (one target), or a 2-D array or DataFrame (several outputs)."""

_FEATURE_NDIM = 2
_MAX_LABEL_NDIM = 2


class Label(enum.IntEnum):
    """The outcome of inspecting one part: good, or bad (a defect was found).

    ``BAD`` is the *positive* class (``1``): metrics such as precision and recall count how well a
    model finds defects, so pass ``pos_label=Label.BAD`` where a library asks for one. Being an
    :class:`~enum.IntEnum`, each member compares equal to its integer and can be stored in a numpy
    array or pandas column as ``0`` / ``1``.
    """

    GOOD = 0
    """The part passed inspection (negative class)."""

    BAD = 1
    """A defect was found (positive class)."""


def _empty_metadata() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, eq=False, init=False, repr=False)
class TrainingData:
    """Features, optional labels and free-form metadata, checked to belong together.

    Args:
        features: One row per sample: a 2-D numpy array or a pandas DataFrame (kept as is, not
            copied). Lists, tuples and other array-likes are converted with :func:`numpy.asarray`.
        labels: Optional targets with the same number of rows: a 1-D array or Series, or a 2-D
            array or DataFrame for several outputs (kept as is; other array-likes are converted).
        metadata: Anything worth keeping with the data (source, query, date…). It is copied into
            a read-only mapping; ``None`` means empty.

    Raises:
        DataSizeError: ``features`` is not 2-D, ``labels`` is neither 1-D nor 2-D, or ``labels``
            has a different number of rows than ``features``.
        NoTrainDataError: ``features`` has no rows.

    Instances compare by identity (arrays have no single truth value) and are not hashable by
    content. ``frozen`` stops fields being rebound; it does not make the arrays read-only.
    """

    features: FeatureData
    labels: LabelData | None = None
    metadata: Mapping[str, Any] = field(default_factory=_empty_metadata)

    def __init__(
        self,
        features: FeatureData | ArrayLike,
        labels: LabelData | ArrayLike | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        checked_features = _check_features(features)
        n_rows = checked_features.shape[0]
        checked_labels = None if labels is None else _check_labels(labels)
        if n_rows == 0:
            raise NoTrainDataError("features", n_samples=0)
        if checked_labels is not None and checked_labels.shape[0] != n_rows:
            raise DataSizeError(
                "labels",
                quantity="rows",
                expected=n_rows,
                actual=checked_labels.shape[0],
                hint="Labels need one row per row of features: filter, sample or split both together.",
            )
        object.__setattr__(self, "features", checked_features)
        object.__setattr__(self, "labels", checked_labels)
        object.__setattr__(self, "metadata", MappingProxyType(dict(metadata or {})))

    # --- properties ---------------------------------------------------------------------------

    @property
    def n_samples(self) -> int:
        """Number of samples (rows)."""
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.features.shape[1])

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The DataFrame's column names as strings, or ``None`` when features are an array."""
        if isinstance(self.features, pd.DataFrame):
            return tuple(str(name) for name in self.features.columns)
        return None

    @property
    def has_labels(self) -> bool:
        """Whether labels were given."""
        return self.labels is not None

    def __len__(self) -> int:
        return self.n_samples

    def __repr__(self) -> str:
        labels = "None" if self.labels is None else _describe(self.labels)
        return f"TrainingData(features={_describe(self.features)}, labels={labels}, metadata={dict(self.metadata)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only metadata view (MappingProxyType) cannot be pickled; rebuild from a dict.
        return (type(self), (self.features, self.labels, dict(self.metadata)))

    # --- splitting ----------------------------------------------------------------------------

    def split(
        self,
        test_size: float | int = 0.25,  # noqa: PYI041 - spelled out: a float is a fraction, an int a count
        seed: int = 0,
        *,
        stratify: bool = False,
    ) -> tuple[TrainingData, TrainingData]:
        """Split the rows at random into a training part and a test part.

        Rows are drawn with ``numpy.random.default_rng(seed).permutation``, so the same seed gives
        the same split. Each part keeps the input types (a DataFrame stays a DataFrame, with its
        index, selected by position with ``.iloc``), its rows in shuffled order, and a copy of the
        metadata.

        Args:
            test_size: A float in (0, 1) is the fraction of rows for the test part: it gets
                ``ceil(test_size * n_samples)`` rows, like scikit-learn. An int is the number of
                test rows, from 1 to ``n_samples - 1``.
            seed: Seed for the random permutation.
            stratify: Keep each class's share of the rows in both parts (needs labels). Each class
                (each distinct label row, for 2-D labels) gives the test part its proportional
                share, rounded so the shares add up to the test size.

        Returns:
            ``(train, test)``.

        Raises:
            TypeError: ``test_size`` is not a number.
            ValueError: ``test_size`` is out of range, or ``stratify=True`` without labels.
            NoTrainDataError: The training part would be empty (too few rows for ``test_size``).
        """
        n = self.n_samples
        n_test = _test_count(test_size, n)
        if stratify and self.labels is None:
            raise ValueError("split(stratify=True) needs labels, but this TrainingData has none; pass labels=...")
        rng = np.random.default_rng(seed)
        if stratify:
            assert self.labels is not None  # noqa: S101 - checked above; narrows the type for mypy
            test_rows = _stratified_test_rows(_class_codes(self.labels), n_test, rng)
            in_test = np.zeros(n, dtype=bool)
            in_test[test_rows] = True
            train_rows = rng.permutation(np.flatnonzero(~in_test))
        else:
            order = rng.permutation(n)
            test_rows, train_rows = order[:n_test], order[n_test:]
        return self._take(train_rows), self._take(test_rows)

    def _take(self, rows: NDArray[np.intp]) -> TrainingData:
        labels = None if self.labels is None else _take_rows(self.labels, rows)
        return TrainingData(_take_rows(self.features, rows), labels, self.metadata)


# --- validation helpers ---------------------------------------------------------------------------


def _as_data(data: object) -> NDArray[Any] | pd.Series[Any] | pd.DataFrame:
    """Keep numpy arrays and pandas objects as they are; convert anything else with asarray."""
    if isinstance(data, np.ndarray | pd.Series | pd.DataFrame):
        return data
    return np.asarray(data)


def _check_features(features: object) -> FeatureData:
    data = _as_data(features)
    if isinstance(data, pd.DataFrame):
        return data
    if data.ndim == _FEATURE_NDIM and isinstance(data, np.ndarray):
        return data
    if data.ndim == 1:
        hint = (
            "Select columns with a list, e.g. df[['col']], or call series.to_frame()."
            if isinstance(data, pd.Series)
            else "Use X.reshape(-1, 1) for one feature, or X.reshape(1, -1) for one sample."
        )
    elif data.ndim > _FEATURE_NDIM:
        hint = "Flatten each sample into one row, e.g. X.reshape(len(X), -1)."
    else:
        hint = f"Pass a 2-D numpy array or a pandas DataFrame, not {type(features).__name__}."
    raise DataSizeError("features", quantity="dimensions", expected=_FEATURE_NDIM, actual=data.ndim, hint=hint)


def _check_labels(labels: object) -> LabelData:
    data = _as_data(labels)
    if 1 <= data.ndim <= _MAX_LABEL_NDIM:
        return data
    hint = (
        "Pass one label per sample (1-D) or one row of outputs per sample (2-D), "
        f"not a {data.ndim}-D {type(labels).__name__}."
    )
    raise DataSizeError("labels", quantity="dimensions", expected="1 or 2", actual=data.ndim, hint=hint)


def _describe(data: NDArray[Any] | pd.Series[Any] | pd.DataFrame) -> str:
    shape = "x".join(str(size) for size in data.shape)
    return f"{type(data).__name__}({shape})"


# --- splitting helpers ----------------------------------------------------------------------------


def _test_count(test_size: object, n: int) -> int:
    """Number of test rows for ``test_size``; raises if it is invalid or leaves no training rows."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"test_size must be a float in (0, 1) or an int from 1 to n_samples - 1, not {type(test_size).__name__}."
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if n_test < 1:
            raise ValueError(
                f"test_size={n_test} is not a valid number of test rows: an int test_size must be from 1 "
                f"to n_samples - 1 ({n - 1}); pass a float in (0, 1) for a fraction."
            )
    else:
        fraction = float(test_size)
        if not 0.0 < fraction < 1.0:
            raise ValueError(
                f"test_size={fraction!r} is not a valid fraction: a float test_size must be strictly between "
                "0 and 1; pass an int for a number of rows."
            )
        # Round from the decimal the user wrote: 0.07 * 100 is 7.000000000000001 in floating point,
        # and ceil() of that would give 8 test rows instead of 7.
        n_test = math.ceil(Fraction(repr(fraction)) * n)
    if n_test >= n:
        raise NoTrainDataError(
            "training split",
            n_samples=0,
            hint=f"test_size={test_size!r} takes {n_test} of the {n} rows, leaving none for training; "
            "use a smaller test_size or more data (a split needs at least 2 rows).",
        )
    return n_test


@overload
def _take_rows(data: pd.DataFrame, rows: NDArray[np.intp]) -> pd.DataFrame: ...
@overload
def _take_rows(data: pd.Series[Any], rows: NDArray[np.intp]) -> pd.Series[Any]: ...
@overload
def _take_rows(data: NDArray[Any], rows: NDArray[np.intp]) -> NDArray[Any]: ...
def _take_rows(
    data: NDArray[Any] | pd.Series[Any] | pd.DataFrame, rows: NDArray[np.intp]
) -> NDArray[Any] | pd.Series[Any] | pd.DataFrame:
    if isinstance(data, pd.DataFrame | pd.Series):
        return data.iloc[rows]
    return data[rows]


def _class_codes(labels: LabelData) -> NDArray[np.intp]:
    """One integer per row naming its class: its label, or its row of labels for 2-D labels."""
    if isinstance(labels, pd.DataFrame):
        columns: list[Any] = [labels.iloc[:, j] for j in range(labels.shape[1])]
    elif labels.ndim == 1:
        columns = [labels]
    else:
        columns = [labels[:, j] for j in range(labels.shape[1])]
    if not columns:  # 2-D labels without columns: a single class
        return np.zeros(labels.shape[0], dtype=np.intp)
    # factorize handles any dtype (strings, categories, objects, NaN as its own class).
    per_column = np.column_stack([pd.factorize(column, use_na_sentinel=False)[0] for column in columns])
    _, codes = np.unique(per_column, axis=0, return_inverse=True)
    return np.asarray(codes, dtype=np.intp).reshape(-1)


def _stratified_test_rows(codes: NDArray[np.intp], n_test: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """Pick ``n_test`` rows so that each class gets its proportional share, in shuffled order.

    Each class gets ``floor(count * n_test / n)`` rows; the rows still missing go to the classes
    with the largest remainders (ties: the class seen first in sorted label order).
    """
    n = len(codes)
    classes, counts = np.unique(codes, return_counts=True)
    share, remainder = np.divmod(counts * n_test, n)
    missing = n_test - int(share.sum())
    share[np.argsort(-remainder, kind="stable")[:missing]] += 1
    picked = [rng.permutation(np.flatnonzero(codes == cls))[:k] for cls, k in zip(classes, share, strict=True)]
    return rng.permutation(np.concatenate(picked))
