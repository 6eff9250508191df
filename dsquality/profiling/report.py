"""The result of profiling: measured points, fitted exponents, verdicts; as JSON, Markdown, HTML and plots.

The JSON document is schema ``dsquality-profile`` version :data:`JSON_SCHEMA_VERSION`, described
(draft 2020-12) in ``profile-report.schema.json`` next to this module. Abridged::

    {
      "schema": "dsquality-profile", "version": 1,
      "model": "sklearn.svm:SVC", "data": "synthetic classification",
      "sizes": [1000, 2000, 4000, 8000], "features": [20], "repeats": 3, "seed": 0,
      "confidence": 0.95, "target_n": 1000000, "rss_method": "kernel high-water mark", "clock": "cpu",
      "thresholds": {"n_log_n_reference": 1.125, "linear_max": 1.062, "n_log_n_max": 1.562, "quadratic_max": 2.5},
      "measures": {
        "fit_time": {
          "label": "fit time", "unit": "s",
          "points": [{"n": 1000, "features": 20, "median": 0.011, "q1": 0.010, "q3": 0.012,
                      "min": 0.010, "max": 0.012, "values": [0.010, 0.011, 0.012]}, ...],
          "exponent": 1.93, "ci": [1.85, 2.01], "verdict": "O(n^2)", "will_scale": true,
          "plausible": ["O(n^2)"], "feature_exponent": null, "feature_ci": null,
          "extrapolation": {"n": 1000000, "features": 20, "value": 5400.0, "ci": [3100.0, 9400.0]}
        },
        "predict_time": {...}, "memory": {...}, "memory_traced": {...}, "memory_rss": {...},
        "model_size": {...}
      },
      "budget": null
    }

``fit_time``, ``predict_time`` (per sample), ``memory`` (peak during fit: the larger of
``memory_traced`` and ``memory_rss``) and ``model_size`` (pickled bytes) are always present, with
no points when they could not be measured (no memory meter, a model that cannot be pickled);
``memory_traced`` and ``memory_rss`` only when measured. ``exponent``, ``ci``, ``verdict`` … are
``null`` when a measure could not be fitted (e.g. no memory increase at any size). ``budget`` is
``null``, or the limits checked and the ``violations`` found. A change that removes, renames or
changes the meaning of a key bumps ``version``; consumers should ignore keys they do not know.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dsquality.profiling.budget import Budget, BudgetViolation, check_budget
from dsquality.profiling.fit import Interval, PowerLaw, Thresholds, Verdict
from dsquality.profiling.units import format_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "JSON_SCHEMA_NAME",
    "JSON_SCHEMA_VERSION",
    "MEASURES",
    "MeasureProfile",
    "Point",
    "ProfileComparison",
    "ProfileReport",
    "json_schema",
]

JSON_SCHEMA_NAME = "dsquality-profile"
JSON_SCHEMA_VERSION = 1
_SCHEMA_RESOURCE = "profile-report.schema.json"

MEASURES: Mapping[str, tuple[str, str]] = {
    "fit_time": ("fit time", "s"),
    "predict_time": ("predict time per sample", "s/sample"),
    "memory": ("peak memory during fit", "bytes"),
    "memory_traced": ("traced allocations during fit", "bytes"),
    "memory_rss": ("RSS increase during fit", "bytes"),
    "model_size": ("pickled model size", "bytes"),
}
"""Every measure a report can hold: name → (label, unit)."""

_SUMMARY_MEASURES = ("fit_time", "predict_time", "memory", "model_size")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`ProfileReport.to_dict` documents."""
    text = resources.files("dsquality.profiling").joinpath(_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True, slots=True)
