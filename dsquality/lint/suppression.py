"""One suppression syntax for every finding, whichever tool produced it.

- ``# dsq: noqa`` at the end of a line silences every finding on that line of the cell;
  ``# dsq: noqa: DSQ105, F401`` only those codes (prefixes work: ``DSQ1``).
- A cell tag ``dsq-noqa`` silences the whole cell; ``dsq-noqa:DSQ206`` one code for the cell.
  Tags survive output stripping (nbstripout, ``dsq clean``) and show in JupyterLab.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dsquality.lint.diagnostic import Diagnostic
from dsquality.lint.rules._regex import lazy_regex
from dsquality.notebook import Notebook

__all__ = ["Suppressions"]

# Compiled for the first cell that mentions noqa: most runs have none.
_NOQA = lazy_regex(r"#\s*dsq:\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_,\s-]+))?", re.IGNORECASE)
_ALL = "*"


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset({_ALL})
    return frozenset(part.strip().upper() for part in re.split(r"[,\s]+", text) if part.strip())


class Suppressions:
    """The noqa comments and tags of one notebook, to filter its findings."""

    def __init__(self, notebook: Notebook) -> None:
        self._cells: dict[int, frozenset[str]] = {}
        self._lines: dict[tuple[int, int], frozenset[str]] = {}
        for cell in notebook.cells:
            # Most cells have no tags: test the raw metadata before building the tag tuple.
            tagged = (
                [tag for tag in cell.tags if tag.lower().startswith("dsq-noqa")] if cell.metadata.get("tags") else ()
            )
            if tagged:
                codes: set[str] = set()
                for tag in tagged:
                    _, _, rest = tag.partition(":")
                    codes |= _codes(rest)
                self._cells[cell.index] = frozenset(codes)
            if "noqa" in cell.source.lower():  # the comment's case is free: "# DSQ: NOQA" counts too
                noqa = _NOQA()
                for number, line in enumerate(cell.lines, start=1):
                    match = noqa.search(line)
                    if match:
                        self._lines[(cell.index, number)] = _codes(match.group("codes"))

    @staticmethod
    def _silences(codes: frozenset[str] | None, code: str) -> bool:
        return codes is not None and (_ALL in codes or any(code.upper().startswith(c) for c in codes))

    def silences(self, code: str, cell: int | None, line: int | None = None) -> bool:
        """Whether a noqa comment or tag silences ``code`` at ``cell`` (and ``line``)."""
        if cell is None:
            return False
        if self._silences(self._cells.get(cell), code):
            return True
        return line is not None and self._silences(self._lines.get((cell, line)), code)

    def is_suppressed(self, diagnostic: Diagnostic) -> bool:
        """Whether a noqa comment or tag silences ``diagnostic``."""
        return self.silences(diagnostic.code, diagnostic.cell, diagnostic.line)

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics that are not suppressed."""
        if not self._cells and not self._lines:  # most notebooks suppress nothing
            return list(diagnostics)
        return [diagnostic for diagnostic in diagnostics if not self.is_suppressed(diagnostic)]
