"""Acceptance: real scikit-learn estimators with known complexity land in the right verdict class.

Sizes are chosen so each regime dominates (fixed overheads small next to the growing part), with
BLAS/OpenMP limited to one thread and the default CPU clock, which other processes' load does not
move (see dsquality.profiling.measure); each test takes a few seconds.
"""

import time

import numpy as np
import pandas as pd
import pytest

from dsquality.errors import ProfileError
from dsquality.profiling import ProfileProgress, Verdict, profile_model, validate_sizes

AT_MOST_N_LOG_N = {Verdict.LINEAR, Verdict.N_LOG_N}


def _timed_profile(*args, **kwargs):
    start = time.perf_counter()
    report = profile_model(*args, threads=1, **kwargs)
    assert time.perf_counter() - start < 60
    return report


def test_linear_regression_fit_is_linear() -> None:
    report = _timed_profile(
        "sklearn.linear_model:LinearRegression",
        task="regression",
        sizes=(10_000, 20_000, 40_000, 80_000),
        trace_memory=False,
    )
    assert report.measures["fit_time"].verdict in AT_MOST_N_LOG_N
    # one weight per feature: predicting a row costs the same whatever n was
    predict = report.measures["predict_time"]
    assert predict.verdict is Verdict.LINEAR
    assert predict.exponent is not None
    assert predict.exponent < 0.5
    # fitting copies X (n x F floats), so memory grows like n
    assert report.measures["memory"].verdict is Verdict.LINEAR
    assert report.measures["model_size"].exponent == pytest.approx(0, abs=0.01)


def test_decision_tree_fit_is_at_most_n_log_n() -> None:
    report = _timed_profile("sklearn.tree:DecisionTreeClassifier", sizes=(1000, 2000, 4000, 8000))
    assert report.measures["fit_time"].verdict in AT_MOST_N_LOG_N
    assert report.measures["fit_time"].verdict.will_scale
    # 10 % flipped labels: the tree grows a leaf for about every few rows, so its size grows like n
    assert report.measures["model_size"].verdict is Verdict.LINEAR
    assert report.measures["model_size"].exponent > 0.7


def test_kernel_svc_fit_is_at_least_quadratic() -> None:
    report = _timed_profile("sklearn.svm:SVC", sizes=(1000, 2000, 4000, 8000), trace_memory=False)
    fit = report.measures["fit_time"]
    assert fit.verdict in {Verdict.QUADRATIC, Verdict.WORSE}
    # predicting sums over the support vectors, whose number grows with n
    predict = report.measures["predict_time"]
    assert predict.exponent is not None
    assert predict.exponent > 0.4
    # extrapolating a quadratic fit to a million rows: hours, not seconds
    assert fit.extrapolation is not None
    assert fit.extrapolation.value > 600
    assert fit.extrapolation.low < fit.extrapolation.value < fit.extrapolation.high


def test_feature_list_fits_the_exponent_of_f() -> None:
    report = profile_model(
        "tests.profiling.models:NearestCentroid", features=[10, 40, 160], sizes=(2000, 4000, 8000), repeats=1
    )
    assert report.features == (10, 40, 160)
    assert len(report.measures["fit_time"].points) == 9
    traced = report.measures["memory_traced"].fit
    assert traced is not None
    assert traced.feature_exponent is not None
    # fit copies each class's rows: n x F floats, deterministic under tracemalloc
    assert traced.exponent.value == pytest.approx(1, abs=0.2)
    assert traced.feature_exponent.value == pytest.approx(1, abs=0.2)
    assert report.measures["fit_time"].extrapolation is not None


def test_wall_clock_is_available_and_recorded() -> None:
    report = profile_model("tests.profiling.models:NearestCentroid", sizes=(1000, 2000, 4000), clock="wall")
    assert report.clock == "wall"
    assert report.to_dict()["clock"] == "wall"
    assert all(point.median > 0 for point in report.measures["fit_time"].points)
    with pytest.raises(ProfileError, match="unknown clock 'sundial'"):
        profile_model("tests.profiling.models:NearestCentroid", sizes=(100, 200, 400), clock="sundial")


