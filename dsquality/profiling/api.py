"""``profile_model``: measure a model at growing sizes and fit how each measure grows."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dsquality.errors import ProfileError
from dsquality.profiling.data import DataSource, SyntheticData, TableData, Task
from dsquality.profiling.estimator import ModelFactory, resolve_model
from dsquality.profiling.fit import Thresholds, fit_power_law
from dsquality.profiling.measure import Clock, Measurement, RSSMeter, measure
from dsquality.profiling.report import MEASURES, MeasureProfile, Point, ProfileReport

__all__ = ["DEFAULT_SIZES", "MIN_SIZES", "ProfileProgress", "profile_model", "validate_sizes"]

logger = logging.getLogger(__name__)

DEFAULT_SIZES = (1000, 2000, 4000, 8000)
"""Four sizes doubling from 1 000 to 8 000: over them a linear fit time grows 8-fold, a quadratic one 64-fold."""

MIN_SIZES = 3
"""Fewest sizes to fit an exponent with a confidence interval (one degree of freedom)."""

_MIN_SIZE = 10
_DEFAULT_FEATURES = 20
_ALWAYS_REPORTED = frozenset({"fit_time", "predict_time", "memory", "model_size"})


@dataclass(frozen=True, slots=True)
class ProfileProgress:
    """Passed to the ``progress`` callback after each measurement (and once before the first)."""

    done: int
    total: int
    n: int
    features: int
    repeat: int


def validate_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Check that there are at least :data:`MIN_SIZES` positive, strictly increasing whole sizes.

    Raises:
        ProfileError: Saying which rule the sizes break.
    """
    sizes = tuple(sizes)
    listed = ",".join(str(size) for size in sizes)
    if len(sizes) < MIN_SIZES:
        raise ProfileError(
            "--sizes",
            f"need at least {MIN_SIZES} sizes to fit an exponent with a confidence interval, got {len(sizes)} "
            f"({listed or 'none'})",
            hint="Pass e.g. --sizes 1000,2000,4000,8000.",
        )
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < _MIN_SIZE:
            raise ProfileError("--sizes", f"every size must be a whole number of at least {_MIN_SIZE}, got {size!r}")
    for smaller, larger in itertools.pairwise(sizes):
        if larger <= smaller:
            raise ProfileError(
                "--sizes", f"sizes must increase, got {larger} after {smaller} ({listed})", hint="Sort them."
            )
    return sizes


def _positive(name: str, value: float, *, whole: bool = True) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and value > 0) or (whole and value != int(value)):
        kind = "whole number" if whole else "number"
        raise ProfileError(name, f"must be a positive {kind}, got {value!r}")


def _source(
    *,
    data: str | Path | pd.DataFrame | None,
    target: str | None,
    task: Task | str,
    features: int | Sequence[int] | None,
    max_n: int,
    predict_rows: int,
    seed: int,
) -> DataSource:
    if data is None:
        counts = (
            (_DEFAULT_FEATURES,) if features is None else (features,) if isinstance(features, int) else tuple(features)
        )
        if not counts or len(set(counts)) != len(counts):
            raise ProfileError("--features", f"need one or more distinct feature counts, got {counts!r}")
        for count in counts:
            _positive("--features", count)
        try:
            kind = Task(task)
        except ValueError:
            raise ProfileError(
                "--task", f"unknown task {task!r}", hint="Use one of: " + ", ".join(Task) + "."
            ) from None
        return SyntheticData(kind, tuple(sorted(counts)), max_n, predict_rows, seed)
    if features is not None:
        raise ProfileError(
            "--features", "applies to synthetic data only; with --data every column but the target is a feature"
        )
    if target is None:
        raise ProfileError("--target", "is required with --data: name the label column", hint="E.g. --target label.")
    if isinstance(data, pd.DataFrame):
        table = TableData(frame=data, target=target, seed=seed, predict_rows=predict_rows)
    else:
        table = TableData.from_path(Path(data), target, seed=seed, predict_rows=predict_rows)
    if max_n > table.rows:
        raise ProfileError(
            "--sizes",
            f"the largest size {max_n} is more than the {table.rows} rows of {table.name}",
            hint=f"Pass sizes up to {table.rows}.",
        )
    return table


