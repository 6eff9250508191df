"""What ruff and mypy share: reading the notebooks once, names bound by magics, building findings.

- :func:`load_notebooks` reads each given path once and skips what cannot be linted (unreadable
  or invalid notebooks, which the engine reports as DSQ405, and non-Python notebooks).
- :class:`MagicNames` knows which names IPython magics bind (``%%capture out``, ``%time x = f()``,
  ``%store -r x``, ``%%bash --out x``) and where a magic may bind any name (``%run``, ``%pylab``),
  so neither tool reports those names as undefined.
- :func:`make_diagnostic` builds a :class:`~dsquality.lint.diagnostic.Diagnostic` in dsquality's
  numbering (cell 1-based among all cells) with the cell id and the line of the ``.ipynb`` file.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsquality.analysis.ipython import STATEMENT_LINE_MAGICS, Magic, parse_cell
from dsquality.errors import NotebookFormatError
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.notebook import Cell, Notebook, read_notebook

__all__ = [
    "MagicNames",
    "NotebookInput",
    "absolute",
    "load_notebooks",
    "make_diagnostic",
    "module_name",
    "path_key",
    "python_lines",
]

log = logging.getLogger(__name__)

# Line magics after which any name may exist: %run executes a script in the user namespace,
# %pylab imports numpy and matplotlib names with *.
OPAQUE_LINE_MAGICS = frozenset({"run", "pylab"})
_NEWLINE = re.compile(r"\r\n|\r|\n")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*\Z")


@dataclass(frozen=True, slots=True)
class NotebookInput:
    """One notebook to lint: the path as the caller gave it, its absolute form, and its content."""

    given: Path
    absolute: Path
    notebook: Notebook


def absolute(path: str | Path, base: Path | None = None) -> Path:
    """``path`` made absolute against ``base`` (default: the current directory), symlinks kept.

    ruff and mypy report files this way (normalised, not resolved), so paths compare equal.
    """
    return Path(os.path.abspath(Path(base or Path.cwd()) / path))  # noqa: PTH100 - resolve() follows symlinks


def path_key(path: str | Path) -> str:
    """A string that is equal for two spellings of the same absolute path (case on Windows)."""
    return os.path.normcase(absolute(path))


def load_notebooks(paths: Sequence[Path]) -> list[NotebookInput]:
    """Read each distinct path once, in order; skip unreadable, invalid and non-Python notebooks.

    Relative paths are relative to the current directory (as the caller typed them; the tools get
    absolute paths, so the directory they run in only decides which configuration they find).
    """
    seen: set[str] = set()
    loaded: list[NotebookInput] = []
    for given in paths:
        full = absolute(given)
        key = path_key(full)
        if key in seen:
            continue
        seen.add(key)
        try:
            notebook = read_notebook(full)
        except NotebookFormatError as exc:
            log.debug("skipping %s: %s", given, exc.reason)
            continue
        if notebook.language not in {"python", "python3", "ipython", "ipython3"}:
            log.debug("skipping %s: kernel language is %s", given, notebook.language)
            continue
        loaded.append(NotebookInput(given, full, notebook))
    return loaded


def python_lines(code: str) -> list[str]:
    """Split source into lines the way Python and ruff count them (at LF, CRLF and CR only)."""
    return _NEWLINE.split(code)


def module_name(path: Path) -> str:
    """A safe, unique, stable module name for a notebook: ``nb_<stem>_<hash of the path>``.

    Notebook names contain spaces, ``&``, quotes and brackets; two notebooks may share a name in
    different folders. The hash keeps mypy's module names distinct and its cache entries stable.
    """
    stem = re.sub(r"\W+", "_", path.stem, flags=re.ASCII).strip("_")[:40] or "notebook"
    digest = hashlib.sha1(path_key(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"nb_{stem}_{digest}"


def make_diagnostic(
    entry: NotebookInput,
    *,
    source: str,
    code: str,
    name: str,
    message: str,
    severity: Severity,
    cell: int | None,
    line: int | None,
    column: int | None,
    end_line: int | None = None,
    end_column: int | None = None,
    fixable: bool = False,
) -> Diagnostic:
    """A finding at ``cell``/``line``/``column`` (dsquality's numbering) with cell id and file line."""
    notebook = entry.notebook
    known_cell = cell is not None and 1 <= cell <= len(notebook.cells)
    if not known_cell:
        cell = line = column = end_line = end_column = None
    cell_id = notebook.cells[cell - 1].cell_id if cell is not None else None
    file_line = notebook.file_line(cell, line) if cell is not None and line is not None else None
    if end_line is not None and line is not None and end_line < line:
        end_line = end_column = None
    return Diagnostic(
        path=entry.given,
        code=code,
        name=name,
        message=message,
        severity=severity,
        source=source,
        cell=cell,
        line=line,
        column=column,
        cell_id=cell_id,
        end_line=end_line,
        end_column=end_column,
        fixable=fixable,
        file_line=file_line,
    )


# --- names bound by IPython magics ------------------------------------------------------------


@dataclass(slots=True)
class MagicNames:
    """Names that magics bind in one notebook, and where a magic may have bound any name.

    ``bound[(cell, line)]`` lists the names the magic on that line binds; ``opaque`` holds the
    ``(cell, line)`` of every ``%run``/``%pylab`` and of ``%store -r`` without names.
    """

    bound: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    opaque: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> MagicNames:
        """Collect the magic bindings of the code ``cells`` of a notebook."""
        names = cls()
        for cell in cells:
            if not cell.is_code or not any(marker in cell.source for marker in "%!"):
                continue
            names.add_cell(cell.index, parse_cell(cell.source).python.magics)
        return names

    def add_cell(self, cell: int, magics: Iterable[Magic]) -> None:
        """Record what the ``magics`` of ``cell`` bind."""
        for magic in magics:
            bound, opaque = _magic_binds(magic)
            if bound:
                self.bound[(cell, magic.line)] = bound
            if opaque:
                self.opaque.append((cell, magic.line))

    @property
    def all_bound(self) -> frozenset[str]:
        """Every name some magic in the notebook binds."""
        return frozenset(name for names in self.bound.values() for name in names)

    def explains_undefined(self, name: str, cell: int, line: int) -> bool:
        """True when ``name`` read at ``cell``/``line`` may well be defined by a magic."""
        return name in self.all_bound or any(position < (cell, line) for position in self.opaque)


def _magic_binds(magic: Magic) -> tuple[tuple[str, ...], bool]:
    """``(names bound, binds unknown names)`` for one magic."""
    words = magic.text.lstrip("%!").split()[1:]
    if magic.kind == "cell":
        names = [value for option, value in itertools.pairwise(words) if option in {"--out", "--err"}]
        if magic.name == "capture":  # %%capture [--no-stderr] [--no-stdout] [--no-display] [name]
            names += [word for word in words if not word.startswith("-")][:1]
        return _identifiers(names), False
    if magic.kind != "line":
        return (), False
    if magic.name in OPAQUE_LINE_MAGICS:
        return (), True
    if magic.name == "store" and words[:1] == ["-r"]:
        names = [word for word in words[1:] if not word.startswith("-")]
        return _identifiers(names), not names
    if magic.name in STATEMENT_LINE_MAGICS:
        return _statement_targets(words), False
    return (), False


def _statement_targets(words: Sequence[str]) -> tuple[str, ...]:
    """Names assigned by the statement at the end of ``%time -opts stmt`` (options skipped)."""
    for start in range(len(words)):
        try:
            tree = ast.parse(" ".join(words[start:]))
        except (SyntaxError, ValueError):
            continue
        return _identifiers(
            node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        )
    return ()


def _identifiers(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if _IDENTIFIER.match(name)))