class Point:
    """One measure at one size and feature count: the median over repeats and its spread."""

    n: int
    features: int
    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median over repeats."""
        return float(np.median(self.values))

    @property
    def quartiles(self) -> tuple[float, float]:
        """First and third quartiles over repeats (linear interpolation)."""
        q1, q3 = np.percentile(self.values, [25, 75])
        return float(q1), float(q3)

    def to_dict(self) -> dict[str, Any]:
        """``n``, ``features``, ``median``, ``q1``, ``q3``, ``min``, ``max``, ``values``."""
        q1, q3 = self.quartiles
        return {
            "n": self.n,
            "features": self.features,
            "median": self.median,
            "q1": q1,
            "q3": q3,
            "min": min(self.values),
            "max": max(self.values),
            "values": list(self.values),
        }


@dataclass(frozen=True, slots=True)
class MeasureProfile:
    """One measure across sizes: its points, fitted power law, verdict and extrapolation.

    Attributes:
        name: ``fit_time``, ``predict_time``, ``memory``… (see :data:`MEASURES`).
        label: What it is, for people.
        unit: ``s``, ``s/sample`` or ``bytes``.
        points: One per measured size and feature count.
        fit: The power law fitted on the medians, or None when it could not be fitted.
        verdict: The class of the exponent of ``n`` (None without a fit).
        plausible: Every class consistent with the exponent's confidence interval.
        extrapolation: The fitted value at the report's ``target_n`` (and largest ``F``).
    """

    name: str
    label: str
    unit: str
    points: tuple[Point, ...]
    fit: PowerLaw | None
    verdict: Verdict | None
    plausible: tuple[Verdict, ...]
    extrapolation: Interval | None

    @property
    def exponent(self) -> float | None:
        """The exponent of ``n`` (None without a fit)."""
        return self.fit.exponent.value if self.fit else None

    def to_dict(self, target_n: int, features: int) -> dict[str, Any]:
        """The measure's JSON object (see the module doc)."""
        fit, extrapolation = self.fit, self.extrapolation
        feature = fit.feature_exponent if fit else None
        return {
            "label": self.label,
            "unit": self.unit,
            "points": [point.to_dict() for point in self.points],
            "exponent": fit.exponent.value if fit else None,
            "ci": [fit.exponent.low, fit.exponent.high] if fit else None,
            "verdict": str(self.verdict) if self.verdict else None,
            "will_scale": self.verdict.will_scale if self.verdict else None,
            "plausible": [str(verdict) for verdict in self.plausible],
            "feature_exponent": feature.value if feature else None,
            "feature_ci": [feature.low, feature.high] if feature else None,
            "extrapolation": (
                {
                    "n": target_n,
                    "features": features,
                    "value": extrapolation.value,
                    "ci": [extrapolation.low, extrapolation.high],
                }
                if extrapolation
                else None
            ),
        }

    def summary_cells(self, confidence: float) -> tuple[str, str, str, str]:
        """Exponent, its interval, verdict and extrapolated value as short texts."""
        fit = self.fit
        if fit is None or self.verdict is None:
            return "-", "-", "not measurable", "-"
        exponent = f"{fit.exponent.value:.2f}"
        if fit.feature_exponent is not None:
            exponent += f" (F: {fit.feature_exponent.value:.2f})"
        interval = f"{confidence:.0%}: {fit.exponent.low:.2f} to {fit.exponent.high:.2f}"
        verdict = str(self.verdict) + ("" if self.verdict.will_scale else " — will not scale")
        at = self.extrapolation
        extrapolated = (
            f"{format_value(self.unit, at.value)} ({format_value(self.unit, at.low)} to "
            f"{format_value(self.unit, at.high)})"
            if at
            else "-"
        )
        return exponent, interval, verdict, extrapolated


