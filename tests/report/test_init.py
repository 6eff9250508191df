from pathlib import Path

from dsquality.lint.diagnostic import Diagnostic, LintReport
from dsquality.report import FORMATTERS, Formatter, RuleInfo
from dsquality.report.github import format_github
from dsquality.report.json_format import format_json
from dsquality.report.sarif import format_sarif
from dsquality.report.text import format_text


def test_registry_maps_each_format_name_to_its_formatter() -> None:
    assert list(FORMATTERS.items()) == [
        ("text", format_text),
        ("json", format_json),
        ("sarif", format_sarif),
        ("github", format_github),
    ]


def test_every_formatter_is_pure_and_ends_in_a_newline(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    # The notebook paths do not exist: formatting reads nothing from disk.
    for name, formatter in FORMATTERS.items():
        output = formatter(mixed_report, rules)
        assert output.endswith("\n"), name
        assert formatter(mixed_report, rules) == output, name


def test_rules_need_not_contain_the_codes() -> None:
    finding = Diagnostic(path=Path("missing/nb.ipynb"), code="E999", name="", message="m", source="ruff")
    formatter: Formatter
    for formatter in FORMATTERS.values():
        assert "E999" in formatter(LintReport((finding,), 1), {})