def test_progress_is_reported_before_and_after_each_measurement() -> None:
    updates: list[ProfileProgress] = []
    profile_model("tests.profiling.models:NearestCentroid", sizes=(100, 200, 400), repeats=2, progress=updates.append)
    assert [u.done for u in updates] == list(range(7))
    assert {u.total for u in updates} == {6}
    assert [u.n for u in updates[1:]] == [100, 200, 400, 100, 200, 400]  # repeats go round all sizes
    assert [u.repeat for u in updates[1:]] == [1, 1, 1, 2, 2, 2]


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, 3)), columns=["a", "b", "c"])
    frame["label"] = (frame["a"] + rng.normal(size=rows) > 0).astype(int)
    return frame


def test_data_frame_and_csv_sources(tmp_path) -> None:
    report = profile_model(
        "sklearn.tree:DecisionTreeClassifier", data=_frame(600), target="label", sizes=(100, 200, 400), repeats=1
    )
    assert report.data == "data frame (target 'label')"
    assert report.features == (3,)
    path = tmp_path / "rows.csv"
    _frame(600).to_csv(path, index=False)
    from_csv = profile_model(
        "sklearn.tree:DecisionTreeClassifier", data=path, target="label", sizes=(100, 200, 400), repeats=1
    )
    assert from_csv.data == f"{path} (target 'label')"


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((1000, 2000), "need at least 3 sizes"),
        ((), r"got 0 \(none\)"),
        ((1000, 4000, 2000), "sizes must increase, got 2000 after 4000"),
        ((1000, 1000, 2000), "sizes must increase, got 1000 after 1000"),
        ((0, 1000, 2000), "at least 10, got 0"),
        ((-5, 1000, 2000), "at least 10, got -5"),
        ((1000.5, 2000, 4000), "whole number"),
    ],
)
def test_bad_sizes(sizes, message) -> None:
    with pytest.raises(ProfileError, match=message) as info:
        validate_sizes(sizes)
    assert str(info.value).startswith("--sizes: ")
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repeats": 0}, "--repeats: must be a positive whole number, got 0"),
        ({"target_n": -1}, "--target-n: must be a positive"),
        ({"confidence": 1.5}, "confidence: must be between 0 and 1"),
        ({"threads": 0}, "--threads: must be a positive"),
        ({"task": "clustering"}, "unknown task 'clustering'"),
        ({"features": [10, 10]}, "distinct feature counts"),
        ({"features": 0}, "--features: must be a positive"),
        ({"data": "rows.csv"}, "--features: applies to synthetic data only"),
        ({"data": "rows.csv", "features": None}, "--target: is required with --data"),
    ],
)
def test_bad_options(kwargs, message) -> None:
    kwargs = {"features": 5, **kwargs}
    with pytest.raises(ProfileError, match=message):
        profile_model("tests.profiling.models:NearestCentroid", sizes=(100, 200, 400), **kwargs)


def test_sizes_beyond_the_data_are_refused_before_measuring() -> None:
    with pytest.raises(ProfileError, match="the largest size 1000 is more than the 600 rows"):
        profile_model("sklearn.tree:DecisionTreeClassifier", data=_frame(600), target="label", sizes=(100, 500, 1000))


@pytest.mark.parametrize(
    ("model", "params", "task", "message"),
    [
        (
            "sklearn.svm:SVC",
            {"kernel": "foo"},
            "classification",
            r"SVC\(kernel='foo'\): failed on 100 rows x 5 .*kernel",
        ),
        ("sklearn.linear_model:LogisticRegression", {}, "regression", "LogisticRegression: failed on 100 rows"),
    ],
)
def test_a_model_failing_on_the_data_is_bad_input(model, params, task, message) -> None:
    with pytest.raises(ProfileError, match=message) as info:
        profile_model(model, params=params, task=task, features=5, sizes=(100, 200, 400), repeats=1)
    assert info.value.exit_code == 2
    assert isinstance(info.value.__cause__, ValueError)
