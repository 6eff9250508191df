import copy
import json
from pathlib import Path, PureWindowsPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.json_format import JSON_SCHEMA_NAME, JSON_SCHEMA_VERSION, format_json, json_schema
from dsquality.report.rule_info import RuleInfo, rule_info_for

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "dsquality" / "report" / "lint-report.schema.json"
DIAGNOSTIC_KEYS = [
    "path",
    "cell",
    "cell_id",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "message",
    "severity",
    "source",
    "fixable",
    "file_line",
]


def _validate(document: Any) -> None:
    Draft202012Validator(json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(document)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_output_validates_against_the_schema(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    _validate(json.loads(format_json(mixed_report, rules)))


def test_empty_report_validates_and_counts_zero(empty_report: LintReport) -> None:
    text = format_json(empty_report, {})
    document = json.loads(text)
    _validate(document)
    assert document == {
        "schema": "dsquality-lint",
        "version": 1,
        "files_checked": 2,
        "files_fixed": 0,
        "summary": {
            "total": 0,
            "by_severity": {"error": 0, "warning": 0, "info": 0},
            "by_source": {},
            "fixable": 0,
        },
        "diagnostics": [],
    }


def test_top_level_and_summary(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    document = json.loads(format_json(mixed_report, rules))
    assert list(document) == ["schema", "version", "files_checked", "files_fixed", "summary", "diagnostics"]
    assert (document["schema"], document["version"]) == (JSON_SCHEMA_NAME, JSON_SCHEMA_VERSION)
    assert document["files_checked"] == 3
    assert document["summary"] == {
        "total": 5,
        "by_severity": {"error": 2, "warning": 2, "info": 1},
        "by_source": {"dsquality": 3, "mypy": 1, "ruff": 1},
        "fixable": 2,
    }
    assert list(document["summary"]["by_source"]) == ["dsquality", "mypy", "ruff"]


def test_every_diagnostic_has_every_key_in_order(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    document = json.loads(format_json(mixed_report, rules))
    assert [list(entry) for entry in document["diagnostics"]] == [DIAGNOSTIC_KEYS] * 5
    schema = json_schema()
    assert schema["$defs"]["diagnostic"]["required"] == DIAGNOSTIC_KEYS


def test_diagnostics_carry_the_cell_numbering_and_sort(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    entries = json.loads(format_json(mixed_report, rules))["diagnostics"]
    assert [(entry["path"], entry["cell"], entry["code"]) for entry in entries] == [
        ("données/été,v2:final.ipynb", 1, "F401"),
        ("données/été,v2:final.ipynb", 2, "arg-type"),
        ("données/été,v2:final.ipynb", 4, "DSQ401"),
        ("notebooks/my analysis 100%.ipynb", None, "DSQ202"),
        ("notebooks/my analysis 100%.ipynb", 3, "DSQ103"),
    ]
    assert entries[4] == {
        "path": "notebooks/my analysis 100%.ipynb",
        "cell": 3,
        "cell_id": "9f1c-a",
        "line": 2,
        "column": 5,
        "end_line": 2,
        "end_column": 7,
        "code": "DSQ103",
        "name": "use-before-define",
        "message": "`df` is read before any cell defines it (cell 5 defines it)",
        "severity": "error",
        "source": "dsquality",
        "fixable": False,
        "file_line": 57,
    }
    whole_notebook = entries[3]
    assert [whole_notebook[key] for key in ("cell", "cell_id", "line", "column", "file_line")] == [None] * 5
    assert whole_notebook["severity"] == "info"


def test_ruff_and_mypy_findings_keep_their_own_names(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    entries = {entry["code"]: entry for entry in json.loads(format_json(mixed_report, rules))["diagnostics"]}
    assert (entries["F401"]["source"], entries["F401"]["name"], entries["F401"]["fixable"]) == (
        "ruff",
        "unused-import",
        True,
    )
    # mypy gave no name: the code stands in for it.
    assert (entries["arg-type"]["source"], entries["arg-type"]["name"]) == ("mypy", "arg-type")
    assert entries["arg-type"]["message"].endswith('expected "int"\nSee the "f" docs: ünïcode')


def test_registry_name_wins_over_the_finding_name() -> None:
    finding = Diagnostic(path=Path("a.ipynb"), code="DSQ206", name="old-name", message="m")
    renamed = {"DSQ206": RuleInfo(code="DSQ206", name="empty-cell", summary="s")}
    assert json.loads(format_json(LintReport((finding,), 1), renamed))["diagnostics"][0]["name"] == "empty-cell"


def test_output_is_indented_ascii_ending_in_a_newline(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    text = format_json(mixed_report, rules)
    assert text.isascii()
    assert text.startswith('{\n  "schema": "dsquality-lint",\n  "version": 1,\n')
    assert text.endswith("}\n")
    assert '"path": "donn\\u00e9es/\\u00e9t\\u00e9,v2:final.ipynb"' in text


def test_one_finding_per_line_even_when_a_message_looks_like_a_boundary() -> None:
    tricky = 'x}, {"path": "y'  # what separates two findings, inside a message and a path
    findings = tuple(
        Diagnostic(path=Path(f"{name}.ipynb"), code="DSQ206", name="empty-cell", message=message, cell=1)
        for name, message in (("a", tricky), (tricky, "m"), ("c", "}, {"))
    )
    text = format_json(LintReport(findings, 3), {})
    lines = text.splitlines()
    start = lines.index('  "diagnostics": [')
    assert lines[start + 4] == "  ]"
    assert [json.loads(line.strip().rstrip(","))["message"] for line in lines[start + 1 : start + 4]] == [
        tricky,
        "}, {",
        "m",
    ]


_TEXTS = st.text(st.characters(codec=None), max_size=12)  # control characters, quotes, lone surrogates
_NUMBERS = st.none() | st.integers(min_value=0, max_value=2**70)


@given(
    path=_TEXTS.filter(lambda text: "\0" not in text and text not in {"", "."}),
    cell=_NUMBERS,
    cell_id=st.none() | _TEXTS,
    line=_NUMBERS,
    column=_NUMBERS,
    end_line=_NUMBERS,
    end_column=_NUMBERS,
    code=_TEXTS,
    name=_TEXTS,
    message=_TEXTS,
    severity=st.sampled_from(Severity),
    source=_TEXTS,
    fixable=st.booleans(),
    file_line=_NUMBERS,
)
def test_each_finding_is_written_as_json_dumps_writes_it(**fields: Any) -> None:
    diagnostic = Diagnostic(**{**fields, "path": Path(fields["path"])})
    text = format_json(LintReport((diagnostic,), 1), {})
    line = text.split('"diagnostics": [\n    ', 1)[1].rsplit("\n  ]", 1)[0]
    expected = {
        **{key: getattr(diagnostic, key) for key in DIAGNOSTIC_KEYS if key != "name"},
        "path": diagnostic.path.as_posix(),
        "name": rule_info_for(diagnostic, {}).name,
        "severity": diagnostic.severity.value,
    }
    assert line == json.dumps({key: expected[key] for key in DIAGNOSTIC_KEYS}, separators=(", ", ": "))


def test_output_is_deterministic(mixed_report: LintReport, rules: dict[str, RuleInfo]) -> None:
    order = (3, 0, 4, 2, 1)
    shuffled = [mixed_report.diagnostics[index] for index in order]
    assert format_json(LintReport(tuple(shuffled), 3), rules) == format_json(mixed_report, rules)


def test_paths_are_posix_strings_as_given() -> None:
    findings = (
        Diagnostic(path=PureWindowsPath(r"sub dir\nb.ipynb"), code="DSQ206", name="empty-cell", message="m"),  # type: ignore[arg-type]
        Diagnostic(path=Path("/abs/nb.ipynb"), code="DSQ206", name="empty-cell", message="m"),
        Diagnostic(path=Path("./rel/../nb.ipynb"), code="DSQ206", name="empty-cell", message="m"),
    )
    paths = [entry["path"] for entry in json.loads(format_json(LintReport(findings, 3), {}))["diagnostics"]]
    assert sorted(paths) == ["/abs/nb.ipynb", "rel/../nb.ipynb", "sub dir/nb.ipynb"]


def test_rewritten_notebooks_are_counted() -> None:
    document = json.loads(format_json(LintReport((), 4, fixed=3), {}))
    _validate(document)
    assert (document["files_checked"], document["files_fixed"]) == (4, 3)


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("top", lambda d: d.pop("summary")),
        ("top", lambda d: d.update(version=2)),
        ("top", lambda d: d.update(extra=1)),
        ("summary", lambda d: d["by_severity"].pop("info")),
        ("summary", lambda d: d["by_source"].update(ruff=-1)),
        ("diagnostic", lambda d: d.pop("cell_id")),
        ("diagnostic", lambda d: d.update(severity="fatal")),
        ("diagnostic", lambda d: d.update(cell=0)),
        ("diagnostic", lambda d: d.update(line="2")),
        ("diagnostic", lambda d: d.update(fixable="yes")),
        ("diagnostic", lambda d: d.update(url="https://x")),
    ],
)
def test_schema_rejects_documents_that_break_it(
    mixed_report: LintReport, rules: dict[str, RuleInfo], where: str, change: Any
) -> None:
    document = copy.deepcopy(json.loads(format_json(mixed_report, rules)))
    target = {"top": document, "summary": document["summary"], "diagnostic": document["diagnostics"][0]}[where]
    change(target)
    with pytest.raises(ValidationError):
        _validate(document)


def test_severity_enum_matches_the_schema() -> None:
    assert json_schema()["$defs"]["diagnostic"]["properties"]["severity"]["enum"] == [s.value for s in Severity]
