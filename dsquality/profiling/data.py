# ruff: noqa: N806 - X (capital) is scikit-learn's name for the features
"""The data a model is profiled on: synthetic by default, or rows sampled from a CSV or Parquet file.

Samples are *nested* and reproducible: the rows for a size are the first ``n`` of one seeded
order, so a larger size contains every smaller one and two runs with the same seed fit the same
rows. Predict time is measured on a fixed batch of rows, the same for every training size, so
its change with ``n`` is the model's, not the batch's.
"""

from __future__ import annotations

import difflib
import enum
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dsquality.errors import MissingDependencyError, ProfileError

__all__ = ["DataSource", "Sample", "SyntheticData", "TableData", "Task"]

_LABEL_NOISE = 0.1
_REGRESSION_NOISE = 10.0


class Task(enum.StrEnum):
    """What the synthetic labels are: classes or a continuous target."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"


@dataclass(frozen=True, slots=True)
class Sample:
    """Training rows of one size and the fixed batch to predict."""

    X: Any
    y: Any
    X_predict: Any


class DataSource(Protocol):
    """Where samples come from."""

    @property
    def description(self) -> str:
        """One line for reports, e.g. ``synthetic classification`` or a file name."""

    @property
    def feature_counts(self) -> tuple[int, ...]:
        """The numbers of features that can be sampled."""

    def sample(self, n: int, features: int) -> Sample:
        """``n`` training rows with ``features`` columns, and the predict batch."""


@dataclass(slots=True)
class SyntheticData:
    """Rows from scikit-learn's generators, generated once per feature count and sliced per size.

    Classification: :func:`~sklearn.datasets.make_classification` with half the features
    informative and 10 % of labels flipped — classes overlap as in real data, which is the regime
    where e.g. kernel methods keep many support vectors. Regression:
    :func:`~sklearn.datasets.make_regression` with half the features informative and Gaussian noise.
    """

    task: Task
    feature_counts: tuple[int, ...]
    max_n: int
    predict_rows: int
    seed: int
    _cache: dict[int, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    @property
    def description(self) -> str:
        """``synthetic classification`` or ``synthetic regression``."""
        return f"synthetic {self.task}"

    def _generate(self, features: int) -> tuple[Any, Any]:
        from sklearn.datasets import make_classification, make_regression  # noqa: PLC0415 - heavy

        rows = self.max_n + self.predict_rows
        informative = max(1, features // 2)
        if self.task is Task.REGRESSION:
            X, y = make_regression(
                n_samples=rows,
                n_features=features,
                n_informative=informative,
                noise=_REGRESSION_NOISE,
                random_state=self.seed,
            )
        else:
            X, y = make_classification(
                n_samples=rows,
                n_features=features,
                n_informative=informative,
                n_redundant=0,
                n_clusters_per_class=2 if informative >= 2 else 1,  # noqa: PLR2004 - needs 2**informative >= 4
                flip_y=_LABEL_NOISE,
                random_state=self.seed,
            )
        return X, y

    def sample(self, n: int, features: int) -> Sample:
        """The first ``n`` generated rows; the predict batch is the last ``predict_rows`` (never trained on)."""
        if features not in self._cache:
            self._cache[features] = self._generate(features)
        X, y = self._cache[features]
        return Sample(X[:n], y[:n], X[self.max_n :])


@dataclass(slots=True)
class TableData:
    """Rows sampled from a table: ``target`` is the label column, every other column a feature."""

    frame: pd.DataFrame
    target: str
    seed: int
    predict_rows: int
    name: str = "data frame"
    _order: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.target not in self.frame.columns:
            columns = [str(column) for column in self.frame.columns]
            close = difflib.get_close_matches(self.target, columns, n=1)
            hint = f"Did you mean '{close[0]}'?" if close else "Columns: " + ", ".join(columns[:20]) + "."
            raise ProfileError(f"--target {self.target!r}", f"{self.name} has no such column", hint=hint)
        if self.frame.shape[1] < 2:  # noqa: PLR2004 - the target and at least one feature
            raise ProfileError(self.name, "it has no feature columns besides the target")
        self._order = np.random.default_rng(self.seed).permutation(len(self.frame))

    @classmethod
    def from_path(cls, path: Path, target: str, *, seed: int, predict_rows: int) -> TableData:
        """Read a CSV or Parquet file (Parquet needs pyarrow or fastparquet).

        Raises:
            ProfileError: The file is missing, of another type, or unreadable; no such column.
            MissingDependencyError: A Parquet file without a Parquet engine installed.
        """
        suffix = path.suffix.lower()
        if suffix not in {".csv", ".parquet", ".pq"}:
            raise ProfileError(
                f"--data {path}", f"cannot read '{suffix or path.name}' files", hint="Pass a .csv or .parquet file."
            )
        if not path.is_file():
            raise ProfileError(f"--data {path}", "no such file", hint="Check the path.")
        if suffix != ".csv" and not any(importlib.util.find_spec(name) for name in ("pyarrow", "fastparquet")):
            raise MissingDependencyError("pyarrow", feature="Reading Parquet files")
        try:
            frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise ProfileError(f"--data {path}", f"cannot read it: {exc}") from exc
        return cls(frame=frame, target=target, seed=seed, predict_rows=predict_rows, name=str(path))

    @property
    def description(self) -> str:
        """The file name and the target column."""
        return f"{self.name} (target {self.target!r})"

    @property
    def feature_counts(self) -> tuple[int, ...]:
        """The one feature count a table has: its columns minus the target."""
        return (self.frame.shape[1] - 1,)

    @property
    def rows(self) -> int:
        """Rows in the table."""
        return len(self.frame)

    def sample(self, n: int, features: int) -> Sample:
        """``n`` rows of one seeded order (nested across sizes); the predict batch is the order's last rows.

        The predict rows are not trained on as long as the table has ``max(sizes) + predict_rows``
        rows; with fewer, they overlap the largest samples.
        """
        if features != self.feature_counts[0]:
            raise ProfileError(
                "--features", f"{self.name} has {self.feature_counts[0]} feature columns, not {features}"
            )
        if n > self.rows:
            raise ProfileError(
                "--sizes",
                f"size {n} is larger than {self.name}, which has {self.rows} rows",
                hint=f"Pass sizes up to {self.rows}.",
            )
        rows = self.frame.iloc[self._order[:n]]
        predict = self.frame.iloc[self._order[-min(self.predict_rows, self.rows) :]]
        return Sample(rows.drop(columns=[self.target]), rows[self.target], predict.drop(columns=[self.target]))