@dataclass(frozen=True, slots=True)
class ProfileReport:
    """How a model's fit time, predict time and memory grow with the number of training rows.

    Made by :func:`~dsquality.profiling.profile_model`. In a notebook it displays as tables and a
    log-log plot; :meth:`to_dict` / :meth:`to_json` give the stable JSON document, :meth:`plot`
    the figure, :meth:`check` the broken budgets.
    """

    model: str
    data: str
    sizes: tuple[int, ...]
    features: tuple[int, ...]
    repeats: int
    seed: int
    confidence: float
    target_n: int
    rss_method: str
    clock: str
    thresholds: Thresholds
    measures: Mapping[str, MeasureProfile]

    def check(self, budget: Budget) -> list[BudgetViolation]:
        """The limits of ``budget`` this profile breaks (empty when it passes)."""
        return check_budget(self, budget)

    def to_dict(self, budget: Budget | None = None) -> dict[str, Any]:
        """The JSON document (see the module doc); with ``budget``, its limits and violations."""
        thresholds = self.thresholds
        return {
            "schema": JSON_SCHEMA_NAME,
            "version": JSON_SCHEMA_VERSION,
            "model": self.model,
            "data": self.data,
            "sizes": list(self.sizes),
            "features": list(self.features),
            "repeats": self.repeats,
            "seed": self.seed,
            "confidence": self.confidence,
            "target_n": self.target_n,
            "rss_method": self.rss_method,
            "clock": self.clock,
            "thresholds": {
                "n_log_n_reference": thresholds.n_log_n_reference,
                "linear_max": thresholds.linear_max,
                "n_log_n_max": thresholds.n_log_n_max,
                "quadratic_max": thresholds.quadratic_max,
            },
            "measures": {
                name: measure.to_dict(self.target_n, max(self.features)) for name, measure in self.measures.items()
            },
            "budget": _budget_dict(budget, self.check(budget)) if budget is not None else None,
        }

    def to_json(self, budget: Budget | None = None) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(budget), indent=2)

    def plot(self, path: Path | str | None = None) -> Figure:
        """The log-log plot of fit time, predict time and memory; saved as PNG when ``path`` is given.

        Raises:
            MissingDependencyError: matplotlib is not installed.
        """
        from dsquality.profiling.plot import plot_profiles  # noqa: PLC0415 - matplotlib is optional

        return plot_profiles([self], path)

    def summary_rows(self) -> list[tuple[str, str, str, str, str]]:
        """Per measure: label, exponent, interval, verdict, value at ``target_n``."""
        return [
            (measure.label, *measure.summary_cells(self.confidence))
            for name, measure in self.measures.items()
            if name in _SUMMARY_MEASURES
        ]

    def point_rows(self) -> tuple[list[str], list[list[str]]]:
        """The per-size table: header, then one row per size and feature count (median [q1 to q3])."""
        # memory is the larger of memory_traced and memory_rss, which the table shows separately
        names = [name for name, measure in self.measures.items() if name != "memory" and measure.points]
        header = ["n", "F"] + [self.measures[name].label for name in names]
        rows = []
        for index, point in enumerate(self.measures["fit_time"].points):
            row = [f"{point.n:,}", str(point.features)]
            for name in names:
                measure = self.measures[name]
                row.append(_spread_text(measure.unit, measure.points[index]))
            rows.append(row)
        return header, rows

    def _title(self) -> str:
        return f"{self.model} on {self.data}, {self.repeats} repeats, {self.clock} clock"

    def _summary_table(self) -> tuple[list[str], list[list[str]]]:
        header = ["measure", "exponent of n", "CI", "verdict", f"at n={self.target_n:,}"]
        return header, [list(row) for row in self.summary_rows()]

    def _repr_markdown_(self) -> str:
        summary, points = _markdown_table(*self._summary_table()), _markdown_table(*self.point_rows())
        return f"**{self._title()}**\n\n{summary}\n\n{points}\n"

    def _repr_html_(self) -> str:
        summary, points = _html_table(*self._summary_table()), _html_table(*self.point_rows())
        return f"<p><b>{html.escape(self._title())}</b></p>{summary}{points}{_html_plot([self])}"


@dataclass(frozen=True, slots=True)
class ProfileComparison:
    """Several profiles side by side: one summary table and one plot with a colour per model."""

    reports: tuple[ProfileReport, ...]

    def plot(self, path: Path | str | None = None) -> Figure:
        """All models on one log-log plot; saved as PNG when ``path`` is given."""
        from dsquality.profiling.plot import plot_profiles  # noqa: PLC0415 - matplotlib is optional

        return plot_profiles(self.reports, path)

    def rows(self) -> list[list[str]]:
        """Per model and measure: model, measure, exponent, interval, verdict, extrapolated value."""
        return [[report.model, *row] for report in self.reports for row in report.summary_rows()]

    def _header(self) -> list[str]:
        targets = sorted({report.target_n for report in self.reports})
        return ["model", "measure", "exponent of n", "CI", "verdict", "at n=" + "/".join(f"{n:,}" for n in targets)]

    def _repr_markdown_(self) -> str:
        return _markdown_table(self._header(), self.rows()) + "\n"

    def _repr_html_(self) -> str:
        return _html_table(self._header(), self.rows()) + _html_plot(self.reports)


def _budget_dict(budget: Budget, violations: Sequence[BudgetViolation]) -> dict[str, Any]:
    return {
        "max_exponent": budget.max_exponent,
        "max_fit_seconds": budget.max_fit_seconds,
        "max_memory_bytes": budget.max_memory_bytes,
        "at_n": budget.at_n,
        "passed": not violations,
        "violations": [
            {
                "measure": violation.measure,
                "budget": violation.budget,
                "figure": violation.figure,
                "limit": violation.limit,
                "message": violation.message,
            }
            for violation in violations
        ],
    }


def _spread_text(unit: str, point: Point) -> str:
    q1, q3 = point.quartiles
    return f"{format_value(unit, point.median)} [{format_value(unit, q1)} to {format_value(unit, q3)}]"


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *(line(row) for row in rows)])


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_plot(reports: Sequence[ProfileReport]) -> str:
    """The plot as an inline PNG, or a note when matplotlib is not installed."""
    from dsquality.profiling.plot import matplotlib_installed, png_bytes  # noqa: PLC0415 - matplotlib is optional

    if not matplotlib_installed():
        return "<p><i>Install matplotlib (pip install 'dsquality[profile]') to see the plot.</i></p>"
    data = base64.b64encode(png_bytes(reports)).decode("ascii")
    return f'<img alt="log-log plot of the measures" src="data:image/png;base64,{data}"/>'
