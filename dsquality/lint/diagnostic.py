"""The finding every linter part produces and every reporter consumes."""

from __future__ import annotations

import enum
import operator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["Diagnostic", "LintReport", "Severity"]


class Severity(enum.StrEnum):
    """How bad a finding is. Reports and ``dsq check`` count findings by severity."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, located in the one numbering dsquality uses everywhere.

    ``cell`` is 1-based among **all** cells (markdown and raw included); ``line`` and ``column``
    are 1-based within the cell's source. ``cell``/``line``/``column`` are ``None`` for findings
    about the whole notebook (or the whole cell). ``source`` says which tool found it:
    ``"dsquality"``, ``"ruff"`` or ``"mypy"``.
    """

    path: Path
    code: str
    name: str
    message: str
    severity: Severity = Severity.WARNING
    source: str = "dsquality"
    cell: int | None = None
    line: int | None = None
    column: int | None = None
    cell_id: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    fixable: bool = False
    # Line of the .ipynb file where ``line`` of ``cell`` sits (for SARIF and GitHub annotations).
    file_line: int | None = None

    def __post_init__(self) -> None:
        # A message quoting a cell may hold a lone surrogate (from a "\udXXX" escape in the file), which
        # no report can encode: it is shown as that escape instead.
        if not self.message.isascii():
            try:
                self.message.encode("utf-8")
            except UnicodeEncodeError:
                shown = self.message.encode("utf-8", "backslashreplace").decode("utf-8")
                object.__setattr__(self, "message", shown)

    def __reduce__(self) -> tuple[type[Diagnostic], tuple[Any, ...]]:
        # Pickled as a call with the field values: twice as fast as the default for a slotted
        # dataclass, and workers send every finding to the main process this way.
        return (Diagnostic, _FIELD_VALUES(self))

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        """Report order: by file, then position (whole-notebook findings first), then code."""
        return (str(self.path), self.cell or 0, self.line or 0, self.column or 0, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the cache and the baseline store diagnostics this way)."""
        data = asdict(self)
        data["path"] = self.path.as_posix()
        data["severity"] = self.severity.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        """The inverse of :meth:`to_dict`."""
        return cls(**{**data, "path": Path(data["path"]), "severity": Severity(data["severity"])})

    def message_with_cell(self) -> str:
        """The message prefixed with ``cell N, line L:`` (for tools that show file lines only)."""
        if self.cell is None:
            return self.message
        position = f"cell {self.cell}" if self.line is None else f"cell {self.cell}, line {self.line}"
        return f"{position}: {self.message}"

    def location(self) -> str:
        """``path:cell N:line:col`` as far as it is known (the text report's prefix)."""
        text = str(self.path)
        if self.cell is not None:
            text += f":cell {self.cell}"
            if self.line is not None:
                text += f":{self.line}:{self.column or 1}"
        return text


_FIELD_VALUES = operator.attrgetter(*(item.name for item in fields(Diagnostic)))


@dataclass(frozen=True, slots=True)
class LintReport:
    """The outcome of one lint run: every finding, sorted, and how many files were checked."""

    diagnostics: tuple[Diagnostic, ...]
    files_checked: int
    fixed: int = 0  # notebooks rewritten by --fix
    diffs: tuple[str, ...] = ()  # unified diffs of what --fix changes (or would change, with --diff)