def _fit_failed(factory: ModelFactory, n: int, features: int, exc: Exception) -> ProfileError:
    return ProfileError(
        f"model {factory.name}",
        f"failed on {n} rows x {features} features: {type(exc).__name__}: {str(exc).rstrip('.')}",
        hint="Check the model's parameters and that it accepts this data (--task, --data).",
    )


_GETTERS: Mapping[str, Callable[[Measurement], float | None]] = {
    "fit_time": lambda m: m.fit_seconds,
    "predict_time": lambda m: m.predict_seconds_per_sample,
    "memory": lambda m: m.memory_bytes,
    "memory_traced": lambda m: m.traced_peak_bytes,
    "memory_rss": lambda m: m.rss_peak_bytes,
    "model_size": lambda m: m.model_bytes,
}


def _measure_profile(
    name: str,
    *,
    grid: Sequence[tuple[int, int]],
    results: Mapping[tuple[int, int], Sequence[Measurement]],
    thresholds: Thresholds,
    confidence: float,
    target_n: int,
) -> MeasureProfile | None:
    getter = _GETTERS[name]
    points = []
    for n, features in grid:
        values = [getter(measurement) for measurement in results[n, features]]
        if any(value is None for value in values):
            return None
        points.append(Point(n, features, tuple(float(value) for value in values if value is not None)))
    fit = fit_power_law(
        [point.n for point in points],
        [point.median for point in points],
        [point.features for point in points],
        confidence=confidence,
    )
    label, unit = MEASURES[name]
    if fit is None:
        return MeasureProfile(name, label, unit, tuple(points), None, None, (), None)
    largest = max(point.features for point in points)
    return MeasureProfile(
        name=name,
        label=label,
        unit=unit,
        points=tuple(points),
        fit=fit,
        verdict=thresholds.classify(fit.exponent.value),
        plausible=thresholds.plausible(fit.exponent.low, fit.exponent.high),
        extrapolation=fit.predict(target_n, largest),
    )


def _limit_threads(threads: int | None) -> Any:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # noqa: PLC0415 - loaded on use

    return threadpool_limits(limits=threads)


