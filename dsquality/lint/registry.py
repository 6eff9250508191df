"""The explicit registry of dsquality's rules: code -> rule instance, in code order."""

from __future__ import annotations

from dsquality.lint.rule import Rule
from dsquality.lint.rules import hygiene, leakage, parameters, reproducibility, structure
from dsquality.report.rule_info import RuleInfo

__all__ = ["RULES", "default_options", "rule_infos"]


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for family in (reproducibility, structure, parameters, hygiene, leakage):
        for rule_class in family.RULES:
            if rule_class.code in rules:
                message = f"duplicate rule code {rule_class.code}"
                raise RuntimeError(message)
            rules[rule_class.code] = rule_class()
    return dict(sorted(rules.items()))


RULES: dict[str, Rule] = _build()


def rule_infos() -> dict[str, RuleInfo]:
    """Code, name and summary of every rule, for reporters."""
    return {code: RuleInfo(code, rule.name, rule.summary) for code, rule in RULES.items()}


def default_options() -> dict[str, object]:
    """Every rule option with its default value."""
    options: dict[str, object] = {}
    for rule in RULES.values():
        options.update(rule.options)
    return options
