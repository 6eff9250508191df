from pathlib import Path

import pytest

from dsquality.lint.diagnostic import Diagnostic
from dsquality.report.rule_info import RuleInfo, rule_info_for


def _finding(code: str, name: str) -> Diagnostic:
    return Diagnostic(path=Path("nb.ipynb"), code=code, name=name, message="m")


def test_known_code_is_described_by_the_registry() -> None:
    info = RuleInfo(
        code="DSQ103", name="use-before-define", summary="Read before defined.", help_uri="https://x/DSQ103"
    )
    assert rule_info_for(_finding("DSQ103", "other-name"), {"DSQ103": info}) is info


def test_unknown_code_is_described_by_the_finding() -> None:
    info = rule_info_for(_finding("F401", "unused-import"), {})
    assert info == RuleInfo(code="F401", name="unused-import", summary="unused-import", help_uri=None)


def test_finding_without_a_name_falls_back_to_its_code() -> None:
    assert rule_info_for(_finding("arg-type", ""), {}) == RuleInfo(code="arg-type", name="arg-type", summary="arg-type")


def test_rule_info_is_frozen_and_slotted() -> None:
    info = RuleInfo(code="DSQ206", name="empty-cell", summary="An empty cell.")
    with pytest.raises(AttributeError):
        info.name = "x"  # type: ignore[misc]
    assert not hasattr(info, "__dict__")
    assert info.help_uri is None