def profile_model(
    model: str | type | object,
    *,
    params: Mapping[str, Any] | None = None,
    data: str | Path | pd.DataFrame | None = None,
    target: str | None = None,
    task: Task | str = Task.CLASSIFICATION,
    features: int | Sequence[int] | None = None,
    sizes: Sequence[int] = DEFAULT_SIZES,
    repeats: int = 3,
    target_n: int = 1_000_000,
    predict_rows: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    threads: int | None = None,
    trace_memory: bool = True,
    min_time: float = 0.02,
    clock: Clock | str = Clock.CPU,
    progress: Callable[[ProfileProgress], None] | None = None,
) -> ProfileReport:
    """Measure fit time, predict time and memory of a model at growing sizes, and fit how they grow.

    For every size (and feature count) and repeat: the fit time, the predict time per sample on a
    fixed batch, the peak memory during fit (traced allocations and process RSS) and the pickled
    size of the fitted model (see :mod:`dsquality.profiling.measure`). Repeats go round all sizes
    in turn, so a burst of load on the machine spreads over sizes instead of bending one of them.
    Each measure's medians get a power law fitted on log-log scales, a verdict and an
    extrapolation to ``target_n`` (see :mod:`dsquality.profiling.fit`).

    Args:
        model: ``"module:ClassName"`` (a scikit-learn estimator or a
            :class:`~dsquality.model.ModelInterface` subclass), a class, or an unfitted instance.
        params: Keyword arguments for the model class.
        data: None for synthetic data, else a CSV/Parquet path or a DataFrame to sample rows from.
        target: The label column of ``data``.
        task: ``"classification"`` or ``"regression"`` (synthetic data).
        features: Number of synthetic features (default 20), or several to also fit the exponent of
            ``F``. Not with ``data``, whose columns are the features.
        sizes: Training sizes: at least three, increasing.
        repeats: Measurements per size; the medians are fitted.
        target_n: Where to extrapolate each measure (and check budgets by default).
        predict_rows: Rows in the predict batch.
        confidence: Level of the confidence intervals.
        seed: Seed of the data generator or the row sampling.
        threads: Limit BLAS/OpenMP threads (threadpoolctl) while measuring; None leaves them.
        trace_memory: Also measure traced allocations (one more fit per measurement).
        min_time: Shortest batch of fits or predicts to time, in seconds.
        clock: ``"cpu"`` (the process's CPU time, the default: steady on a busy shared machine) or
            ``"wall"`` (wall-clock time, for models that wait on I/O or a GPU); see
            :mod:`dsquality.profiling.measure`.
        progress: Called with a :class:`ProfileProgress` before the first and after each measurement.

    Returns:
        The report.

    Raises:
        ProfileError: Bad sizes or options, a model that cannot be imported or built, data that
            cannot be read, or a model that fails on the data.
        MissingDependencyError: A Parquet file without pyarrow.
    """
    sizes = validate_sizes(sizes)
    _positive("--repeats", repeats)
    _positive("--target-n", target_n)
    _positive("predict_rows", predict_rows)
    _positive("min_time", min_time, whole=False)
    if threads is not None:
        _positive("--threads", threads)
    if not 0 < confidence < 1:
        raise ProfileError("confidence", f"must be between 0 and 1, got {confidence!r}")
    try:
        timer = Clock(clock)
    except ValueError:
        raise ProfileError("--clock", f"unknown clock {clock!r}", hint="Use 'wall' or 'cpu'.") from None
    factory = resolve_model(model, params)
    source = _source(
        data=data, target=target, task=task, features=features, max_n=sizes[-1], predict_rows=predict_rows, seed=seed
    )
    grid = [(n, count) for count in source.feature_counts for n in sizes]
    results: dict[tuple[int, int], list[Measurement]] = {key: [] for key in grid}
    meter = RSSMeter.detect()
    total = len(grid) * repeats
    report_progress = progress or (lambda _: None)
    with _limit_threads(threads):
        warm = source.sample(sizes[0], source.feature_counts[0])
        report_progress(ProfileProgress(0, total, sizes[0], source.feature_counts[0], 0))
        try:
            warm_model = factory.make()
            warm_model.fit(warm.X, warm.y)
            warm_model.predict(warm.X_predict)
        except Exception as exc:  # any failure of the user's model is bad input
            raise _fit_failed(factory, sizes[0], source.feature_counts[0], exc) from exc
        for repeat in range(1, repeats + 1):
            for n, count in grid:
                sample = source.sample(n, count)
                try:
                    found = measure(
                        factory.make,
                        sample.X,
                        sample.y,
                        sample.X_predict,
                        min_time=min_time,
                        meter=meter,
                        trace_memory=trace_memory,
                        clock=timer,
                    )
                except Exception as exc:  # as above
                    raise _fit_failed(factory, n, count, exc) from exc
                results[n, count].append(found)
                logger.debug("n=%d F=%d repeat %d: %s", n, count, repeat, found)
                report_progress(ProfileProgress(sum(map(len, results.values())), total, n, count, repeat))
    thresholds = Thresholds.for_sizes(sizes)
    measures = {}
    for name, (label, unit) in MEASURES.items():
        profile = _measure_profile(
            name, grid=grid, results=results, thresholds=thresholds, confidence=confidence, target_n=target_n
        )
        if profile is None and name in _ALWAYS_REPORTED:  # not measured (no memory meter, unpicklable model)
            profile = MeasureProfile(name, label, unit, (), None, None, (), None)
        if profile is not None:
            measures[name] = profile
    return ProfileReport(
        model=factory.name,
        data=source.description,
        sizes=sizes,
        features=source.feature_counts,
        repeats=repeats,
        seed=seed,
        confidence=confidence,
        target_n=int(target_n),
        rss_method=meter.method,
        clock=str(timer),
        thresholds=thresholds,
        measures=measures,
    )
