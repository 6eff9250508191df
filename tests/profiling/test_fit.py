import math

import numpy as np
import pytest

from dsquality.profiling.fit import Thresholds, Verdict, fit_power_law, reference_exponent

SIZES = [1000, 2000, 4000, 8000]
SHAPES = {
    "n": (lambda n: 3e-6 * n, Verdict.LINEAR),
    "n log n": (lambda n: 2e-7 * n * math.log(n), Verdict.N_LOG_N),
    "n^2": (lambda n: 5e-9 * n**2, Verdict.QUADRATIC),
    "n^3": (lambda n: 1e-12 * n**3, Verdict.WORSE),
}


def _verdict(sizes, values):
    fit = fit_power_law(sizes, values)
    assert fit is not None
    return fit, Thresholds.for_sizes(sizes).classify(fit.exponent.value)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "sizes",
    [SIZES, [10, 20, 40, 80], [100, 300, 1000], [10_000, 100_000, 1_000_000]],
    ids=["1k-8k", "10-80", "100-1k", "10k-1M"],
)
def test_exact_data_lands_in_its_class_at_any_range_of_sizes(shape, sizes) -> None:
    make, expected = SHAPES[shape]
    fit, verdict = _verdict(sizes, [make(n) for n in sizes])
    assert verdict is expected
    assert fit.exponent.value == pytest.approx(reference_exponent(sizes, shape))
    if shape == "n log n":  # not a power law: a little curvature is left in the residuals
        assert fit.exponent.low < fit.exponent.value < fit.exponent.high
        assert fit.exponent.high - fit.exponent.low < 0.3
    else:  # exact power laws: no residual, so the interval collapses onto the estimate
        assert fit.exponent.high - fit.exponent.low == pytest.approx(0, abs=1e-9)
    assert verdict.will_scale is (expected is not Verdict.WORSE)


def test_thresholds_for_the_default_sizes_are_the_documented_ones() -> None:
    bands = Thresholds.for_sizes(SIZES)
    assert bands.n_log_n_reference == pytest.approx(1.125, abs=0.005)
    assert bands.linear_max == pytest.approx(1.06, abs=0.005)
    assert bands.n_log_n_max == pytest.approx(1.56, abs=0.005)
    assert bands.quadratic_max == 2.5


def test_n_log_n_reference_falls_towards_one_as_sizes_grow() -> None:
    small = reference_exponent([10, 20, 40], "n log n")
    large = reference_exponent([10**5, 2 * 10**5, 4 * 10**5], "n log n")
    assert small > large > 1.0
    # fixed bands would misclass n log n at small sizes: its exponent there is well above n log n's at 1k-8k
    assert small > Thresholds.for_sizes(SIZES).n_log_n_max - 0.3


@pytest.mark.parametrize(
    ("exponent", "expected"),
    [
        (-0.5, Verdict.LINEAR),
        (0.0, Verdict.LINEAR),
        (1.0, Verdict.LINEAR),
        (1.1, Verdict.N_LOG_N),
        (1.5, Verdict.N_LOG_N),
        (1.6, Verdict.QUADRATIC),
        (2.49, Verdict.QUADRATIC),
        (2.5, Verdict.WORSE),
        (4.0, Verdict.WORSE),
    ],
)
def test_classify_by_band(exponent, expected) -> None:
    assert Thresholds.for_sizes(SIZES).classify(exponent) is expected


def test_plausible_lists_every_band_the_interval_touches() -> None:
    bands = Thresholds.for_sizes(SIZES)
    assert bands.plausible(0.9, 1.0) == (Verdict.LINEAR,)
    assert bands.plausible(1.0, 1.2) == (Verdict.LINEAR, Verdict.N_LOG_N)
    assert bands.plausible(1.9, 3.0) == (Verdict.QUADRATIC, Verdict.WORSE)
    assert bands.plausible(-5, 10) == tuple(Verdict)


