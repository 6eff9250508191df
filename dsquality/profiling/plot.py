"""Log-log plots of profiles: measured medians with their spread, and the fitted power laws.

matplotlib is optional (``pip install 'dsquality[profile]'``). Figures are made with
:class:`matplotlib.figure.Figure` and the Agg canvas directly, never with ``pyplot``: no global
state, no GUI backend, safe in a headless CI job and in a running notebook kernel alike.
"""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dsquality.atomic import atomic_write_bytes
from dsquality.errors import MissingDependencyError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dsquality.profiling.report import MeasureProfile, ProfileReport

__all__ = ["PLOTTED_MEASURES", "matplotlib_installed", "plot_profiles", "png_bytes", "require_matplotlib"]

PLOTTED_MEASURES = ("fit_time", "predict_time", "memory")
_MIN_Y_SPAN = 10.0
_UNIT_LABELS = {"s": "seconds", "s/sample": "seconds per sample", "bytes": "bytes"}


def matplotlib_installed() -> bool:
    """Whether plots can be drawn."""
    return importlib.util.find_spec("matplotlib") is not None


def require_matplotlib(feature: str = "Plotting a profile") -> None:
    """Raise :class:`~dsquality.errors.MissingDependencyError` unless matplotlib is installed."""
    if not matplotlib_installed():
        raise MissingDependencyError("matplotlib", feature=feature, extra="profile")


def _draw_measure(axes: Axes, measure: MeasureProfile, color: str, label: str) -> None:
    feature_counts = sorted({point.features for point in measure.points})
    markers = "os^Dv<>p"
    for index, features in enumerate(feature_counts):
        points = [point for point in measure.points if point.features == features and point.median > 0]
        if not points:
            continue
        n = np.array([point.n for point in points], dtype=float)
        median = np.array([point.median for point in points])
        quartiles = np.array([point.quartiles for point in points])
        spread = np.clip(np.vstack([median - quartiles[:, 0], quartiles[:, 1] - median]), 0, None)
        suffix = f", F={features}" if len(feature_counts) > 1 else ""
        axes.errorbar(
            n, median, yerr=spread, fmt=markers[index % len(markers)], color=color, capsize=3, label=f"{label}{suffix}"
        )
        fit = measure.fit
        if fit is None:
            continue
        line_n = np.geomspace(n.min() / 1.15, n.max() * 1.15, 50)
        line = [fit.predict(float(value), features if fit.feature_exponent else None).value for value in line_n]
        verdict = f"n^{fit.exponent.value:.2f}, {measure.verdict}"
        if measure.verdict is not None and not measure.verdict.will_scale:
            verdict += ": will not scale"
        axes.plot(line_n, line, "-", color=color, alpha=0.8, label=f"fit: {verdict}" if index == 0 else None)


def _span_a_decade(axes: Axes) -> None:
    """Widen the y axis to at least a factor of 10, so that a flat trend does not look steep."""
    low, high = axes.get_ylim()
    if low > 0 and high / low < _MIN_Y_SPAN:
        center = math.sqrt(low * high)
        axes.set_ylim(center / math.sqrt(_MIN_Y_SPAN), center * math.sqrt(_MIN_Y_SPAN))


def plot_profiles(
    reports: Sequence[ProfileReport],
    path: Path | str | None = None,
    *,
    measures: Sequence[str] = PLOTTED_MEASURES,
) -> Figure:
    """One log-log panel per measure; per report, the medians (interquartile bars) and the fitted line.

    Args:
        reports: The profiles, one colour each.
        path: Where to save the figure as PNG (atomically), or None.
        measures: Which measures to draw, one panel each.

    Returns:
        The figure.

    Raises:
        MissingDependencyError: matplotlib is not installed.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional dependency
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(5.0 * len(measures), 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    colors = [f"C{index}" for index in range(len(reports))]
    for axes, name in zip(figure.subplots(1, len(measures), squeeze=False)[0], measures, strict=True):
        for report, color in zip(reports, colors, strict=True):
            measure = report.measures[name]
            _draw_measure(axes, measure, color, report.model if len(reports) > 1 else "measured (median, IQR)")
        first = reports[0].measures[name]
        axes.set(xscale="log", yscale="log", title=first.label, xlabel="training rows n")
        axes.set_ylabel(_UNIT_LABELS.get(first.unit, first.unit))
        _span_a_decade(axes)
        axes.grid(visible=True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
    title = reports[0].model if len(reports) == 1 else "Empirical complexity"
    figure.suptitle(f"{title} (log-log)")
    if path is not None:
        atomic_write_bytes(Path(path), _png(figure))
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def png_bytes(reports: Sequence[ProfileReport]) -> bytes:
    """The plot of ``reports`` as PNG bytes (for embedding in HTML)."""
    return _png(plot_profiles(reports))
