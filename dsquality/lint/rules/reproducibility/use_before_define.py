"""DSQ103: a name read before the cell that defines it, in top-to-bottom order.

The facts of the model's walk settle most reads; the rare candidates left are checked in a cell's tree
(a call followed into a function body, a read guarded by a ``try`` or a namespace probe).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import NamedTuple

from dsquality.analysis.facts import DefinitionFact, NameKind
from dsquality.analysis.ipython import STATEMENT_LINE_MAGICS
from dsquality.analysis.model import BUILTIN_NAMES, CodeCell, NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules.reproducibility._common import _column

# --- DSQ103 -----------------------------------------------------------------------------------

# Line magics and calls that can define any name in the user namespace.
_NAMESPACE_MAGICS = frozenset({"run", "pylab", "load", "autocall"})
_EXEC_CALLS = frozenset({"exec", "execfile"})


class _Use(NamedTuple):
    """A read of ``name`` (directly, or by calling ``via``) before any definition of it."""

    name: str
    position: int  # among code cells
    code: CodeCell
    line: int
    column: int
    via: str | None = None
    where: str = "in cell"  # a later cell, or "on line 4 of this cell"


class _CallSite(NamedTuple):
    function: str
    definition: DefinitionFact
    defined_in: CodeCell
    position: int
    code: CodeCell
    line: int
    column: int


class _Flow(NamedTuple):
    """One pass over the notebook's name events in document order."""

    first_bind: dict[str, int]  # name -> position (among code cells) of the cell that first binds it
    bind_cells: dict[str, list[int]]
    uses: list[_Use]
    calls: list[_CallSite]
    barrier: tuple[int, int] | None  # (position, line) from which any name may be defined
    opaque: list[tuple[int, int, str]]  # (position, line, text) of code we cannot see into
    parameters: frozenset[str]


class _FlowBuilder:
    """Follows the notebook's name events in document order (one pass)."""

    def __init__(self) -> None:
        self.defined: set[str] = set()
        self.first_bind: dict[str, int] = {}
        self.bind_cells: dict[str, list[int]] = {}  # name -> positions of the cells binding it, in order
        self.uses: list[_Use] = []
        self.calls: list[_CallSite] = []
        self.barriers: list[tuple[int, int]] = []
        self.opaque: list[tuple[int, int, str]] = []
        self.functions: dict[str, tuple[CodeCell, DefinitionFact]] = {}  # names bound to a top-level def now
        self.call_positions: tuple[int, set[tuple[int, int]]] = (-1, set())  # of the current cell

    def cell(self, position: int, code: CodeCell) -> None:
        if code.parsed.tree is None:  # not Python (%%bash…) or does not parse: it may define anything
            if code.cell.source.strip():
                self.opaque.append((position, 0, code.cell.source))
            return
        for magic in code.magics:
            if magic.kind == "cell" or (magic.kind == "line" and magic.name not in STATEMENT_LINE_MAGICS):
                self.opaque.append((position, magic.line, magic.text))
                if magic.name in _NAMESPACE_MAGICS:
                    self.barriers.append((position, magic.line))
        facts = code.facts
        for call in facts.calls:
            if call.func in _EXEC_CALLS:
                self.barriers.append((position, call.line))
        if facts.names:
            self.events(position, code)

    def events(self, position: int, code: CodeCell) -> None:
        facts = code.facts
        definitions = (
            {(d.line, d.column): d for d in facts.definitions if d.kind == "function" and d.parent is None}
            if facts.definitions
            else {}
        )
        defined, functions, add_use = self.defined, self.functions, self.uses.append
        read, bind = NameKind.READ, NameKind.BIND
        for event in facts.names:
            kind = event.kind
            if kind is read:
                name = event.name
                if name in defined:
                    if name in functions and not event.deferred:
                        self.maybe_call(position, code, name, event.line, event.column)
                elif not event.deferred and name not in BUILTIN_NAMES:
                    add_use(_Use(name, position, code, event.line, event.column))
            elif kind is bind:
                name = event.name
                if name in defined:
                    if (cells := self.bind_cells[name])[-1] != position:
                        cells.append(position)
                else:
                    defined.add(name)
                    self.first_bind[name] = position
                    self.bind_cells[name] = [position]
                if definitions or functions:
                    self.bind_function(code, name, definitions.get((event.line, event.column)), event.deferred)
            else:
                self.barriers.append((position, event.line))

    def maybe_call(self, position: int, code: CodeCell, name: str, line: int, column: int) -> None:
        """A top-level read of ``name``, a function defined above: record it if it is a call."""
        if self.call_positions[0] != position:
            calls = {(c.line, c.column) for c in code.facts.calls if "." not in c.func}
            self.call_positions = (position, calls)
        if (line, column) in self.call_positions[1]:
            defined_in, called = self.functions[name]
            self.calls.append(_CallSite(name, called, defined_in, position, code, line, column))

    def bind_function(self, code: CodeCell, name: str, definition: DefinitionFact | None, deferred: bool) -> None:  # noqa: FBT001
        """Track which names are bound to a top-level function right now."""
        if definition is not None and definition.name == name and not deferred:
            self.functions[name] = (code, definition)
        elif self.functions:
            self.functions.pop(name, None)


