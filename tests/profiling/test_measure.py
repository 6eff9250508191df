# ruff: noqa: N803, N806 - X (capital) is scikit-learn's name for the features
import pickle
import sys
import time
import tracemalloc
from typing import Any, Self

import numpy as np
import pytest

from dsquality.profiling.measure import Clock, RSSMeter, measure

MiB = 1024**2


class Allocating:
    """Fit touches `mebibytes` of fresh memory for `seconds`; predict sleeps a little per call."""

    def __init__(self, mebibytes: int = 40, seconds: float = 0.0, keep: int = 0) -> None:
        self.mebibytes = mebibytes
        self.seconds = seconds
        self.keep = keep

    def fit(self, X: Any, y: Any) -> Self:
        block = np.ones(self.mebibytes * MiB // 8)
        time.sleep(self.seconds)
        self.kept_ = block[: self.keep].copy()
        return self

    def predict(self, X: Any) -> Any:
        time.sleep(0.002)
        return np.zeros(len(X))


def test_detects_the_kernel_high_water_mark_on_linux() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert RSSMeter.detect().method == "kernel high-water mark"


@pytest.mark.parametrize("method", ["kernel high-water mark", "sampling"])
def test_rss_peak_sees_a_large_temporary_allocation(method) -> None:
    if method == "kernel high-water mark" and RSSMeter.detect().method != method:
        pytest.skip("no kernel high-water mark here")
    pytest.importorskip("psutil")
    model = Allocating(mebibytes=64, seconds=0.05)
    with RSSMeter(method).track() as peak:
        model.fit(None, None)
    assert peak.bytes is not None
    assert 60 * MiB <= peak.bytes < 200 * MiB


def test_no_rss_method_measures_nothing() -> None:
    with RSSMeter("none").track() as peak:
        pass
    assert peak.bytes is None


def test_measure_times_fit_and_predict_and_sizes_the_model() -> None:
    X = np.zeros((10, 2))
    found = measure(
        lambda: Allocating(mebibytes=16, seconds=0.03, keep=1000),
        X,
        None,
        np.zeros((20, 2)),
        min_time=0.02,
        meter=RSSMeter.detect(),
        trace_memory=True,
        clock=Clock.WALL,
    )
    assert 0.03 <= found.fit_seconds < 0.3
    assert 0.002 / 20 <= found.predict_seconds_per_sample < 0.05 / 20
    assert found.traced_peak_bytes is not None
    assert 16 * MiB <= found.traced_peak_bytes < 40 * MiB  # numpy reports its buffers to tracemalloc
    fitted = Allocating(mebibytes=16, keep=1000).fit(X, None)
    assert found.model_bytes == len(pickle.dumps(fitted, protocol=pickle.HIGHEST_PROTOCOL))
    assert found.memory_bytes == max(found.traced_peak_bytes, found.rss_peak_bytes or 0)


class Instant:
    """Fits and predicts at once, counting its fits."""

    fits = 0

    def fit(self, X: Any, y: Any) -> Self:
        Instant.fits += 1
        return self

    def predict(self, X: Any) -> Any:
        return X


def test_fast_fits_are_batched_until_min_time() -> None:
    Instant.fits = 0
    found = measure(Instant, [1], None, [1], min_time=0.01, meter=RSSMeter("none"), trace_memory=False)
    assert Instant.fits > 10  # one timed fit, then a batch long enough to time
    assert found.fit_seconds < 0.001
    assert found.traced_peak_bytes is None
    assert found.rss_peak_bytes is None
    assert found.memory_bytes is None


def test_tracemalloc_started_by_someone_else_keeps_running() -> None:
    tracemalloc.start()
    try:
        measure(Allocating, [1], None, [1], min_time=0.001, meter=RSSMeter("none"), trace_memory=True)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_cpu_clock_counts_work_not_waiting() -> None:
    def work() -> float:
        return float(np.sort(np.random.default_rng(0).random(2_000_000)).sum())

    class Waits(Instant):
        def fit(self, X: Any, y: Any) -> Self:
            time.sleep(0.05)
            return self

    class Works(Instant):
        def fit(self, X: Any, y: Any) -> Self:
            work()
            return self

    waiting = measure(Waits, [1], None, [1], min_time=0.001, meter=RSSMeter("none"), trace_memory=False)
    assert waiting.fit_seconds < 0.5 * 0.05  # sleeping costs (almost) no CPU time
    start = time.process_time()
    work()
    alone = time.process_time() - start
    working = measure(Works, [1], None, [1], min_time=0.001, meter=RSSMeter("none"), trace_memory=False)
    # CPU time of the same work varies with cache and frequency effects on a busy machine: loose bounds.
    assert 0.3 * alone < working.fit_seconds < 3 * alone
