"""What a report says about a rule: its code, name, one-line summary and documentation link.

The rule registry provides a ``Mapping[str, RuleInfo]`` for dsquality's own rules. ruff and mypy
codes are usually not in it; for those the formatters fall back to what the finding itself says
(:func:`rule_info_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from dsquality.lint.diagnostic import Diagnostic

__all__ = ["RuleInfo", "rule_info_for"]


# A named tuple: every ``dsq lint`` imports this module, and a dataclass costs about five times as
# much to create.
class RuleInfo(NamedTuple):
    """The description of one rule that reports show next to its findings.

    Attributes:
        code: The stable rule code, e.g. ``"DSQ103"`` (or a ruff/mypy code such as ``"F821"``).
        name: The rule's kebab-case name, e.g. ``"use-before-define"``.
        summary: One sentence saying what the rule finds (SARIF ``shortDescription``).
        help_uri: Where the rule is documented, if anywhere.
    """

    code: str
    name: str
    summary: str
    help_uri: str | None = None


def rule_info_for(diagnostic: Diagnostic, rules: Mapping[str, RuleInfo]) -> RuleInfo:
    """Return the description of the rule that produced ``diagnostic``.

    Args:
        diagnostic: The finding.
        rules: Known rules by code (dsquality's registry).

    Returns:
        ``rules[diagnostic.code]`` when the code is known; otherwise a description built from the
        finding itself: its name (or its code when it has no name) as name and summary, no link.
    """
    known = rules.get(diagnostic.code)
    if known is not None:
        return known
    name = diagnostic.name or diagnostic.code
    return RuleInfo(code=diagnostic.code, name=name, summary=name)
