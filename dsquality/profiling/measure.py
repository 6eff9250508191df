# ruff: noqa: N803 - X (capital) is scikit-learn's name for the features argument
"""Measuring one fit and predict: time, peak memory during fit, size of the fitted model.

**Time.** The process's CPU time (:func:`time.process_time`, all threads together) by default,
or wall-clock time (:func:`time.perf_counter`) with ``Clock.WALL``; the garbage collector is off
while timing, as :mod:`timeit` does. CPU time counts the work the fit does and not the moments
other processes hold the cores, so on a shared, busy machine (a CI runner) exponents and verdicts
stay put where wall time swings: with two busy processes on a 2-core machine, kernel SVC's fit
exponent over 1 000 to 8 000 rows measured 1.50 to 1.99 in wall time and 1.84 to 1.86 in CPU time.
For a single-threaded fit it is the wall time of an idle machine; a multi-threaded fit counts every
thread (more than the wall time, so a budget in seconds errs on the safe side). It misses time spent
waiting (sleep, I/O, a GPU): profile such models with the wall clock. A fit or predict shorter than
``min_time`` is repeated on fresh models until the batch takes ``min_time``, and the mean is kept: a
single 1 ms fit is mostly scheduler noise.

**Peak memory during fit**, in bytes above what the process held just before the fit, two ways:

- *traced*: :mod:`tracemalloc` (which sees Python objects and numpy arrays, but not memory that C
  or C++ code takes with ``malloc``, e.g. libsvm's kernel cache or a tree's node arrays). Before
  the fit the peak is reset (:func:`tracemalloc.reset_peak`) and the current traced size taken as
  the baseline; after it, the peak minus that baseline. Tracing slows allocations down, so this
  is a separate fit, never a timed one.
- *RSS*: the process's resident set. On Linux the kernel keeps its high-water mark (``VmHWM`` in
  ``/proc/self/status``) and resets it when ``5`` is written to ``/proc/self/clear_refs``: reset
  just before the fit, read just after, minus the resident size before — exact, and free, so it
  is taken during the first timed fit. Before it, glibc's ``malloc_trim(0)`` hands freed heap
  pages back to the system, so that the fit's allocations show up as new resident pages instead
  of silently reusing what earlier fits left (without it, a tree's fit shows 0 bytes at every
  size after the first). Elsewhere a thread samples the RSS (with psutil) every
  millisecond during the fit: approximate, it can miss short peaks. Without either, RSS is not
  measured.

Neither alone is the truth: RSS misses memory the fit reuses from pages the process already
holds; tracing misses native allocations. Both are lower bounds of the memory the fit needs, so
the report's ``memory`` measure is the larger of the two.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import enum
import functools
import gc
import importlib.util
import logging
import math
import pickle
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Clock", "Measurement", "RSSMeter", "measure"]

logger = logging.getLogger(__name__)

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")
_MAX_LOOPS = 1000
_SAMPLE_INTERVAL = 0.001


@dataclass(frozen=True, slots=True)
class Measurement:
    """One repeat at one size: the figures of one fit and one predict."""

    fit_seconds: float
    predict_seconds_per_sample: float
    traced_peak_bytes: int | None
    rss_peak_bytes: int | None
    model_bytes: int | None

    @property
    def memory_bytes(self) -> int | None:
        """The larger of the traced and RSS peaks (None when neither was measured)."""
        known = [value for value in (self.traced_peak_bytes, self.rss_peak_bytes) if value is not None]
        return max(known) if known else None


# --- resident set size ------------------------------------------------------------------------------


def _status_bytes(key: str) -> int:
    for line in _STATUS.read_text(encoding="ascii").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024  # the kernel reports kB
    raise OSError(f"{key} not in {_STATUS}")


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc), or None on other C libraries."""
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return trim


def _release_free_heap() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class _PeakBox:
    """Holds the peak RSS increase measured by :meth:`RSSMeter.track`."""

    def __init__(self) -> None:
        self.bytes: int | None = None


class RSSMeter:
    """Measures the peak increase of the resident set size while a block runs.

    ``method`` is ``"kernel high-water mark"`` (Linux, exact), ``"sampling"`` (psutil, approximate)
    or ``"none"``; :meth:`detect` picks the best available.
    """

    def __init__(self, method: str) -> None:
        self.method = method

    @classmethod
    def detect(cls) -> RSSMeter:
        """The best method this platform offers."""
        try:
            _CLEAR_REFS.write_text("5", encoding="ascii")
            _status_bytes("VmHWM")
        except OSError:
            pass
        else:
            return cls("kernel high-water mark")
        if importlib.util.find_spec("psutil") is not None:
            return cls("sampling")
        return cls("none")

    @contextlib.contextmanager
    def track(self) -> Iterator[_PeakBox]:
        """Measure the block; the yielded box holds the peak increase in bytes afterwards (or None)."""
        box = _PeakBox()
        if self.method != "none":
            _release_free_heap()
        if self.method == "kernel high-water mark":
            _CLEAR_REFS.write_text("5", encoding="ascii")
            before = _status_bytes("VmRSS")
            yield box
            box.bytes = max(_status_bytes("VmHWM") - before, 0)
        elif self.method == "sampling":
            with _sampled_peak(box):
                yield box
        else:
            yield box


