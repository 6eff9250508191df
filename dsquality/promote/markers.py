"""Which cells ``dsq promote`` takes: the one definition shared by promotion and lint.

- An **exported** cell is tagged ``export``, or its first non-blank line is ``# dsq: export``
  (a marker that survives tools that drop cell metadata). Its code goes into the module.
- A **test** cell is tagged ``test``. It becomes a pytest test function.
"""

from __future__ import annotations

import re

from dsquality.notebook import Cell

__all__ = ["EXPORT_MARKER", "EXPORT_TAG", "TEST_TAG", "is_exported", "is_test", "marker_line"]

EXPORT_TAG = "export"
TEST_TAG = "test"
# ``# dsq: export`` as the first non-blank line of a cell.
EXPORT_MARKER = re.compile(r"\A\s*#\s*dsq:\s*export[ \t]*(?:\r\n|\r|\n|\Z)")


def is_exported(cell: Cell) -> bool:
    """True for a cell ``dsq promote`` exports: tagged ``export`` or starting with ``# dsq: export``."""
    return EXPORT_TAG in cell.tags or EXPORT_MARKER.match(cell.source) is not None


def is_test(cell: Cell) -> bool:
    """True for a cell ``dsq promote`` turns into a pytest test: tagged ``test``."""
    return TEST_TAG in cell.tags


def marker_line(cell: Cell) -> int | None:
    """The 1-based line of the ``# dsq: export`` marker, or None when the cell has none."""
    if EXPORT_MARKER.match(cell.source) is None:
        return None
    return next(number for number, line in enumerate(cell.lines, start=1) if line.strip())