def _flow(model: NotebookModel) -> _Flow:
    builder = _FlowBuilder()
    for position, code in enumerate(model.code_cells):
        builder.cell(position, code)
    parameters = frozenset(
        event.name for code in model.parameters_cells for event in code.facts.names if event.kind is NameKind.BIND
    )
    return _Flow(
        builder.first_bind,
        builder.bind_cells,
        builder.uses,
        builder.calls,
        min(builder.barriers, default=None),
        builder.opaque,
        parameters,
    )


def _may_be_bound_unseen(name: str, before: tuple[int, int], opaque: list[tuple[int, int, str]]) -> bool:
    """True when code we cannot analyse (a magic, an unparsable cell) above ``before`` mentions ``name``."""
    pattern: re.Pattern[str] | None = None
    for position, line, text in opaque:
        if (position, line) >= before:
            break
        if name in text:
            pattern = pattern or re.compile(rf"(?<![\w.]){re.escape(name)}\b")
            if pattern.search(text):
                return True
    return False


def _find_function(tree: ast.Module, definition: DefinitionFact) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.lineno == definition.line
            and node.col_offset + 1 == definition.column
        ):
            return node
    return None


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _leaves(statement: ast.stmt) -> bool:
    """True when the statement may leave the function (``return``/``raise``) from inside a branch."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return | ast.Raise):
            return True
        if not isinstance(node, _NESTED_SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return False


class _CertainReads:
    """Names a function body reads on every call: not in branches, not after an early ``return``."""

    def __init__(self) -> None:
        self.positions: set[tuple[int, int]] = set()

    def expression(self, root: ast.AST) -> None:
        stack: list[ast.AST] = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    self.positions.add((node.lineno, node.col_offset + 1))
            elif isinstance(node, _NESTED_SCOPES):
                continue
            elif isinstance(node, ast.IfExp):
                stack.append(node.test)
            elif isinstance(node, ast.BoolOp):
                stack.append(node.values[0])
            elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
                stack.append(node.generators[0].iter)
            else:
                stack.extend(ast.iter_child_nodes(node))

    def block(self, statements: list[ast.stmt]) -> bool:
        """Collect the certain reads of ``statements``; False once the rest may not run."""
        for statement in statements:
            if isinstance(statement, ast.Return | ast.Raise):
                if isinstance(statement, ast.Return) and statement.value is not None:
                    self.expression(statement.value)
                return False
            if isinstance(statement, ast.With | ast.AsyncWith):
                for item in statement.items:
                    self.expression(item.context_expr)
                if not self.block(statement.body):
                    return False
            elif not self.header(statement) and _leaves(statement):
                return False
        return True

    def header(self, statement: ast.stmt) -> bool:
        """Collect what a simple statement reads, or what a compound one always evaluates first.

        Returns True for simple statements (they cannot leave the function early).
        """
        if isinstance(statement, ast.If | ast.While):
            self.expression(statement.test)
        elif isinstance(statement, ast.Match):
            self.expression(statement.subject)
        elif isinstance(statement, ast.For | ast.AsyncFor):
            self.expression(statement.iter)
        elif isinstance(statement, _NESTED_SCOPES):
            return True
        elif not isinstance(statement, ast.Try | ast.TryStar):  # a try body may be cut short: skip it
            self.expression(statement)
            return True
        return False


def _certain_reads(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[tuple[int, int]]:
    reads = _CertainReads()
    reads.block(function.body)
    return frozenset(reads.positions)


def _reads_through_call(site: _CallSite, flow: _Flow) -> list[str]:
    """Global names the called function reads on every call and that are only defined in a later cell."""
    first_bind = flow.first_bind
    suspects: dict[str, tuple[int, int]] = {}
    for event in site.defined_in.facts.names:
        name = event.name
        if (
            event.deferred
            and event.kind is NameKind.READ
            and event.line >= site.definition.line
            and first_bind.get(name, -1) > site.position
            and name not in BUILTIN_NAMES
            and name not in flow.parameters
        ):
            suspects.setdefault(name, (event.line, event.column))
    if not suspects or site.defined_in.parsed.tree is None:
        return []
    function = _find_function(site.defined_in.parsed.tree, site.definition)
    if function is None:
        return []
    certain = _certain_reads(function)
    confirmed = {
        event.name
        for event in site.defined_in.facts.names
        if event.deferred and event.name in suspects and (event.line, event.column) in certain
    }
    return sorted(confirmed, key=lambda name: suspects[name])


_NAMESPACE_PROBES = frozenset({"globals", "locals", "dir", "vars"})
_NAME_ERRORS = frozenset({"NameError", "Exception", "BaseException"})


def _enclosing(tree: ast.Module, line: int) -> list[ast.AST]:
    """The compound statements (and ``except`` clauses) of the cell that contain ``line``, outermost first."""
    chain: list[ast.AST] = []
    children: list[ast.AST] = list(tree.body)
    while True:
        node = next((n for n in children if n.lineno <= line <= (n.end_lineno or n.lineno)), None)  # type: ignore[attr-defined]
        if node is None or isinstance(node, _NESTED_SCOPES):
            return chain
        chain.append(node)
        children = []
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, ()):
                children += child.body if isinstance(child, ast.match_case) else [child]


def _probes_namespace(test: ast.expr, name: str) -> bool:
    """``if "df" in globals()``-like tests: the branch runs only when the name exists (or not)."""
    for node in ast.walk(test):
        if isinstance(node, ast.Constant) and node.value == name:
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMESPACE_PROBES:
            return True
    return False


def _catches_name_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    names = [] if kind is None else kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return kind is None or any(isinstance(n, ast.Name) and n.id in _NAME_ERRORS for n in names)


def _read_is_guarded(use: _Use, *, in_loop_matters: bool) -> bool:
    """True when the read may legitimately run without the name: guarded, probed, or a loop's later turn."""
    tree = use.code.parsed.tree
    if tree is None:
        return True
    chain = _enclosing(tree, use.line)
    for index, node in enumerate(chain):
        inner = chain[index + 1] if index + 1 < len(chain) else None
        if isinstance(node, ast.Try | ast.TryStar) and inner in node.body:
            if any(_catches_name_error(handler) for handler in node.handlers):
                return True
        elif isinstance(node, ast.If | ast.While) and _probes_namespace(node.test, use.name):
            return True
        if in_loop_matters and isinstance(node, ast.For | ast.AsyncFor | ast.While):
            return True
    return False


