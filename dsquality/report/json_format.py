"""The JSON report: a stable, versioned document for programs.

The schema is ``dsquality-lint`` version :data:`JSON_SCHEMA_VERSION`, described as a JSON Schema
(draft 2020-12) in ``lint-report.schema.json`` next to this module (:func:`json_schema` loads it)::

    {
      "schema": "dsquality-lint",
      "version": 1,
      "files_checked": 4,
      "files_fixed": 0,
      "summary": {
        "total": 1,
        "by_severity": {"error": 1, "warning": 0, "info": 0},
        "by_source": {"dsquality": 1},
        "fixable": 0
      },
      "diagnostics": [
        {"path": "analysis.ipynb", "cell": 3, "cell_id": "9f1c", "line": 2, "column": 5, "end_line": 2, ...}
      ]
    }

Each finding is one line of the text (shortened above); every key is always present, in this order
(``null`` where a value is unknown). ``cell`` is 1-based among all cells, ``line``/``column``
1-based within the cell, ``file_line`` the line of the .ipynb file where that source line sits.
``files_fixed`` counts the notebooks ``--fix`` rewrote; ``diagnostics`` lists what remains. A change
that removes, renames or changes the meaning of a key bumps ``version``; consumers should ignore
keys they do not know.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo, rule_info_for

__all__ = ["JSON_SCHEMA_NAME", "JSON_SCHEMA_VERSION", "format_json", "json_schema"]

JSON_SCHEMA_NAME = "dsquality-lint"
JSON_SCHEMA_VERSION = 1
_SCHEMA_RESOURCE = "lint-report.schema.json"


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def _diagnostic_json(diagnostic: Diagnostic, name: str, path: str) -> str:
    """One finding as a JSON object: every key of the schema in order, ``path`` already encoded.

    Written out rather than given to ``json.dumps`` as a dict: a report can hold thousands of
    findings, and this is three times as fast. The strings go through json's own C escaping
    (``ensure_ascii``), so the text is what ``json.dumps(..., separators=(", ", ": "))`` gives.
    """
    return (
        f'{{"path": {path}, "cell": {_number(diagnostic.cell)}, "cell_id": {_text(diagnostic.cell_id)}, '
        f'"line": {_number(diagnostic.line)}, "column": {_number(diagnostic.column)}, '
        f'"end_line": {_number(diagnostic.end_line)}, "end_column": {_number(diagnostic.end_column)}, '
        f'"code": {_text(diagnostic.code)}, "name": {_text(name)}, "message": {_text(diagnostic.message)}, '
        f'"severity": {_text(diagnostic.severity.value)}, "source": {_text(diagnostic.source)}, '
        f'"fixable": {"true" if diagnostic.fixable else "false"}, "file_line": {_number(diagnostic.file_line)}}}'
    )


def _summary(report: LintReport) -> dict[str, Any]:
    by_severity = Counter(diagnostic.severity for diagnostic in report.diagnostics)
    by_source = Counter(diagnostic.source for diagnostic in report.diagnostics)
    return {
        "total": len(report.diagnostics),
        "by_severity": {severity.value: by_severity[severity] for severity in Severity},
        "by_source": dict(sorted(by_source.items())),
        "fixable": sum(diagnostic.fixable for diagnostic in report.diagnostics),
    }


def format_json(report: LintReport, rules: Mapping[str, RuleInfo]) -> str:
    r"""Format ``report`` as the versioned ``dsquality-lint`` JSON document.

    Findings are in :meth:`~dsquality.lint.diagnostic.Diagnostic.sort_key` order; paths are
    POSIX strings exactly as given (not made absolute). ``by_severity`` always has every
    severity; ``by_source`` has the sources that found something, sorted. The text is indented by
    two spaces, with each finding on one line, and ASCII-only (other characters are ``\uXXXX``
    escapes), so it survives any output encoding.

    Args:
        report: The lint run's outcome.
        rules: Known rules by code, for each finding's ``name``; a code not in it keeps the
            name the finding carries.

    Returns:
        The JSON document, ending in a newline.
    """
    head = {
        "schema": JSON_SCHEMA_NAME,
        "version": JSON_SCHEMA_VERSION,
        "files_checked": report.files_checked,
        "files_fixed": report.fixed,
        "summary": _summary(report),
    }
    # One finding per line: grep- and diff-friendly. A notebook's findings share its path: encoded once.
    paths: dict[Path, str] = {}
    lines = []
    for diagnostic in sorted(report.diagnostics, key=Diagnostic.sort_key):
        path = paths.get(diagnostic.path)
        if path is None:
            path = paths[diagnostic.path] = encode_basestring_ascii(diagnostic.path.as_posix())
        lines.append(_diagnostic_json(diagnostic, rule_info_for(diagnostic, rules).name, path))
    findings = ",\n    ".join(lines)
    head_text = json.dumps(head, indent=2)[:-2]  # without the closing "\n}"
    body = f"[\n    {findings}\n  ]" if findings else "[]"
    return f'{head_text},\n  "diagnostics": {body}\n}}\n'


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) that :func:`format_json` output conforms to.

    Returns:
        The parsed schema, read from the ``lint-report.schema.json`` file shipped in this package.
    """
    from importlib import resources  # noqa: PLC0415 - only for the schema; imports tempfile and more

    text = resources.files("dsquality.report").joinpath(_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
