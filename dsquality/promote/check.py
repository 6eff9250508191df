"""The checks that make promotion safe, and the comparison behind ``dsq promote --check``.

:func:`check_cells` finds, before anything is generated, what would make the module or the tests
behave differently from the notebook. Each problem names the notebook, the cell (1-based among
all cells), the line and the offending names:

- ``hidden-state``: an exported cell reads a name that only a cell that is not exported defines
  (or that no cell defines), so the module would raise ``NameError``;
- ``order``: an exported cell reads, at import time, a name the module defines only further down;
- ``import-time-work``: an exported cell does something at import time. A module may only hold
  imports, definitions (functions, classes, type aliases) and constant assignments: the value is
  built from literals, names, attribute and subscript access, operators, lambdas and a few pure
  constructors (:data:`CONSTANT_CALLS`, e.g. ``frozenset``, ``re.compile``, ``TypeVar``);
- ``test-state``: a test cell reads notebook state that is not promoted (a variable of an
  exploration cell, a helper of another test cell);
- ``import-conflict``: two cells import the same name differently, and the promoted code reads it;
- ``unsupported``: a promoted cell does not parse, is not Python (``%%bash``), uses IPython syntax
  (``%magic``, ``!cmd``), or is tagged both ``export`` and ``test``.

:func:`compare` tells whether a generated file on disk is what the notebook generates now, and if
not, who changed: the header's ``source`` hash is what the notebook generated last time, its
``output`` hash what was written then (see :mod:`.generate`).
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsquality.analysis.facts import dotted_name
from dsquality.analysis.model import CodeCell
from dsquality.errors import PromotionProblem
from dsquality.promote.extract import MODULE_NAMES, Extraction, all_imports, free_reads, module_binds
from dsquality.promote.generate import GeneratedFile, output_hash, parse_header
from dsquality.promote.markers import is_exported, is_test

__all__ = ["CONSTANT_CALLS", "FileSync", "SyncReport", "SyncState", "check_cells", "compare", "compare_stale"]

# Calls allowed in a constant assignment: pure constructors of values modules define at import.
CONSTANT_CALLS = frozenset(
    {
        "frozenset",
        "tuple",
        "re.compile",
        "Path",
        "pathlib.Path",
        "PurePosixPath",
        "pathlib.PurePosixPath",
        "logging.getLogger",
        *(
            f"{prefix}{name}"
            for prefix in ("", "typing.")
            for name in ("TypeVar", "ParamSpec", "TypeVarTuple", "NewType")
        ),
    }
)
_STATEMENT_WORDS = {
    ast.For: "a `for` loop",
    ast.AsyncFor: "an `async for` loop",
    ast.While: "a `while` loop",
    ast.With: "a `with` block",
    ast.AsyncWith: "an `async with` block",
    ast.If: "an `if` statement",
    ast.Try: "a `try` statement",
    ast.Match: "a `match` statement",
    ast.Delete: "a `del` statement",
    ast.Raise: "a `raise` statement",
    ast.Assert: "an `assert` statement",
    ast.AugAssign: "an augmented assignment",
    ast.Global: "a `global` statement",
}


def check_cells(extraction: Extraction) -> list[PromotionProblem]:
    """Every problem that keeps the notebook's exported and test cells from being promoted, in cell order."""
    path = extraction.model.notebook.path
    problems: list[PromotionProblem] = []
    for code in extraction.exported:
        problems += _unsupported(path, code, "exported")
        if code.parsed.tree is not None and not code.magics:
            problems += _import_time_work(path, code, code.parsed.tree)
    for code in extraction.tests:
        if not is_exported(code.cell):
            problems += _unsupported(path, code, "test")
    problems += _hidden_state(extraction)
    problems += _test_state(extraction)
    problems += _import_conflicts(extraction)
    return sorted(problems, key=lambda p: (p.cell or 0, p.line or 0, p.column or 0, p.kind, p.message))


def _problem(
    path: Path,
    code: CodeCell,
    message: str,
    *,
    line: int,
    column: int | None = None,
    names: tuple[str, ...] = (),
    kind: str = "unsupported",
) -> PromotionProblem:
    return PromotionProblem(path, message, cell=code.index, line=line, column=column, names=names, kind=kind)


