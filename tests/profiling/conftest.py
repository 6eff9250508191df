"""A small real profile shared by the report and budget tests (a decision tree; well under a second)."""

from __future__ import annotations

import pytest

from dsquality.profiling import ProfileReport, profile_model


@pytest.fixture(scope="session")
def tree_report() -> ProfileReport:
    return profile_model("sklearn.tree:DecisionTreeClassifier", sizes=(500, 1000, 2000), repeats=2, threads=1)
