import dataclasses
from pathlib import Path, PureWindowsPath

import pytest

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.github import escape_data, escape_property, format_github
from dsquality.report.rule_info import RuleInfo


def test_golden_output(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    assert format_github(mixed_report, rules) == (
        "::warning file=donn\u00e9es/\u00e9t\u00e9%2Cv2%3Afinal.ipynb,line=24,title=F401 unused-import"
        "::cell 1, line 1: `os` imported but unused\n"
        "::error file=donn\u00e9es/\u00e9t\u00e9%2Cv2%3Afinal.ipynb,line=1,title=arg-type"
        '::cell 2, line 3: Argument 1 to "f" has incompatible type "str"; expected "int"%0ASee the "f" docs: ünïcode\n'
        "::warning file=donn\u00e9es/\u00e9t\u00e9%2Cv2%3Afinal.ipynb,line=1,title=DSQ401 outputs-saved"
        "::cell 4: Cell has 2 outputs saved: 100%25 of them are images\n"
        "::notice file=notebooks/my analysis 100%25.ipynb,line=1,title=DSQ202 missing-title"
        "::The notebook has no H1 title\n"
        "::error file=notebooks/my analysis 100%25.ipynb,line=57,title=DSQ103 use-before-define"
        "::cell 3, line 2: `df` is read before any cell defines it (cell 5 defines it)\n"
    )


def test_empty_report_is_empty(empty_report: LintReport) -> None:
    assert format_github(empty_report, {}) == ""


def test_output_is_deterministic(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    reversed_report = LintReport(tuple(reversed(mixed_report.diagnostics)), 3)
    assert format_github(reversed_report, rules) == format_github(mixed_report, rules)


@pytest.mark.parametrize(
    ("severity", "command"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice")]
)
def test_command_follows_severity(severity: Severity, command: str) -> None:
    finding = Diagnostic(path=Path("a.ipynb"), code="DSQ206", name="empty-cell", message="m", severity=severity)
    assert (
        format_github(LintReport((finding,), 1), {}) == f"::{command} file=a.ipynb,line=1,title=DSQ206 empty-cell::m\n"
    )


def test_registry_name_is_the_title_and_a_missing_name_leaves_the_code() -> None:
    finding = Diagnostic(path=Path("a.ipynb"), code="W0", name="", message="m", cell=1, line=1, file_line=9)
    assert format_github(LintReport((finding,), 1), {}) == "::warning file=a.ipynb,line=9,title=W0::cell 1, line 1: m\n"
    named = {"W0": RuleInfo(code="W0", name="some-rule", summary="s")}
    assert "title=W0 some-rule::" in format_github(LintReport((finding,), 1), named)


def test_file_line_not_cell_line_is_the_annotation_line() -> None:
    finding = Diagnostic(
        path=Path("a.ipynb"), code="DSQ105", name="absolute-path", message="m", cell=2, line=3, column=4, file_line=88
    )
    assert format_github(LintReport((finding,), 1), {}) == (
        "::warning file=a.ipynb,line=88,title=DSQ105 absolute-path::cell 2, line 3: m\n"
    )
    unmapped = dataclasses.replace(finding, file_line=None)
    assert format_github(LintReport((unmapped,), 1), {}).startswith("::warning file=a.ipynb,line=1,")


def test_special_characters_are_escaped() -> None:
    finding = Diagnostic(
        path=PureWindowsPath(r"dir, with:colon\50% new.ipynb"),  # type: ignore[arg-type]
        code="DSQ104",
        name="error-output",
        message="50% failed:\r\nValueError: a, b\nnext",
        severity=Severity.ERROR,
    )
    assert format_github(LintReport((finding,), 1), {}) == (
        "::error file=dir%2C with%3Acolon/50%25 new.ipynb,line=1,title=DSQ104 error-output"
        "::50%25 failed:%0D%0AValueError: a, b%0Anext\n"
    )


def test_each_finding_is_one_line(mixed_report: LintReport) -> None:
    lines = format_github(mixed_report, {}).splitlines()
    assert len(lines) == len(mixed_report.diagnostics)
    assert all(line.startswith("::") for line in lines)


def test_escape_functions_match_the_actions_toolkit() -> None:
    assert escape_data("100%\r\n:,") == "100%25%0D%0A:,"
    assert escape_property("100%\r\n:,") == "100%25%0D%0A%3A%2C"
    # '%' first, so escapes are not escaped twice.
    assert escape_data("%0A") == "%250A"
