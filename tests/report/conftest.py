"""Findings shared by the report tests: every source, severity and kind of location.

``mixed_report`` holds, out of report order: a dsquality finding at a cell line (path with a space
and ``%``), a whole-notebook info finding, a whole-cell fixable finding in a notebook whose path has
unicode, a comma and a colon, a ruff finding and a mypy finding (no rule name, a newline and
unicode in its message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo

# A space and a percent sign; unicode, a comma and a colon: each needs escaping somewhere.
SPACED = Path("notebooks/my analysis 100%.ipynb")
UNICODE = Path("données/été,v2:final.ipynb")

USE_BEFORE_DEFINE = Diagnostic(
    path=SPACED,
    code="DSQ103",
    name="use-before-define",
    message="`df` is read before any cell defines it (cell 5 defines it)",
    severity=Severity.ERROR,
    cell=3,
    line=2,
    column=5,
    cell_id="9f1c-a",
    end_line=2,
    end_column=7,
    file_line=57,
)
MISSING_TITLE = Diagnostic(
    path=SPACED,
    code="DSQ202",
    name="missing-title",
    message="The notebook has no H1 title",
    severity=Severity.INFO,
)
OUTPUTS_SAVED = Diagnostic(
    path=UNICODE,
    code="DSQ401",
    name="outputs-saved",
    message="Cell has 2 outputs saved: 100% of them are images",
    cell=4,
    cell_id="b7",
    fixable=True,
)
RUFF_UNUSED = Diagnostic(
    path=UNICODE,
    code="F401",
    name="unused-import",
    message="`os` imported but unused",
    source="ruff",
    cell=1,
    line=1,
    column=8,
    cell_id="a1",
    end_line=1,
    end_column=10,
    fixable=True,
    file_line=24,
)
MYPY_ARG_TYPE = Diagnostic(
    path=UNICODE,
    code="arg-type",
    name="",
    message='Argument 1 to "f" has incompatible type "str"; expected "int"\nSee the "f" docs: ünïcode',
    severity=Severity.ERROR,
    source="mypy",
    cell=2,
    line=3,
    column=1,
    cell_id="a2",
)

MIXED = (USE_BEFORE_DEFINE, MISSING_TITLE, OUTPUTS_SAVED, RUFF_UNUSED, MYPY_ARG_TYPE)

RULES: dict[str, RuleInfo] = {
    "DSQ103": RuleInfo(
        code="DSQ103",
        name="use-before-define",
        summary="A name is read before any earlier cell defines it.",
        help_uri="https://example.org/rules/DSQ103",
    ),
    "DSQ202": RuleInfo(code="DSQ202", name="missing-title", summary="The notebook has no markdown H1 title."),
    "DSQ401": RuleInfo(code="DSQ401", name="outputs-saved", summary="Code cells carry saved outputs."),
}


@pytest.fixture
def rules() -> dict[str, RuleInfo]:
    """The registry's description of the dsquality rules above (not of ruff's or mypy's codes)."""
    return dict(RULES)


@pytest.fixture
def mixed_report() -> LintReport:
    """Five findings in two notebooks out of three checked, given out of report order."""
    return LintReport(diagnostics=MIXED, files_checked=3)


@pytest.fixture
def empty_report() -> LintReport:
    return LintReport(diagnostics=(), files_checked=2)
