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
from pathlib import Path
from typing import Any

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo, rule_info_for

__all__ = ["JSON_SCHEMA_NAME", "JSON_SCHEMA_VERSION", "format_json", "json_schema"]

JSON_SCHEMA_NAME = "dsquality-lint"
JSON_SCHEMA_VERSION = 1
_SCHEMA_RESOURCE = "lint-report.schema.json"
_ENCODER = json.JSONEncoder(separators=(", ", ": "))


def _diagnostic_object(diagnostic: Diagnostic, rules: Mapping[str, RuleInfo], path: str) -> dict[str, Any]:
    return {
        "path": path,
        "cell": diagnostic.cell,
        "cell_id": diagnostic.cell_id,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "code": diagnostic.code,
        "name": rule_info_for(diagnostic, rules).name,
        "message": diagnostic.message,
        "severity": diagnostic.severity.value,
        "source": diagnostic.source,
        "fixable": diagnostic.fixable,
        "file_line": diagnostic.file_line,
    }


def _posix(paths: dict[Path, str], path: Path) -> str:
    text = paths[path] = path.as_posix()
    return text


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
    # One finding per line: grep- and diff-friendly, and json's C encoder does the work in one call
    # (an ``indent`` makes json fall back to its pure-Python encoder, the slowest part of a large
    # report). Each object starts with its "path" key, and an unescaped quote occurs only where a
    # string starts or ends, so '}, {"path": ' is exactly the boundary between two findings.
    paths = dict[Path, str]()  # a notebook's findings share its path: convert it once
    findings = _ENCODER.encode(
        [
            _diagnostic_object(diagnostic, rules, paths.get(diagnostic.path) or _posix(paths, diagnostic.path))
            for diagnostic in sorted(report.diagnostics, key=Diagnostic.sort_key)
        ]
    )[1:-1].replace('}, {"path": ', '},\n    {"path": ')
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