def _unsupported(path: Path, code: CodeCell, role: str) -> Iterable[PromotionProblem]:
    if is_exported(code.cell) and is_test(code.cell):
        yield _problem(
            path,
            code,
            "cell is both exported and tagged `test`: a cell goes either into the module or into the tests",
            line=1,
        )
    if not code.is_python:
        magic = code.magics[0] if code.magics else None
        text = f" (`{magic.text}`)" if magic else ""
        yield _problem(path, code, f"{role} cell is not Python{text}: only Python can be promoted", line=1)
        return
    if code.problem is not None:
        yield _problem(
            path,
            code,
            f"{role} cell does not parse: {code.problem.message}",
            line=code.problem.line,
            column=code.problem.column,
        )
        return
    awaited = _top_level_await(code.parsed.tree)
    if awaited is not None:
        yield _problem(
            path,
            code,
            f"{role} cell uses `await` outside a function, which IPython allows but Python does not: wrap it in an "
            "`async def`",
            line=awaited.lineno,
            column=awaited.col_offset + 1,
            names=("await",),
        )
    for magic in code.magics:
        word = magic.text.split()[0] if magic.text.split() else magic.text
        yield _problem(
            path,
            code,
            f"{role} cell uses IPython syntax `{magic.text}`, which plain Python cannot run: remove it, or move it "
            "to a cell that is not promoted",
            line=magic.line,
            names=(word,),
        )


def _top_level_await(tree: ast.Module | None) -> ast.Await | ast.AsyncFor | ast.AsyncWith | None:
    """The first ``await`` (or ``async for``/``async with``) outside any function, if any."""
    pending: list[ast.AST] = list(tree.body) if tree is not None else []
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Await | ast.AsyncFor | ast.AsyncWith):
            return node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return None


# --- import-time work -------------------------------------------------------------------------


def _import_time_work(path: Path, code: CodeCell, tree: ast.Module) -> Iterable[PromotionProblem]:
    for statement in tree.body:
        found = _work(statement)
        if found is None:
            continue
        description, names = found
        yield _problem(
            path,
            code,
            f"exported cell does work at import time: {description}; a module may only hold imports, definitions "
            "and constant assignments, so importing it would run this: move it into a function, or into a cell "
            "that is not exported",
            line=statement.lineno,
            column=statement.col_offset + 1,
            names=names,
            kind="import-time-work",
        )


