"""GitHub Actions workflow commands: one annotation per finding.

::

    ::error file=analysis.ipynb,line=57,title=DSQ103 use-before-define::cell 3, line 2: `df` is read before ...

The annotation sits on the line **of the .ipynb file** where the source line is (line 1 when that
is unknown); the cell and line within the cell start the message.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.report.rule_info import RuleInfo, rule_info_for

__all__ = ["escape_data", "escape_property", "format_github"]

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message, as GitHub's ``@actions/core`` does.

    Args:
        text: The message.

    Returns:
        ``text`` with ``%``, carriage return and line feed percent-encoded.
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file``, ``title``), as ``@actions/core`` does.

    Args:
        text: The value.

    Returns:
        ``text`` with ``%``, carriage return, line feed, ``:`` and ``,`` percent-encoded.
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(diagnostic: Diagnostic, rules: Mapping[str, RuleInfo]) -> str:
    name = rule_info_for(diagnostic, rules).name
    title = diagnostic.code if name in {"", diagnostic.code} else f"{diagnostic.code} {name}"
    properties = ",".join(
        (
            f"file={escape_property(diagnostic.path.as_posix())}",
            f"line={diagnostic.file_line or 1}",
            f"title={escape_property(title)}",
        )
    )
    return f"::{_COMMANDS[diagnostic.severity]} {properties}::{escape_data(diagnostic.message_with_cell())}"


def format_github(report: LintReport, rules: Mapping[str, RuleInfo]) -> str:
    """Format ``report`` as GitHub Actions workflow commands, one line per finding.

    Each line is ``::error``, ``::warning`` or ``::notice`` (for info) with ``file`` (the path
    as given, with ``/`` separators), ``line`` (the .ipynb file line, 1 when unknown) and
    ``title`` (code and rule name), then the message prefixed with the cell position
    (``cell 3, line 2: ...``; nothing for findings about the whole notebook). Values are escaped
    as GitHub's toolkit escapes them. Findings are in
    :meth:`~dsquality.lint.diagnostic.Diagnostic.sort_key` order. There is no summary line.

    Args:
        report: The lint run's outcome.
        rules: Known rules by code, for the titles; a code not in it keeps the finding's name.

    Returns:
        The commands, each ending in a newline; empty when there are no findings.
    """
    return "".join(
        _command(diagnostic, rules) + "\n" for diagnostic in sorted(report.diagnostics, key=Diagnostic.sort_key)
    )