@contextlib.contextmanager
def _sampled_peak(box: _PeakBox) -> Iterator[None]:
    import psutil  # type: ignore[import-untyped]  # noqa: PLC0415 - optional, only on platforms without the kernel high-water mark

    process = psutil.Process()
    before = process.memory_info().rss
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(_SAMPLE_INTERVAL):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample, name="dsq-rss-sampler", daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
        peak = max(peak, process.memory_info().rss)
        box.bytes = peak - before


# --- timing -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Clock(enum.StrEnum):
    """What a duration is measured in: wall-clock time, or the process's CPU time (see the module doc)."""

    WALL = "wall"
    CPU = "cpu"

    def now(self) -> float:
        """The current reading of this clock, in seconds."""
        return time.perf_counter() if self is Clock.WALL else time.process_time()


def _timed(call: Callable[[], object], clock: Clock) -> float:
    with _gc_paused():
        start = clock.now()
        call()
        return clock.now() - start


def _loops(first: float, min_time: float) -> int:
    """How many more calls make a batch of at least ``min_time``, given one call took ``first``."""
    if first >= min_time:
        return 0
    return min(_MAX_LOOPS, math.ceil(min_time / max(first, 1e-7)))


def _time_fits(
    make: Callable[[], Any], X: Any, y: Any, *, min_time: float, meter: RSSMeter, clock: Clock
) -> tuple[Any, float, int | None]:
    """Fit once (tracking RSS); repeat on fresh models if that was shorter than ``min_time``."""
    model = make()
    gc.collect()
    with meter.track() as rss:
        first = _timed(lambda: model.fit(X, y), clock)
    loops = _loops(first, min_time)
    if not loops:
        return model, first, rss.bytes
    models = [make() for _ in range(loops)]

    def fit_all() -> None:
        for fresh in models:
            fresh.fit(X, y)

    return model, _timed(fit_all, clock) / loops, rss.bytes


def _time_predict(model: Any, X: Any, *, rows: int, min_time: float, clock: Clock) -> float:
    first = _timed(lambda: model.predict(X), clock)
    loops = _loops(first, min_time)
    if not loops:
        return first / rows

    def predict_all() -> None:
        for _ in range(loops):
            model.predict(X)

    return _timed(predict_all, clock) / loops / rows


def _traced_peak(make: Callable[[], Any], X: Any, y: Any) -> int:
    model = make()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        model.fit(X, y)
        return max(tracemalloc.get_traced_memory()[1] - baseline, 0)
    finally:
        if started:
            tracemalloc.stop()


def measure(
    make: Callable[[], Any],
    X: Any,
    y: Any,
    X_predict: Any,
    *,
    min_time: float,
    meter: RSSMeter,
    trace_memory: bool,
    clock: Clock = Clock.CPU,
) -> Measurement:
    """Measure fitting fresh models from ``make`` on ``(X, y)`` and predicting ``X_predict``.

    Args:
        make: Returns a new unfitted model on each call.
        X: Training features.
        y: Training labels.
        X_predict: Features to predict (a fixed batch, the same at every training size).
        min_time: Shortest batch of fits or predicts to time, in seconds (see the module doc).
        meter: How to measure the resident set size.
        trace_memory: Also fit once under :mod:`tracemalloc`.
        clock: What fit and predict times are measured in.

    Returns:
        The figures; exceptions from the model propagate.
    """
    model, fit_seconds, rss_bytes = _time_fits(make, X, y, min_time=min_time, meter=meter, clock=clock)
    predict_seconds = _time_predict(model, X_predict, rows=len(X_predict), min_time=min_time, clock=clock)
    try:
        model_bytes: int | None = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        logger.warning("the fitted model cannot be pickled, so its size is not measured: %s", exc)
        model_bytes = None
    traced = _traced_peak(make, X, y) if trace_memory else None
    return Measurement(
        fit_seconds=fit_seconds,
        predict_seconds_per_sample=predict_seconds,
        traced_peak_bytes=traced,
        rss_peak_bytes=rss_bytes,
        model_bytes=model_bytes,
    )