def _work(statement: ast.stmt) -> tuple[str, tuple[str, ...]] | None:
    """What ``statement`` does at import time and the names involved, or None if it is allowed."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return None
    if isinstance(statement, ast.Pass) or _is_type_alias(statement) or _is_type_checking_block(statement):
        return None
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return None  # a docstring, a string, ``...``
    calls = [node for node in ast.walk(statement) if isinstance(node, ast.Call)]
    called = tuple(dict.fromkeys(dotted_name(call.func) or ast.unparse(call.func) for call in calls))
    call_text = f"a call to `{called[0]}(…)`" if called else ""
    targets = _assignment_targets(statement)
    if targets is not None:
        value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
        names, plain = targets
        if plain and (value is None or _is_constant(value)):
            return None
        shown = ", ".join(f"`{name}`" for name in names)
        if not plain:
            return f"assigns to {shown}, changing an existing object", names + called
        return f"assigns {shown} from {call_text or 'a value computed at import time'}", names + called
    if isinstance(statement, ast.Expr) and called:
        return f"calls `{called[0]}(…)`", called
    word = _STATEMENT_WORDS.get(type(statement), f"a `{type(statement).__name__}` statement")
    return f"runs {word}", called


def _assignment_targets(statement: ast.stmt) -> tuple[tuple[str, ...], bool] | None:
    """For an assignment: the target names (or texts) and whether all targets are plain names."""
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    else:
        return None
    names: list[str] = []
    plain = True
    for target in targets:
        for node in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
            element = node.value if isinstance(node, ast.Starred) else node
            if isinstance(element, ast.Name):
                names.append(element.id)
            else:
                names.append(ast.unparse(element))
                plain = False
    return tuple(names), plain


# How to reach the sub-expressions of the expressions a constant may be built of.
_CHILDREN: dict[type[ast.AST], Callable[[Any], Sequence[ast.expr | None]]] = {
    ast.Tuple: lambda node: node.elts,
    ast.List: lambda node: node.elts,
    ast.Set: lambda node: node.elts,
    ast.Dict: lambda node: [*node.keys, *node.values],
    ast.Starred: lambda node: [node.value],
    ast.UnaryOp: lambda node: [node.operand],
    ast.BinOp: lambda node: [node.left, node.right],
    ast.BoolOp: lambda node: node.values,
    ast.Compare: lambda node: [node.left, *node.comparators],
    ast.IfExp: lambda node: [node.test, node.body, node.orelse],
    ast.Subscript: lambda node: [node.value, node.slice],
    ast.Slice: lambda node: [node.lower, node.upper, node.step],
    ast.JoinedStr: lambda node: node.values,
    ast.FormattedValue: lambda node: [node.value, node.format_spec],
    ast.Call: lambda node: [*node.args, *(keyword.value for keyword in node.keywords)],
}


def _is_constant(node: ast.expr) -> bool:
    """True for a value built without running code: see the module docstring."""
    if isinstance(node, ast.Constant | ast.Name | ast.Lambda):
        return True
    if isinstance(node, ast.Attribute):
        return dotted_name(node) is not None
    if isinstance(node, ast.Call) and dotted_name(node.func) not in CONSTANT_CALLS:
        return False
    children = _CHILDREN.get(type(node))
    return children is not None and all(child is None or _is_constant(child) for child in children(node))


def _is_type_alias(statement: ast.stmt) -> bool:
    type_alias = getattr(ast, "TypeAlias", None)  # ``type X = …``, Python 3.12+
    return type_alias is not None and isinstance(statement, type_alias)


def _is_type_checking_block(statement: ast.stmt) -> bool:
    """``if TYPE_CHECKING:`` holding only imports (no ``else``)."""
    return (
        isinstance(statement, ast.If)
        and dotted_name(statement.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}
        and not statement.orelse
        and all(isinstance(child, ast.Import | ast.ImportFrom | ast.Pass) for child in statement.body)
    )


# --- names the promoted code reads ----------------------------------------------------------------


def _hidden_state(extraction: Extraction) -> Iterable[PromotionProblem]:
    path = extraction.model.notebook.path
    defined_before: set[str] = set()
    for code in extraction.exported:
        missing: dict[str, tuple[int, int]] = {}
        for event in free_reads(code):
            name = event.name
            if name in MODULE_NAMES or name in extraction.imports:
                continue
            binding = extraction.module_names.get(name)
            if binding is None:
                if extraction.bindings.get(name) or not extraction.star_imports:
                    missing.setdefault(name, (event.line, event.column))
                continue
            if event.deferred or name in defined_before:
                continue
            later = "below" if binding.cell > code.index else "further down in this cell"
            yield _problem(
                path,
                code,
                f"exported cell reads `{name}` when the module is imported, but the module defines it only "
                f"later (cell {binding.cell}, line {binding.line}, {later}): move the definition up, or the read "
                "into a function body",
                line=event.line,
                column=event.column,
                names=(name,),
                kind="order",
            )
        defined_before.update(event.name for event in module_binds(code, skip=all_imports(code)))
        if missing:
            listing = _listing(extraction, missing)
            line, column = next(iter(missing.values()))
            fix = (
                "it: export the cell that defines it (tag `export`), or pass the value in as a function parameter"
                if len(missing) == 1
                else "them: export the cells that define them (tag `export`), or pass the values in as function "
                "parameters"
            )
            yield _problem(
                path,
                code,
                f"exported cell reads {listing}; the module would not have {fix}",
                line=line,
                column=column,
                names=tuple(missing),
                kind="hidden-state",
            )


def _test_state(extraction: Extraction) -> Iterable[PromotionProblem]:
    path = extraction.model.notebook.path
    for code in extraction.tests:
        if is_exported(code.cell):
            continue
        missing: dict[str, tuple[int, int]] = {}
        for event in free_reads(code):
            name = event.name
            if name in MODULE_NAMES or name in extraction.module_names or name in extraction.imports:
                continue
            if extraction.bindings.get(name) or not extraction.star_imports:
                missing.setdefault(name, (event.line, event.column))
        if missing:
            line, column = next(iter(missing.values()))
            yield _problem(
                path,
                code,
                f"test cell uses notebook state that is not promoted: {_listing(extraction, missing)}: build it in "
                "the test cell, or export the cell that defines it",
                line=line,
                column=column,
                names=tuple(missing),
                kind="test-state",
            )


def _listing(extraction: Extraction, names: Iterable[str]) -> str:
    """```a` (defined in cell 3, which is not exported) and `b` (defined in no cell)``."""
    parts = []
    for name in names:
        cells = extraction.bindings.get(name, ())
        tests = {code.index for code in extraction.tests}
        if not cells:
            where = "defined in no cell" + (": IPython provides it, a module does not" if name in _IPYTHON else "")
        elif all(cell in tests for cell in cells):
            where = f"defined only in test {_cells(cells)}"
        else:
            verb = "is" if len(cells) == 1 else "are"
            where = f"defined only in {_cells(cells)}, which {verb} not exported"
        parts.append(f"`{name}` ({where})")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_IPYTHON = frozenset({"display", "get_ipython", "In", "Out", "exit", "quit"})


def _cells(cells: Sequence[int]) -> str:
    if len(cells) == 1:
        return f"cell {cells[0]}"
    return "cells " + ", ".join(str(cell) for cell in cells[:-1]) + f" and {cells[-1]}"


def _import_conflicts(extraction: Extraction) -> Iterable[PromotionProblem]:
    path = extraction.model.notebook.path
    read = {event.name for code in (*extraction.exported, *extraction.tests) for event in free_reads(code)}
    by_index = extraction.model.by_index
    for name, entries in extraction.imports.items():
        if len(entries) < 2 or all(entry.plain for entry in entries) or name not in read:  # noqa: PLR2004
            continue
        if name in extraction.module_names:
            continue
        first, second = entries[0], entries[1]
        yield _problem(
            path,
            by_index[second.cell],
            f"`{name}` is imported differently in cell {first.cell} (`{first.statement}`) and cell {second.cell} "
            f"(`{second.statement}`): the promoted code reads it, and a module can bind it only one way",
            line=second.line,
            column=second.column,
            names=(name,),
            kind="import-conflict",
        )


# --- is a generated file in sync? ----------------------------------------------------------------


class SyncState(enum.Enum):
    """How a generated file on disk compares with what the notebook generates now."""

    IN_SYNC = "in sync"
    MISSING = "does not exist"
    NOTEBOOK_EDITED = "the notebook was edited since the file was generated"
    FILE_EDITED = "the file was edited by hand since it was generated (edits belong in the notebook)"
    BOTH_EDITED = "both the notebook and the file were edited since the file was generated"
    NOT_GENERATED = "has no `# dsq-promote:` header: it was not generated by dsq promote, or its header was edited"
    TOOL_CHANGED = (
        "neither the notebook nor the file changed, but ruff now sorts or formats it differently "
        "(another ruff version or configuration)"
    )
    STALE = "the notebook has no test cells any more, so this generated file has no source"


@dataclass(frozen=True, slots=True)
class FileSync:
    """One generated file's state; ``key`` is its path relative to the project root."""

    path: Path
    key: str
    state: SyncState

    def describe(self, notebook_key: str) -> str:
        """One line: the file, its state, and the command that fixes it."""
        if self.state is SyncState.IN_SYNC:
            return f"{self.key}: in sync with {notebook_key}"
        if self.edited_by_hand:
            fix = f"move the edits into the notebook, then run `dsq promote --force {notebook_key}`"
        else:
            fix = f"run `dsq promote {notebook_key}`"
        return f"{self.key}: out of sync with {notebook_key}: {self.state.value}; {fix}"

    @property
    def edited_by_hand(self) -> bool:
        """True when writing over the file would lose edits made to it (or it is not ours at all)."""
        return self.state in {SyncState.FILE_EDITED, SyncState.BOTH_EDITED, SyncState.NOT_GENERATED}


