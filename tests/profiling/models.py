# ruff: noqa: N803, N806 - X (capital) is scikit-learn's name for the features
"""Models for the profiling tests, importable as ``tests.profiling.models:Name``."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from dsquality.model import ModelInterface


class NearestCentroid(ModelInterface[Any, Any]):
    """A ModelInterface subclass: fit is one pass over the rows (O(n)), predict O(classes) per sample."""

    version = "1"

    def __init__(self, shrink: float = 0.0) -> None:
        self.shrink = shrink

    def fit(self, X: Any, y: Any) -> Self:
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == label].mean(axis=0) for label in self.classes_]) * (1 - self.shrink)
        return self

    def predict(self, X: Any) -> Any:
        distances = ((np.asarray(X, dtype=float)[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]


class NotAModel:
    """Has no fit or predict."""


def make_model() -> NearestCentroid:
    """A function, not a class."""
    return NearestCentroid()
