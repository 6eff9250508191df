import re
from dataclasses import replace

import pytest

from dsquality.errors import ProfileError
from dsquality.profiling import Budget, BudgetViolation
from dsquality.profiling.budget import EXPONENT_MEASURES
from dsquality.profiling.report import MeasureProfile


def test_generous_budgets_pass(tree_report) -> None:
    assert tree_report.check(Budget(max_exponent=3, max_fit_seconds=1e9, max_memory_bytes=2**60, at_n=10**6)) == []
    assert Budget().is_empty
    assert tree_report.check(Budget()) == []


def test_exponent_budget_names_measure_figure_and_budget(tree_report) -> None:
    violations = tree_report.check(Budget(max_exponent=0.5))
    fit = tree_report.measures["fit_time"]
    first = violations[0]
    assert isinstance(first, BudgetViolation)
    assert first.measure == "fit_time"
    assert first.budget == "max_exponent"
    assert first.figure == fit.exponent
    assert first.limit == 0.5
    assert first.message.startswith(f"fit_time exponent of n is {fit.exponent:.2f} (95% CI ")
    assert first.message.endswith(f"{fit.verdict}), over the budget max_exponent = 0.5")
    # in order, exactly the measures whose exponent is over the limit (a tree's predict time barely grows)
    over = [name for name in EXPONENT_MEASURES if tree_report.measures[name].exponent > 0.5]
    assert [v.measure for v in violations] == over
    assert {"fit_time", "memory"} <= set(over)


def test_fit_time_budget_is_checked_at_n(tree_report) -> None:
    fit = tree_report.measures["fit_time"].fit
    expected = fit.predict(5_000_000, 20).value
    (violation,) = tree_report.check(Budget(max_fit_seconds=expected / 2, at_n=5_000_000))
    assert violation.measure == "fit_time"
    assert violation.budget == "max_fit_seconds"
    assert violation.figure == pytest.approx(expected)
    assert re.fullmatch(
        r"fit_time at n=5,000,000 is [\d.]+ (s|min|h|days) \(95% CI [\d.]+ \S+ to [\d.,]+ \S+\), "
        r"over the budget max_fit_seconds = [\d.]+ (s|min|h|days)",
        violation.message,
    )
    assert tree_report.check(Budget(max_fit_seconds=expected * 2, at_n=5_000_000)) == []


def test_memory_budget_defaults_to_target_n(tree_report) -> None:
    (violation,) = tree_report.check(Budget(max_memory_bytes=1024))
    assert violation.measure == "memory"
    assert violation.message.startswith("memory at n=1,000,000 is ")
    assert violation.message.endswith("over the budget max_memory = 1 KiB (1,024 bytes)")


@pytest.mark.parametrize("field", ["max_exponent", "max_fit_seconds", "max_memory_bytes", "at_n"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_budget_limits_must_be_positive(field, value) -> None:
    with pytest.raises(ProfileError, match=f"budget {field}: must be a positive number"):
        Budget(**{field: value})


def test_memory_budget_on_an_unmeasured_memory_is_an_error(tree_report) -> None:
    empty = MeasureProfile("memory", "peak memory during fit", "bytes", (), None, None, (), None)
    report = replace(tree_report, measures={**tree_report.measures, "memory": empty})
    with pytest.raises(ProfileError, match="memory could not be measured"):
        report.check(Budget(max_memory_bytes=1024))
    assert report.check(Budget(max_exponent=10)) == []  # an exponent budget skips what was not fitted
