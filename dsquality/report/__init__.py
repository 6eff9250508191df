"""Report formatters: a lint run's findings as text, JSON, SARIF or GitHub workflow commands.

Every formatter is a pure function ``(report, rules) -> str``: no I/O, and the same input always
gives the same output. :data:`FORMATTERS` maps each ``--format`` name to its formatter::

    output = FORMATTERS["sarif"](report, rules)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dsquality.lint.diagnostic import LintReport
from dsquality.report.github import format_github
from dsquality.report.json_format import format_json
from dsquality.report.rule_info import RuleInfo
from dsquality.report.sarif import format_sarif
from dsquality.report.text import format_text

__all__ = ["FORMATTERS", "Formatter", "RuleInfo"]


class Formatter(Protocol):
    """Turns a lint report into the complete text of one output format."""

    def __call__(self, report: LintReport, rules: Mapping[str, RuleInfo]) -> str:
        """Format ``report``.

        Args:
            report: The lint run's outcome.
            rules: Known rules by code (dsquality's registry); codes not in it (ruff, mypy) are
                described from the findings themselves.

        Returns:
            The whole output, ending in a newline unless it is empty.
        """
        ...


FORMATTERS: dict[str, Formatter] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
}
