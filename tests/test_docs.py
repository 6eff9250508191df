from pathlib import Path

import pytest

from dsquality.docs import rules_reference
from dsquality.lint.registry import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_reference_is_in_sync() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_reference(), (
        "docs/rules.md is out of date: run `python -m dsquality.docs > docs/rules.md`"
    )


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_is_documented(code: str) -> None:
    rule = RULES[code]
    doc = rule.doc()
    assert "```python" in doc.example, f"{code}: the example needs a python code block"
    assert rule.summary.strip()
    assert rule.name == rule.name.lower()
    assert " " not in rule.name


def test_thirty_rules_with_stable_codes() -> None:
    assert len([code for code in RULES if code < "DSQ500"]) == 30
