"""Power laws fitted on log-log scales, their confidence intervals, verdict classes and extrapolation.

A measure ``y`` (seconds, bytes) that grows like ``c·n^b`` is a straight line on log-log axes:
``log y = log c + b·log n``. Ordinary least squares on the logarithms gives the exponent ``b``;
its confidence interval comes from the t-distribution with ``m - p`` degrees of freedom (``m``
points, ``p`` coefficients). With several feature counts ``F``, one joint fit
``log y = log c + b·log n + f·log F`` gives the exponents of both.

**Verdicts.** The four classes are told apart by *exponent bands computed on the measured sizes*.
Each class has a reference exponent: the slope that the same least squares would give for exact
data of that shape at the same sizes — 1 for ``n``, 2 for ``n²``, 3 for ``n³`` and, for
``n log n``, ``1 + ~1/ln n`` (about 1.12 for sizes 1 000 to 8 000; the slope of ``log(n ln n)``
against ``log n`` falls slowly as ``n`` grows). A measured exponent gets the class whose reference
is nearest, that is the band boundaries are the midpoints between neighbouring references:

============================  ==================================  =====================
verdict                       exponent ``b``                      (sizes 1 000 to 8 000)
============================  ==================================  =====================
``O(n)``                      ``b < (1 + e_nlogn) / 2``           ``b < 1.06``
``O(n log n)``                ``b < (e_nlogn + 2) / 2``           ``b < 1.56``
``O(n^2)``                    ``b < 2.5`` (midway to ``n³``)      ``b < 2.5``
``worse than O(n^2)``         otherwise: flagged "will not scale"
============================  ==================================  =====================

Comparing the residuals of the fixed shapes ``c·n`` and ``c·n·log n`` (the other way to tell them
apart) picks the same class, because over a range of sizes ``log log n`` is nearly linear in
``log n``; the bands say the same thing in one number that the report can show. ``O(n)`` means
*at most* linear: a constant (exponent 0, e.g. the predict time per sample of a linear model) is
``O(n)`` too, and the exponent says how much better. Telling ``n`` from ``n log n`` needs a tight
fit: the two references differ by only ~0.12, so noisy measurements may land on either side; the
classes consistent with the confidence interval (:attr:`PowerLaw.plausible`) say how sure the
verdict is.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

__all__ = ["Interval", "PowerLaw", "Thresholds", "Verdict", "fit_power_law", "reference_exponent"]

_WORSE_BOUNDARY = 2.5  # midway between the references of n² and n³


class Verdict(enum.StrEnum):
    """The growth class of a measure, from its exponent of ``n``."""

    LINEAR = "O(n)"
    N_LOG_N = "O(n log n)"
    QUADRATIC = "O(n^2)"
    WORSE = "worse than O(n^2)"

    @property
    def will_scale(self) -> bool:
        """False for ``worse than O(n^2)``: more hardware will not rescue it."""
        return self is not Verdict.WORSE


def reference_exponent(sizes: Sequence[float], shape: str) -> float:
    """The least-squares slope of ``log g(n)`` on ``log n`` at ``sizes``, ``g`` one of ``n, n log n, n^2, n^3``.

    Raises:
        ValueError: Unknown shape, or fewer than two distinct sizes.
    """
    n = np.asarray(sizes, dtype=float)
    shapes = {"n": n, "n log n": n * np.log(n), "n^2": n**2, "n^3": n**3}
    if shape not in shapes:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(shapes)}")
    x = np.log(n)
    if np.ptp(x) == 0:
        raise ValueError("need at least two distinct sizes")
    slope = np.polyfit(x, np.log(shapes[shape]), 1)[0]
    return float(slope)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Upper bounds of the exponent bands of :class:`Verdict`, for one set of sizes (see the module doc)."""

    n_log_n_reference: float
    linear_max: float
    n_log_n_max: float
    quadratic_max: float = _WORSE_BOUNDARY

    @classmethod
    def for_sizes(cls, sizes: Sequence[float]) -> Thresholds:
        """The bands for measurements at ``sizes`` (at least two distinct positive sizes)."""
        reference = reference_exponent(sizes, "n log n")
        return cls(
            n_log_n_reference=reference,
            linear_max=(1.0 + reference) / 2,
            n_log_n_max=(reference + 2.0) / 2,
        )

    def classify(self, exponent: float) -> Verdict:
        """The verdict for an exponent of ``n``."""
        if exponent < self.linear_max:
            return Verdict.LINEAR
        if exponent < self.n_log_n_max:
            return Verdict.N_LOG_N
        if exponent < self.quadratic_max:
            return Verdict.QUADRATIC
        return Verdict.WORSE

    def plausible(self, low: float, high: float) -> tuple[Verdict, ...]:
        """Every verdict whose band overlaps the interval ``[low, high]``, in order."""
        bounds = [(-math.inf, self.linear_max), (self.linear_max, self.n_log_n_max)]
        bounds += [(self.n_log_n_max, self.quadratic_max), (self.quadratic_max, math.inf)]
        return tuple(verdict for verdict, (lo, hi) in zip(Verdict, bounds, strict=True) if low < hi and high >= lo)