def test_noisy_quadratic_data_keeps_its_class_and_the_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(7)
    sizes = [1000, 1500, 2250, 3375, 5062]
    values = [4e-9 * n**2 * math.exp(rng.normal(0, 0.05)) for n in sizes]
    fit, verdict = _verdict(sizes, values)
    assert verdict is Verdict.QUADRATIC
    assert fit.exponent.low < 2.0 < fit.exponent.high
    assert 0 < fit.exponent.high - fit.exponent.low < 0.6
    assert fit.dof == len(sizes) - 2


def test_interval_widens_with_noise() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 1, len(SIZES))
    widths = []
    for scale in (0.01, 0.1):
        fit = fit_power_law(SIZES, [n * math.exp(scale * z) for n, z in zip(SIZES, noise, strict=True)])
        assert fit is not None
        widths.append(fit.exponent.high - fit.exponent.low)
    assert widths[1] == pytest.approx(10 * widths[0], rel=1e-6)


def test_feature_exponent_from_a_grid_of_sizes_and_features() -> None:
    grid = [(n, f) for f in (5, 10, 20) for n in SIZES]
    fit = fit_power_law([n for n, _ in grid], [1e-8 * n**1.5 * f**2 for n, f in grid], [f for _, f in grid])
    assert fit is not None
    assert fit.exponent.value == pytest.approx(1.5)
    assert fit.feature_exponent is not None
    assert fit.feature_exponent.value == pytest.approx(2.0)
    assert fit.predict(1e6, 40).value == pytest.approx(1e-8 * 1e6**1.5 * 40**2, rel=1e-9)
    with pytest.raises(ValueError, match="number of features"):
        fit.predict(1e6)


def test_single_feature_count_fits_no_feature_exponent() -> None:
    fit = fit_power_law(SIZES, [float(n) for n in SIZES], [20] * 4)
    assert fit is not None
    assert fit.feature_exponent is None


def test_extrapolation_of_exact_data_is_exact() -> None:
    fit = fit_power_law(SIZES, [5e-9 * n**2 for n in SIZES])
    assert fit is not None
    at = fit.predict(1_000_000)
    assert at.value == pytest.approx(5e-9 * 1e12, rel=1e-9)
    assert at.low == pytest.approx(at.value, rel=1e-9)
    assert at.high == pytest.approx(at.value, rel=1e-9)


def test_extrapolation_interval_covers_the_truth_and_widens_further_out() -> None:
    rng = np.random.default_rng(3)
    values = [2e-6 * n * math.exp(rng.normal(0, 0.05)) for n in SIZES]
    fit = fit_power_law(SIZES, values)
    assert fit is not None
    near, far = fit.predict(16_000), fit.predict(1_000_000)
    assert near.low < 2e-6 * 16_000 < near.high
    assert far.low < 2e-6 * 1_000_000 < far.high
    assert far.high / far.low > near.high / near.low > 1


def test_non_positive_values_are_left_out_and_too_few_points_give_no_fit() -> None:
    fit = fit_power_law(SIZES, [0.0, 2000.0, 4000.0, 8000.0])
    assert fit is not None
    assert fit.dof == 1
    assert fit.exponent.value == pytest.approx(1.0)
    assert fit_power_law(SIZES, [0.0, 0.0, 4000.0, 8000.0]) is None  # two points: no interval
    assert fit_power_law([100, 100, 100], [1.0, 2.0, 3.0]) is None  # one size: no slope


def test_fit_rejects_mismatched_inputs_and_bad_confidence() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        fit_power_law([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="confidence"):
        fit_power_law([1, 2, 3], [1.0, 2.0, 3.0], confidence=1.0)
    with pytest.raises(ValueError, match="unknown shape"):
        reference_exponent(SIZES, "2^n")


def test_higher_confidence_gives_a_wider_interval() -> None:
    values = [n * (1.1 if i % 2 else 0.9) for i, n in enumerate(SIZES)]
    narrow, wide = fit_power_law(SIZES, values, confidence=0.8), fit_power_law(SIZES, values, confidence=0.99)
    assert narrow is not None
    assert wide is not None
    assert wide.exponent.low < narrow.exponent.low < narrow.exponent.high < wide.exponent.high
