"""What a notebook promotes: its exported and test cells, its imports, and who binds which name.

Everything comes from the shared code model (:func:`~dsquality.analysis.model.build_model`): each
cell is parsed once, and name reads and bindings come from its facts, in evaluation order, with
reads inside function bodies marked ``deferred``.

- **Imports** are gathered from the module-level import statements of *every* code cell, one
  :class:`ImportEntry` per bound name, so an exported cell may use ``pd`` imported in the first
  cell; the module gets only the imports its code reads.
- **Module names** are the names exported cells bind at module level other than by an import:
  functions, classes and constants. The public ones make ``__all__``.
- **Bindings** record, for every name, the cells that bind it, so an error can say where a name
  the module lacks is defined.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from dsquality.analysis.facts import NameEvent, NameKind
from dsquality.analysis.model import CodeCell, NotebookModel
from dsquality.promote.markers import is_exported, is_test

__all__ = [
    "MODULE_NAMES",
    "Binding",
    "Extraction",
    "ImportEntry",
    "all_imports",
    "extract",
    "free_reads",
    "hoisted_imports",
    "module_binds",
    "notebook_title",
    "used_imports",
]

# Names every module has without defining them: the builtins and the module's own dunders. Not
# IPython's extras (``display``, ``In``, ``get_ipython``): a module does not have them.
MODULE_NAMES = frozenset(dir(builtins)) | {
    "__name__",
    "__file__",
    "__doc__",
    "__spec__",
    "__loader__",
    "__package__",
    "__builtins__",
}


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One name bound by a module-level import statement, as the statement to write for it."""

    bound: str  # the name it binds: "np" for ``import numpy as np``, "os" for ``import os.path``
    statement: str  # one canonical statement binding just that name: "import numpy as np"
    cell: int
    line: int
    column: int

    @property
    def is_future(self) -> bool:
        """``from __future__ import …``: changes how the whole module compiles."""
        return self.statement.startswith("from __future__ import")

    @property
    def is_star(self) -> bool:
        """``from module import *``: binds names nobody can list statically."""
        return self.bound == "*"

    @property
    def plain(self) -> bool:
        """``import a.b`` without ``as``: several of them may bind the same name ``a``."""
        return self.statement.startswith("import ") and " as " not in self.statement


@dataclass(frozen=True, slots=True)
class Binding:
    """Where a cell binds a module-level name (1-based cell among all cells, line and column in it)."""

    name: str
    cell: int
    line: int
    column: int


@dataclass(frozen=True, eq=False)
class Extraction:
    """The promotable parts of one notebook.

    ``imports`` maps each bound name to the import statements that bind it (several only for
    ``import a.b`` / ``import a.c``, or for a conflict :mod:`.check` reports); ``module_names`` maps
    each name the exported cells define to its first definition, in notebook order; ``bindings``
    maps every name to the cells that bind it at module level, in order.
    """

    model: NotebookModel
    exported: tuple[CodeCell, ...]
    tests: tuple[CodeCell, ...]
    imports: Mapping[str, tuple[ImportEntry, ...]]
    star_imports: tuple[ImportEntry, ...]
    module_names: Mapping[str, Binding]
    bindings: Mapping[str, tuple[int, ...]]

    @cached_property
    def public_names(self) -> tuple[str, ...]:
        """The module's ``__all__``: the names it defines that do not start with ``_``."""
        return tuple(name for name in self.module_names if not name.startswith("_"))


def extract(model: NotebookModel) -> Extraction:
    """Split the notebook into what is promoted and what is not, and index its names."""
    imports: dict[str, list[ImportEntry]] = {}
    stars: list[ImportEntry] = []
    bindings: dict[str, list[int]] = {}
    for code in model.code_cells:
        tree = code.parsed.tree
        if tree is None:
            continue
        for entry in _import_entries(code.index, tree.body):
            if entry.is_star:
                stars.append(entry)
            elif entry.statement not in {known.statement for known in imports.get(entry.bound, [])}:
                imports.setdefault(entry.bound, []).append(entry)
        for event in code.facts.names:
            if event.kind is NameKind.BIND and not event.deferred:
                cells = bindings.setdefault(event.name, [])
                if code.index not in cells:
                    cells.append(code.index)
    exported = tuple(code for code in model.code_cells if is_exported(code.cell))
    defined: dict[str, Binding] = {}
    for code in exported:
        for event in module_binds(code, skip=all_imports(code)):
            defined.setdefault(event.name, Binding(event.name, code.index, event.line, event.column))
    return Extraction(
        model=model,
        exported=exported,
        tests=tuple(code for code in model.code_cells if is_test(code.cell)),
        imports={name: tuple(entries) for name, entries in imports.items()},
        star_imports=tuple(stars),
        module_names=defined,
        bindings={name: tuple(cells) for name, cells in bindings.items()},
    )