@dataclass(frozen=True, slots=True)
class Interval:
    """A value with its confidence interval ``[low, high]``."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class PowerLaw:
    """``y ≈ c · n^exponent · F^feature_exponent``, fitted by least squares on logarithms.

    Attributes:
        coefficients: ``(log c, exponent[, feature_exponent])``.
        exponent: The exponent of ``n``, with its confidence interval.
        feature_exponent: The exponent of ``F``, when several feature counts were measured.
        confidence: The level of every interval (0.95 for 95 %).
        dof: Degrees of freedom of the residuals (points minus coefficients).
        residual_std: Standard deviation of the residuals, in natural-log units.
        inverse_gram: ``(XᵀX)⁻¹`` of the design matrix, for intervals at new points.
    """

    coefficients: tuple[float, ...]
    exponent: Interval
    feature_exponent: Interval | None
    confidence: float
    dof: int
    residual_std: float
    inverse_gram: tuple[tuple[float, ...], ...]

    def _row(self, n: float, features: float | None) -> np.ndarray:
        row = [1.0, math.log(n)]
        if self.feature_exponent is not None:
            if features is None:
                raise ValueError("this fit has an exponent of F: pass the number of features")
            row.append(math.log(features))
        return np.asarray(row)

    def predict(self, n: float, features: float | None = None) -> Interval:
        """The fitted value at ``n`` (and ``features``) with the confidence interval of the fitted line there.

        The interval covers the *median trend* at that point (it widens with the distance from the
        measured sizes and with the exponent's uncertainty); a single run can fall outside it.
        """
        row = self._row(n, features)
        log_value = float(row @ np.asarray(self.coefficients))
        gram = np.asarray(self.inverse_gram)
        half = _t_quantile(self.confidence, self.dof) * self.residual_std * math.sqrt(max(float(row @ gram @ row), 0.0))
        return Interval(math.exp(log_value), math.exp(log_value - half), math.exp(log_value + half))


def _t_quantile(confidence: float, dof: int) -> float:
    return float(stats.t.ppf((1.0 + confidence) / 2.0, dof))


def fit_power_law(
    sizes: Sequence[float],
    values: Sequence[float],
    features: Sequence[float] | None = None,
    *,
    confidence: float = 0.95,
) -> PowerLaw | None:
    """Fit ``log value = log c + b·log n (+ f·log F)`` by least squares.

    Points whose value is not positive (a memory increase of 0 bytes) cannot be put on a log scale
    and are left out. ``F`` enters the fit only when at least two distinct feature counts remain.

    Args:
        sizes: ``n`` of each point.
        values: The measure at each point (e.g. the median over repeats).
        features: ``F`` of each point, or None.
        confidence: Level of the confidence intervals, in (0, 1).

    Returns:
        The fit, or None when fewer points remain than coefficients plus one (no interval possible)
        or all remaining sizes are equal.

    Raises:
        ValueError: The sequences differ in length, or ``confidence`` is not in (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n = np.asarray(sizes, dtype=float)
    y = np.asarray(values, dtype=float)
    f = np.asarray(features if features is not None else np.ones_like(n), dtype=float)
    if not len(n) == len(y) == len(f):
        raise ValueError(f"sizes, values and features differ in length: {len(n)}, {len(y)}, {len(f)}")
    keep = (y > 0) & np.isfinite(y)
    n, y, f = n[keep], y[keep], f[keep]
    columns = [np.ones_like(n), np.log(n)]
    with_features = len(np.unique(f)) > 1
    if with_features:
        columns.append(np.log(f))
    design = np.column_stack(columns)
    dof = len(y) - design.shape[1]
    if dof < 1 or np.ptp(np.log(n)) == 0:
        return None
    target = np.log(y)
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    residuals = target - design @ coefficients
    residual_std = math.sqrt(float(residuals @ residuals) / dof)
    inverse_gram = np.linalg.pinv(design.T @ design)
    quantile = _t_quantile(confidence, dof)

    def interval(index: int) -> Interval:
        half = quantile * residual_std * math.sqrt(max(float(inverse_gram[index, index]), 0.0))
        value = float(coefficients[index])
        return Interval(value, value - half, value + half)

    return PowerLaw(
        coefficients=tuple(float(c) for c in coefficients),
        exponent=interval(1),
        feature_exponent=interval(2) if with_features else None,
        confidence=confidence,
        dof=dof,
        residual_std=residual_std,
        inverse_gram=tuple(tuple(float(v) for v in row) for row in inverse_gram),
    )
