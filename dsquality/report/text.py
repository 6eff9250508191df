"""The plain-text report: one line per finding, then a summary line.

::

    analysis.ipynb: DSQ202 The notebook has no title
    analysis.ipynb:cell 3:2:5: DSQ103 `df` is read before any cell defines it
    Found 2 findings in 4 notebooks (1 fixable with --fix).

No colour or markup: the CLI may add it.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsquality.lint.diagnostic import Diagnostic, LintReport
from dsquality.report.rule_info import RuleInfo

__all__ = ["format_text"]

# Everything str.splitlines() breaks on: shown escaped, so each finding stays on one line. The
# escapes are ascii()'s, the same as the unicode_escape codec's, which would be imported at every start.
_LINE_BREAKS = {
    ord(char): ascii(char)[1:-1]
    for char in ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _finding_line(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.location()}: {diagnostic.code} {diagnostic.message}".translate(_LINE_BREAKS)


def _summary_line(report: LintReport) -> str:
    notebooks = _plural(report.files_checked, "notebook")
    total = len(report.diagnostics)
    if total == 0:
        return f"All checks passed: {notebooks}."
    fixable = sum(diagnostic.fixable for diagnostic in report.diagnostics)
    suffix = f" ({fixable} fixable with --fix)" if fixable else ""
    return f"Found {_plural(total, 'finding')} in {notebooks}{suffix}."


def format_text(report: LintReport, rules: Mapping[str, RuleInfo]) -> str:  # noqa: ARG001
    r"""Format ``report`` as plain text, one line per finding and a summary line.

    Each finding reads ``path:cell N:line:col: CODE message`` (see
    :meth:`~dsquality.lint.diagnostic.Diagnostic.location`; findings about the whole notebook
    have no cell part), in :meth:`~dsquality.lint.diagnostic.Diagnostic.sort_key` order. Line
    breaks inside a path or message are shown as escapes (``\n``), so each finding is one line.
    The summary says how many findings, in how many checked notebooks, and how many ``--fix``
    can fix (the CLI itself says how many notebooks ``--fix`` rewrote).

    Args:
        report: The lint run's outcome.
        rules: Known rules by code (unused: the text report shows codes only; the parameter is
            part of the :class:`~dsquality.report.Formatter` signature).

    Returns:
        The report, ending in a newline.
    """
    lines = [_finding_line(diagnostic) for diagnostic in sorted(report.diagnostics, key=Diagnostic.sort_key)]
    lines.append(_summary_line(report))
    return "\n".join(lines) + "\n"
