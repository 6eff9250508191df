"""Budgets a CI job enforces on a profile: a maximum exponent, fit time and memory at a size.

Fit time and memory are compared at ``at_n`` through the fitted power law (the point estimate;
the message also gives its confidence interval). The exponent budget applies to fit time, predict
time and memory alike: by the deployment rule, anything growing faster than allowed will not work
at scale whichever resource it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsquality.errors import ProfileError
from dsquality.profiling.units import format_value

if TYPE_CHECKING:
    from dsquality.profiling.report import MeasureProfile, ProfileReport

__all__ = ["EXPONENT_MEASURES", "Budget", "BudgetViolation", "check_budget"]

EXPONENT_MEASURES = ("fit_time", "predict_time", "memory")
"""The measures ``max_exponent`` applies to."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits to check a :class:`~dsquality.profiling.report.ProfileReport` against; None means no limit.

    Attributes:
        max_exponent: Largest allowed exponent of ``n`` for fit time, predict time and memory.
        max_fit_seconds: Largest allowed fit time at ``at_n``.
        max_memory_bytes: Largest allowed peak memory during fit at ``at_n``.
        at_n: Where to check time and memory; None means the report's ``target_n``.
    """

    max_exponent: float | None = None
    max_fit_seconds: float | None = None
    max_memory_bytes: int | None = None
    at_n: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_exponent", "max_fit_seconds", "max_memory_bytes", "at_n"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ProfileError(f"budget {name}", f"must be a positive number, got {value!r}")

    @property
    def is_empty(self) -> bool:
        """Whether no limit is set."""
        return self.max_exponent is None and self.max_fit_seconds is None and self.max_memory_bytes is None


@dataclass(frozen=True, slots=True)
class BudgetViolation:
    """One broken budget: the measure, the measured (or extrapolated) figure and the limit.

    ``message`` reads e.g. ``fit_time exponent of n is 2.31 (95% CI 2.10 to 2.52), over the
    budget max_exponent = 2``.
    """

    measure: str
    budget: str
    figure: float
    limit: float
    message: str


def _exponent_violation(measure: MeasureProfile, limit: float) -> BudgetViolation | None:
    fit = measure.fit
    if fit is None or fit.exponent.value <= limit:
        return None
    level = f"{fit.confidence:.0%}"
    return BudgetViolation(
        measure=measure.name,
        budget="max_exponent",
        figure=fit.exponent.value,
        limit=limit,
        message=(
            f"{measure.name} exponent of n is {fit.exponent.value:.2f} ({level} CI {fit.exponent.low:.2f} to "
            f"{fit.exponent.high:.2f}, {measure.verdict}), over the budget max_exponent = {limit:g}"
        ),
    )


def _value_violation(
    measure: MeasureProfile, budget: str, limit: float, at_n: int, features: int
) -> BudgetViolation | None:
    fit = measure.fit
    if fit is None:
        raise ProfileError(
            f"budget {budget}",
            f"{measure.name} could not be measured (no positive values), so it cannot be checked",
            hint="Measure larger sizes, or drop this budget.",
        )
    at = fit.predict(at_n, features)
    if at.value <= limit:
        return None
    value, low, high, allowed = (format_value(measure.unit, x) for x in (at.value, at.low, at.high, limit))
    if measure.unit == "bytes":
        allowed += f" ({limit:,.0f} bytes)"
    return BudgetViolation(
        measure=measure.name,
        budget=budget,
        figure=at.value,
        limit=limit,
        message=(
            f"{measure.name} at n={at_n:,} is {value} ({fit.confidence:.0%} CI {low} to {high}), "
            f"over the budget {budget} = {allowed}"
        ),
    )


def check_budget(report: ProfileReport, budget: Budget) -> list[BudgetViolation]:
    """Every limit of ``budget`` that ``report`` breaks, in the order exponent, fit time, memory.

    Raises:
        ProfileError: A time or memory budget on a measure that could not be fitted.
    """
    violations: list[BudgetViolation] = []
    if budget.max_exponent is not None:
        for name in EXPONENT_MEASURES:
            found = _exponent_violation(report.measures[name], budget.max_exponent)
            violations += [found] if found else []
    at_n = budget.at_n or report.target_n
    features = max(report.features)
    for name, budget_name, limit in (
        ("fit_time", "max_fit_seconds", budget.max_fit_seconds),
        ("memory", "max_memory", budget.max_memory_bytes),
    ):
        if limit is not None:
            found = _value_violation(report.measures[name], budget_name, float(limit), at_n, features)
            violations += [found] if found else []
    return violations
