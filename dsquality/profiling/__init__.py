"""Empirical complexity of a model: how fit time, predict time and memory grow with the data.

``dsq profile`` and notebooks use the same function::

    from dsquality.profiling import Budget, profile_model

    report = profile_model("sklearn.svm:SVC", sizes=[1000, 2000, 4000, 8000], repeats=3)
    report                      # in a notebook: tables and a log-log plot
    report.plot("svc.png")      # the plot as PNG (needs matplotlib: pip install 'dsquality[profile]')
    report.check(Budget(max_exponent=2))   # the budgets it breaks

Modules: :mod:`~dsquality.profiling.measure` (timing and memory of one fit),
:mod:`~dsquality.profiling.fit` (log-log least squares, intervals, verdicts),
:mod:`~dsquality.profiling.data` (synthetic data, CSV/Parquet sampling),
:mod:`~dsquality.profiling.report` (the report, JSON, notebook display),
:mod:`~dsquality.profiling.plot` (matplotlib figures), :mod:`~dsquality.profiling.budget` (CI budgets).
"""

from __future__ import annotations

from dsquality.profiling.api import DEFAULT_SIZES, ProfileProgress, profile_model, validate_sizes
from dsquality.profiling.budget import Budget, BudgetViolation
from dsquality.profiling.data import Task
from dsquality.profiling.fit import PowerLaw, Thresholds, Verdict, fit_power_law
from dsquality.profiling.measure import Clock
from dsquality.profiling.report import MeasureProfile, ProfileComparison, ProfileReport

__all__ = [
    "DEFAULT_SIZES",
    "Budget",
    "BudgetViolation",
    "Clock",
    "MeasureProfile",
    "PowerLaw",
    "ProfileComparison",
    "ProfileProgress",
    "ProfileReport",
    "Task",
    "Thresholds",
    "Verdict",
    "compare",
    "fit_power_law",
    "profile_model",
    "validate_sizes",
]


def compare(*reports: ProfileReport) -> ProfileComparison:
    """Several profiles side by side: in a notebook, one summary table and one plot."""
    return ProfileComparison(tuple(reports))