def _direct_uses(flow: _Flow) -> Iterator[_Use]:
    """Reads of names that only a later line of the same cell, or a later cell, defines."""
    for use in flow.uses:
        cells = flow.bind_cells.get(use.name)
        if cells is None:
            continue  # never defined: an undefined name (ruff's F821), not an order problem
        same_cell: list[int] = []
        if cells[0] == use.position:  # a later line of this cell (or ``x += 1`` itself) binds it
            events = [event for event in use.code.facts.names if event.name == use.name]
            updates = {(event.line, event.column) for event in events if event.kind is NameKind.READ}
            same_cell = [  # binds that are not ``x += 1``, which reads ``x`` first
                event.line
                for event in events
                if event.kind is NameKind.BIND and (event.line, event.column) not in updates
            ]
        later = next((cell for cell in cells if cell > use.position), None)
        if (not same_cell and later is None) or _read_is_guarded(use, in_loop_matters=bool(same_cell)):
            continue
        where = f"on line {same_cell[0]} of this cell" if same_cell else "in cell"  # numbered by the rule
        yield _Use(use.name, use.position, use.code, use.line, use.column, where=where)


class UseBeforeDefine(Rule):
    """A name is read before any cell defines it, and a later cell does define it.

    ## What it does
    Follows names through the notebook's code cells in document order, without running them,
    and reports a read of a name that no earlier cell (or earlier line) defines but a later cell
    does. It also follows a call of a function defined above into the function's body: a
    function that reads a global defined only further down fails when it is called before. Names
    bound by the papermill `parameters` cell (see DSQ306), builtins, names a star import or
    `%run` may define, and names mentioned by magics or unparsable cells above are not reported.

    ## Why is this bad?
    The notebook only worked because the cells were run in another order, in a kernel that
    still held the name. Restart & Run All, papermill, CI and every reader running it from the
    top fail with `NameError`.

    ## Example
    ```python
    # cell 1
    df.describe()
    # cell 2
    df = pd.read_csv("data.csv")
    ```

    ## How to fix
    Move the definition above its first use (or the use below the definition):
    ```python
    # cell 1
    df = pd.read_csv("data.csv")
    # cell 2
    df.describe()
    ```
    """

    code = "DSQ103"
    name = "use-before-define"
    summary = "A name is read before the cell that defines it: Restart & Run All fails"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report reads (direct, or through a call) of names first defined in a later cell."""
        flow = _flow(model)
        found = list(_direct_uses(flow))
        for site in flow.calls:
            found += [
                _Use(name, site.position, site.code, site.line, site.column, via=site.function)
                for name in _reads_through_call(site, flow)
            ]
        reported: set[tuple[str, int]] = set()
        for use in sorted(found, key=lambda use: (use.position, use.line, use.column)):
            key = (use.name, use.position)
            if (
                key in reported
                or use.name in flow.parameters
                or (flow.barrier is not None and (use.position, use.line) >= flow.barrier)
                or _may_be_bound_unseen(use.name, (use.position, use.line), flow.opaque)
            ):
                continue
            reported.add(key)
            where = use.where
            if where == "in cell":  # the first later cell that defines it, numbered among all cells
                later = next(cell for cell in flow.bind_cells[use.name] if cell > use.position)
                where = f"in cell {model.code_cells[later].index}"
            subject = f"`{use.via}()` reads `{use.name}`, which is" if use.via else f"`{use.name}` is read here but"
            yield Finding(
                f"{subject} first defined {where} (below); Restart & Run All fails with NameError: move the "
                "definition above this use",
                cell=use.code.index,
                line=use.line,
                column=_column(use.code, use.line, use.column),
            )
