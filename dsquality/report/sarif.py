"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

Each finding's physical location is the line **of the .ipynb file** where its source line sits
(``Diagnostic.file_line``), so annotations land on the right line of the notebook file. No
column is given: inside the .ipynb a source line is a JSON string, indented and escaped, so a
column in the cell is not a column in the file. The notebook position (cell, cell id, line and
column within the cell) travels in the location's ``properties``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dsquality import __version__
from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo, rule_info_for

__all__ = ["FINGERPRINT_KEY", "INFORMATION_URI", "SARIF_SCHEMA_URI", "SARIF_VERSION", "artifact_uri", "format_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/dsquality/"
# A versioned hierarchical string (SARIF §3.27.17): bump the version when the hash input changes.
FINGERPRINT_KEY = "dsqualityFinding/v1"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(diagnostic: Diagnostic) -> str:
    """Return the URI reference SARIF uses for the notebook a finding is in.

    A relative path stays relative (code scanning resolves it against the repository root),
    with ``/`` separators and every character outside the URI's unreserved set percent-encoded
    as UTF-8 (a space is ``%20``, ``%`` is ``%25``, ``é`` is ``%C3%A9``). An absolute path
    becomes a ``file://`` URI.

    Args:
        diagnostic: The finding.

    Returns:
        The URI reference.
    """
    path = diagnostic.path
    if path.is_absolute():
        return path.as_uri()
    # fsencode keeps undecodable file-name bytes (surrogate escapes) instead of failing on them.
    return quote(os.fsencode(path.as_posix()), safe="/")


def _fingerprint(diagnostic: Diagnostic) -> str:
    import hashlib  # noqa: PLC0415 - only for SARIF; OpenSSL's module takes ms to import

    # Not the line: a finding keeps its identity when lines above it are added or removed.
    if diagnostic.cell_id is not None:
        cell = f"id:{diagnostic.cell_id}"
    elif diagnostic.cell is not None:
        cell = f"index:{diagnostic.cell}"
    else:
        cell = "notebook"
    parts = (diagnostic.path.as_posix(), diagnostic.code, cell, diagnostic.message)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _rule_object(info: RuleInfo) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": info.code, "name": info.name, "shortDescription": {"text": info.summary}}
    if info.help_uri is not None:
        rule["helpUri"] = info.help_uri
    return rule


def _result_object(diagnostic: Diagnostic, rule_index: int, fingerprint: str) -> dict[str, Any]:
    return {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[diagnostic.severity],
        # GitHub code scanning shows the .ipynb line; the cell and line within it lead the text.
        "message": {"text": diagnostic.message_with_cell()},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(diagnostic)},
                    "region": {"startLine": diagnostic.file_line or 1},
                },
                "properties": {
                    "cell": diagnostic.cell,
                    "cell_id": diagnostic.cell_id,
                    "line": diagnostic.line,
                    "column": diagnostic.column,
                    "end_line": diagnostic.end_line,
                    "end_column": diagnostic.end_column,
                },
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"source": diagnostic.source, "fixable": diagnostic.fixable},
    }


def format_sarif(report: LintReport, rules: Mapping[str, RuleInfo]) -> str:
    """Format ``report`` as a SARIF 2.1.0 log with one run.

    ``tool.driver.rules`` lists every rule with findings, sorted by code (id, name,
    shortDescription, and helpUri when known); a code not in ``rules`` (ruff, mypy) is described
    from its first finding. Each result has ``ruleId``, ``ruleIndex``, ``level`` (error, warning,
    or note for info), ``message.text``, a physical location at the .ipynb file line
    (``startLine`` 1 when unknown), the notebook position in the location's ``properties``,
    ``source`` and ``fixable`` in its own ``properties``, and a partial fingerprint: a SHA-256
    of path, code, cell id (or cell index) and message, plus ``:N`` counting identical findings,
    so code scanning keeps tracking a finding when lines move.

    Args:
        report: The lint run's outcome.
        rules: Known rules by code.

    Returns:
        The SARIF log as JSON indented by two spaces (ASCII-only), ending in a newline.
    """
    diagnostics = sorted(report.diagnostics, key=Diagnostic.sort_key)
    infos: dict[str, RuleInfo] = {}
    for diagnostic in diagnostics:
        infos.setdefault(diagnostic.code, rule_info_for(diagnostic, rules))
    codes = sorted(infos)
    rule_index = {code: index for index, code in enumerate(codes)}

    seen: Counter[str] = Counter()
    results = []
    for diagnostic in diagnostics:
        digest = _fingerprint(diagnostic)
        seen[digest] += 1
        results.append(_result_object(diagnostic, rule_index[diagnostic.code], f"{digest}:{seen[digest]}"))

    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dsquality",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_object(infos[code]) for code in codes],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
