import dataclasses
from pathlib import Path

from dsquality.lint.diagnostic import Diagnostic, LintReport
from dsquality.report.rule_info import RuleInfo
from dsquality.report.text import format_text


def test_golden_output_is_sorted_with_whole_notebook_findings_first(
    mixed_report: LintReport, rules: dict[str, RuleInfo]
) -> None:
    assert format_text(mixed_report, rules) == (
        "données/été,v2:final.ipynb:cell 1:1:8: F401 `os` imported but unused\n"
        'données/été,v2:final.ipynb:cell 2:3:1: arg-type Argument 1 to "f" has incompatible type "str"; '
        'expected "int"\\nSee the "f" docs: ünïcode\n'
        "données/été,v2:final.ipynb:cell 4: DSQ401 Cell has 2 outputs saved: 100% of them are images\n"
        "notebooks/my analysis 100%.ipynb: DSQ202 The notebook has no H1 title\n"
        "notebooks/my analysis 100%.ipynb:cell 3:2:5: DSQ103 `df` is read before any cell defines it "
        "(cell 5 defines it)\n"
        "Found 5 findings in 3 notebooks (2 fixable with --fix).\n"
    )


def test_order_does_not_depend_on_input_order(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    order = (3, 0, 4, 2, 1)
    shuffled = [mixed_report.diagnostics[index] for index in order]
    assert format_text(LintReport(tuple(shuffled), 3), rules) == format_text(mixed_report, rules)


def test_rules_do_not_change_the_text(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    assert format_text(mixed_report, {}) == format_text(mixed_report, rules)


def test_empty_report_says_all_checks_passed(empty_report: LintReport) -> None:
    assert format_text(empty_report, {}) == "All checks passed: 2 notebooks.\n"


def test_counts_are_singular_for_one() -> None:
    assert format_text(LintReport((), 1), {}) == "All checks passed: 1 notebook.\n"
    finding = Diagnostic(path=Path("a.ipynb"), code="DSQ206", name="empty-cell", message="Empty cell", cell=2)
    assert format_text(LintReport((finding,), 1), {}) == (
        "a.ipynb:cell 2: DSQ206 Empty cell\nFound 1 finding in 1 notebook.\n"
    )


def test_line_without_column_shows_column_one() -> None:
    finding = Diagnostic(path=Path("a.ipynb"), code="DSQ105", name="absolute-path", message="m", cell=1, line=4)
    assert format_text(LintReport((finding,), 1), {}).splitlines()[0] == "a.ipynb:cell 1:4:1: DSQ105 m"


def test_every_line_break_is_escaped_so_each_finding_is_one_line() -> None:
    finding = Diagnostic(
        path=Path("odd\nname.ipynb"),
        code="DSQ104",
        name="error-output",
        message="a\r\nb\rc\u2028d\x0be",
        cell=1,
        line=1,
        column=1,
    )
    lines = format_text(LintReport((finding,), 1), {}).splitlines()
    assert lines == [
        "odd\\nname.ipynb:cell 1:1:1: DSQ104 a\\r\\nb\\rc\\u2028d\\x0be",
        "Found 1 finding in 1 notebook.",
    ]


def test_rewritten_notebooks_do_not_change_the_text(mixed_report: LintReport) -> None:
    # The CLI says how many notebooks --fix rewrote; the report lists what remains.
    assert format_text(dataclasses.replace(mixed_report, fixed=2), {}) == format_text(mixed_report, {})
