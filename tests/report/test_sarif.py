import dataclasses
import hashlib
import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError

from dsquality import __version__
from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo
from dsquality.report.sarif import FINGERPRINT_KEY, INFORMATION_URI, artifact_uri, format_sarif

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
# RFC 3986: a relative reference made only of unreserved characters, '/' and percent-encodings.
RELATIVE_URI = re.compile(r"(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})+")


def _sarif(report: LintReport, rules: dict[str, RuleInfo] | None = None) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(format_sarif(report, rules or {}))
    return log


def _validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(log)


def _finding(**changes: Any) -> Diagnostic:
    base = Diagnostic(path=Path("nb.ipynb"), code="DSQ105", name="absolute-path", message="m", cell=1, line=1, column=1)
    return dataclasses.replace(base, **changes)


def test_vendored_schema_is_the_unmodified_oasis_file() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    Draft4Validator.check_schema(schema)


def test_output_validates_against_the_sarif_schema(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    _validate(_sarif(mixed_report, rules))


def test_empty_report_validates_with_no_rules_and_no_results(empty_report: LintReport) -> None:
    log = _sarif(empty_report)
    _validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_schema_catches_a_broken_log(mixed_report: LintReport) -> None:
    # The validation above means something: the schema rejects a wrong level and a bad region.
    log = _sarif(mixed_report)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(ValidationError, match="fatal"):
        _validate(log)
    log = _sarif(mixed_report)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(ValidationError, match="minimum"):
        _validate(log)


def test_log_and_driver(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    log = _sarif(mixed_report, rules)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("dsquality", __version__, INFORMATION_URI)


def test_rules_list_every_code_with_findings_sorted(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    registry = {**rules, "DSQ999": RuleInfo(code="DSQ999", name="unused", summary="No finding uses it.")}
    assert _sarif(mixed_report, registry)["runs"][0]["tool"]["driver"]["rules"] == [
        {
            "id": "DSQ103",
            "name": "use-before-define",
            "shortDescription": {"text": "A name is read before any earlier cell defines it."},
            "helpUri": "https://example.org/rules/DSQ103",
        },
        {
            "id": "DSQ202",
            "name": "missing-title",
            "shortDescription": {"text": "The notebook has no markdown H1 title."},
        },
        {"id": "DSQ401", "name": "outputs-saved", "shortDescription": {"text": "Code cells carry saved outputs."}},
        # Not in the registry: described by the findings (mypy gave no name, so the code stands in).
        {"id": "F401", "name": "unused-import", "shortDescription": {"text": "unused-import"}},
        {"id": "arg-type", "name": "arg-type", "shortDescription": {"text": "arg-type"}},
    ]


def test_results_point_at_their_rules(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    run = _sarif(mixed_report, rules)["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [result["ruleId"] for result in results] == ["F401", "arg-type", "DSQ401", "DSQ202", "DSQ103"]
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]


def test_result_of_a_cell_line_finding(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    result = _sarif(mixed_report, rules)["runs"][0]["results"][4]
    assert result["level"] == "error"
    assert result["message"] == {"text": "cell 3, line 2: `df` is read before any cell defines it (cell 5 defines it)"}
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "notebooks/my%20analysis%20100%25.ipynb"},
                "region": {"startLine": 57},
            },
            "properties": {"cell": 3, "cell_id": "9f1c-a", "line": 2, "column": 5, "end_line": 2, "end_column": 7},
        }
    ]
    assert result["properties"] == {"source": "dsquality", "fixable": False}


def test_whole_notebook_finding_sits_on_line_one(mixed_report: LintReport) -> None:
    result = _sarif(mixed_report)["runs"][0]["results"][3]
    assert result["ruleId"] == "DSQ202"
    assert result["level"] == "note"
    location = result["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": 1}
    assert set(location["properties"].values()) == {None}


def test_ruff_and_mypy_findings(mixed_report: LintReport) -> None:
    ruff, mypy = _sarif(mixed_report)["runs"][0]["results"][:2]
    assert (ruff["ruleId"], ruff["level"]) == ("F401", "warning")
    assert ruff["properties"] == {"source": "ruff", "fixable": True}
    assert ruff["locations"][0]["physicalLocation"]["region"] == {"startLine": 24}
    assert (mypy["ruleId"], mypy["level"], mypy["properties"]["source"]) == ("arg-type", "error", "mypy")
    # No file line known: line 1 of the file; the cell position is still there.
    assert mypy["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert mypy["locations"][0]["properties"]["cell"] == 2
    assert mypy["message"]["text"].endswith('expected "int"\nSee the "f" docs: ünïcode')


def test_no_columns_in_file_coordinates(mixed_report: LintReport) -> None:
    text = format_sarif(mixed_report, {})
    assert "startColumn" not in text
    assert "endColumn" not in text


def test_levels_follow_severity() -> None:
    findings = tuple(_finding(severity=severity, cell=index) for index, severity in enumerate(Severity, start=1))
    levels = [result["level"] for result in _sarif(LintReport(findings, 1))["runs"][0]["results"]]
    assert levels == ["error", "warning", "note"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        (PurePosixPath("nb.ipynb"), "nb.ipynb"),
        (PurePosixPath("my notebooks/100% done.ipynb"), "my%20notebooks/100%25%20done.ipynb"),
        (PurePosixPath("données/été,v2:final.ipynb"), "donn%C3%A9es/%C3%A9t%C3%A9%2Cv2%3Afinal.ipynb"),
        # A colon in the first segment would read as a URI scheme if it were not encoded.
        (PurePosixPath("c:d/#1?.ipynb"), "c%3Ad/%231%3F.ipynb"),
        (PureWindowsPath(r"sub dir\nb.ipynb"), "sub%20dir/nb.ipynb"),
        (PurePosixPath("/home/me/a b.ipynb"), "file:///home/me/a%20b.ipynb"),
        (PureWindowsPath(r"C:\work\a b.ipynb"), "file:///C:/work/a%20b.ipynb"),
    ],
)
def test_artifact_uri_is_a_percent_encoded_uri_reference(path: PurePosixPath, uri: str) -> None:
    assert artifact_uri(_finding(path=path)) == uri
    if not path.is_absolute():
        assert RELATIVE_URI.fullmatch(uri)
        assert unquote(uri) == path.as_posix()


def test_partial_fingerprint_is_a_documented_hash() -> None:
    finding = _finding(path=Path("a b/nb.ipynb"), code="DSQ105", message="'/home/x' is absolute", cell_id="c7")
    result = _sarif(LintReport((finding,), 1))["runs"][0]["results"][0]
    digest = hashlib.sha256(b"a b/nb.ipynb\0DSQ105\0id:c7\0'/home/x' is absolute").hexdigest()
    assert result["partialFingerprints"] == {FINGERPRINT_KEY: f"{digest}:1"}
    assert FINGERPRINT_KEY == "dsqualityFinding/v1"


def _fingerprint(finding: Diagnostic) -> str:
    result = _sarif(LintReport((finding,), 1))["runs"][0]["results"][0]
    fingerprint: str = result["partialFingerprints"][FINGERPRINT_KEY]
    return fingerprint


def test_fingerprint_survives_moved_lines_but_not_a_new_message() -> None:
    finding = _finding(cell=2, line=3, column=4, file_line=40, cell_id="c7")
    moved = dataclasses.replace(finding, cell=5, line=9, column=1, file_line=90)
    assert _fingerprint(moved) == _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, message="other")) != _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, code="DSQ106")) != _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, path=Path("other.ipynb"))) != _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, cell_id="c8")) != _fingerprint(finding)


def test_fingerprint_uses_the_cell_index_without_a_cell_id() -> None:
    finding = _finding(cell=2, cell_id=None)
    assert _fingerprint(dataclasses.replace(finding, line=7)) == _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, cell=3)) != _fingerprint(finding)
    assert _fingerprint(dataclasses.replace(finding, cell=None, line=None, column=None)) != _fingerprint(finding)


def test_identical_findings_get_distinct_fingerprints() -> None:
    first = _finding(cell=1, line=2)
    second = _finding(cell=1, line=5)
    results = _sarif(LintReport((second, first), 1))["runs"][0]["results"]
    digests = [result["partialFingerprints"][FINGERPRINT_KEY] for result in results]
    assert [digest.rsplit(":", 1)[1] for digest in digests] == ["1", "2"]
    assert digests[0].rsplit(":", 1)[0] == digests[1].rsplit(":", 1)[0]
    assert [result["locations"][0]["properties"]["line"] for result in results] == [2, 5]


def test_output_is_deterministic_ascii(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    reversed_report = LintReport(tuple(reversed(mixed_report.diagnostics)), 3)
    text = format_sarif(mixed_report, rules)
    assert format_sarif(reversed_report, rules) == text
    assert text.isascii()
    assert text.endswith("}\n")
