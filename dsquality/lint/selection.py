"""Which codes are reported: ``select`` / ``extend-select`` / ``ignore``, by code or prefix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dsquality.lint.rule import Rule

__all__ = ["Selection", "matches"]


def matches(code: str, patterns: Iterable[str]) -> bool:
    """Whether ``code`` equals or starts with one of ``patterns`` (``ALL`` matches everything)."""
    return any(pattern == "ALL" or code.startswith(pattern) for pattern in patterns)


@dataclass(frozen=True, slots=True)
class Selection:
    """The rule selection of one run.

    ``select`` replaces the default set (rules that are on by default); ``extend_select`` adds
    to it; ``ignore`` removes, and also applies to ruff and mypy codes.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled_rules(self, rules: Mapping[str, Rule]) -> list[Rule]:
        """The dsquality rules to run."""
        enabled = []
        for code, rule in rules.items():
            chosen = matches(code, self.select) if self.select is not None else rule.default_enabled
            if (chosen or matches(code, self.extend_select)) and not matches(code, self.ignore):
                enabled.append(rule)
        return enabled