def free_reads(code: CodeCell) -> list[NameEvent]:
    """Reads of module-level names the cell does not bind itself, in evaluation order.

    A read at cell level is free unless the cell bound the name before it; a read inside a function
    body (``deferred``) is free unless the cell binds the name anywhere, since it runs later. The
    cell's top-level imports do not count as its own bindings: promotion moves them to the import
    block, so a read of such a name is a read of an import.
    """
    hoisted = hoisted_imports(code)
    everywhere = {event.name for event in module_binds(code, skip=hoisted)}
    bound: set[str] = set()
    free: list[NameEvent] = []
    for event in code.facts.names:
        name = event.name
        if event.kind is NameKind.BIND and not event.deferred and (event.line, event.column) not in hoisted:
            bound.add(name)
        elif event.kind is NameKind.READ and name not in bound and not (event.deferred and name in everywhere):
            free.append(event)
    return free


def used_imports(extraction: Extraction, cells: Iterable[CodeCell]) -> list[ImportEntry]:
    """The import statements ``cells`` need, in notebook order: those binding the names they read.

    Names the exported cells define come from the module, not from an import. ``from __future__``
    imports are always included (they change how the code compiles), and star imports whenever a
    read name is found nowhere else.
    """
    needed: dict[str, ImportEntry] = {}
    unresolved = False
    for code in cells:
        for event in free_reads(code):
            name = event.name
            if name in MODULE_NAMES or name in extraction.module_names:
                continue
            entries = extraction.imports.get(name, ())
            unresolved = unresolved or not entries
            for entry in entries:
                needed.setdefault(entry.statement, entry)
    for entries in extraction.imports.values():
        for entry in entries:
            if entry.is_future:
                needed.setdefault(entry.statement, entry)
    if unresolved:
        for entry in extraction.star_imports:
            needed.setdefault(entry.statement, entry)
    return sorted(needed.values(), key=lambda entry: (not entry.is_future, entry.cell, entry.line, entry.column))


def module_binds(code: CodeCell, *, skip: Collection[tuple[int, int]] = ()) -> Iterable[NameEvent]:
    """The module-level bindings of a cell, in order, but those at ``skip`` (line, column) positions.

    Bindings a function makes when it is called are not module-level bindings of the cell.
    """
    return (
        event
        for event in code.facts.names
        if event.kind is NameKind.BIND and not event.deferred and (event.line, event.column) not in skip
    )


def hoisted_imports(code: CodeCell) -> set[tuple[int, int]]:
    """Positions (line, 1-based column) of the cell's top-level import statements, which promotion hoists."""
    tree = code.parsed.tree
    if tree is None:
        return set()
    return {
        (statement.lineno, statement.col_offset + 1)
        for statement in tree.body
        if isinstance(statement, ast.Import | ast.ImportFrom)
    }


def all_imports(code: CodeCell) -> set[tuple[int, int]]:
    """Positions (line, 1-based column) of every import statement of the cell."""
    return {(fact.line, fact.column) for fact in code.facts.imports}


def _import_entries(cell: int, body: list[ast.stmt]) -> Iterable[ImportEntry]:
    """One entry per name bound by the top-level import statements of a cell."""
    for statement in body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                text = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                bound = alias.asname or alias.name.split(".")[0]
                yield ImportEntry(bound, text, cell, statement.lineno, statement.col_offset + 1)
        elif isinstance(statement, ast.ImportFrom):
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                text = f"from {module} import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                bound = alias.asname or alias.name
                yield ImportEntry(bound, text, cell, statement.lineno, statement.col_offset + 1)


def notebook_title(model: NotebookModel) -> str | None:
    """The text of the notebook's first markdown H1 heading, if it has one."""
    for cell in model.notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.lines:
            stripped = line.strip()
            if stripped.startswith("# ") and stripped[2:].strip():
                return stripped[2:].strip().strip("#").strip()
    return None