def compare(generated: GeneratedFile) -> FileSync:
    """Compare ``generated`` with the file at its path (content, not timestamps; line endings ignored)."""
    try:
        existing = generated.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FileSync(generated.path, generated.key, SyncState.MISSING)
    except (OSError, UnicodeDecodeError):
        return FileSync(generated.path, generated.key, SyncState.NOT_GENERATED)
    if existing.replace("\r\n", "\n") == generated.text:
        return FileSync(generated.path, generated.key, SyncState.IN_SYNC)
    header, body = parse_header(existing)
    if header is None:
        return FileSync(generated.path, generated.key, SyncState.NOT_GENERATED)
    file_edited = output_hash(body) != header.output
    notebook_edited = header.source != generated.source_hash
    if file_edited and notebook_edited:
        state = SyncState.BOTH_EDITED
    elif file_edited:
        state = SyncState.FILE_EDITED
    elif notebook_edited:
        state = SyncState.NOTEBOOK_EDITED
    else:
        state = SyncState.TOOL_CHANGED
    return FileSync(generated.path, generated.key, state)


def compare_stale(path: Path, key: str) -> FileSync | None:
    """For a tests file the notebook no longer generates: STALE if it exists as generated, else None."""
    try:
        existing = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header, body = parse_header(existing)
    if header is None:
        return None
    state = SyncState.STALE if output_hash(body) == header.output else SyncState.FILE_EDITED
    return FileSync(path, key, state)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """``dsq promote --check`` for one notebook: its generated files' states, or why it cannot be promoted."""

    notebook: Path
    key: str  # the notebook's path relative to the project root
    files: tuple[FileSync, ...] = ()
    problems: tuple[PromotionProblem, ...] = ()

    @property
    def in_sync(self) -> bool:
        """True when every generated file is what the notebook generates now."""
        return not self.problems and all(file.state is SyncState.IN_SYNC for file in self.files)
