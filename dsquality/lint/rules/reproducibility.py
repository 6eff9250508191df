"""Rules of the reproducibility family (DSQ1xx).

Does the notebook give the same results when it is run again, from the top, by someone else, on
another machine? The rules read the facts collected in the model's one walk of each cell; the few
that need more (DSQ103 following a call into a function body or checking a ``try``, DSQ108 an
``except ImportError``) look at a cell's tree only for the rare candidates the cheap checks leave.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsquality.analysis.facts import CallFact, DefinitionFact, NameKind
from dsquality.analysis.ipython import STATEMENT_LINE_MAGICS
from dsquality.analysis.model import BUILTIN_NAMES, CodeCell, NotebookModel
from dsquality.lint import dependencies
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule

__all__ = [
    "RULES",
    "AbsolutePath",
    "ErrorOutput",
    "InstallInNotebook",
    "MissingKernelspec",
    "NonLinearExecution",
    "SkippedCell",
    "UndeclaredDependency",
    "UnseededRandomness",
    "UseBeforeDefine",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SPACES = re.compile(r"\s+")
_MAX_QUOTE = 80


def _column(code: CodeCell, line: int, column: int) -> int:
    """A column of the cell's source, for a column of its Python translation (``%time x`` loses 6)."""
    return column + code.parsed.python.column_shift.get(line, 0)


def _indent_column(code: CodeCell, line: int) -> int:
    lines = code.cell.lines
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text) - len(text.lstrip()) + 1


def _quote(text: str, limit: int = _MAX_QUOTE) -> str:
    """``text`` on one line, without terminal colours, cut to ``limit`` characters."""
    flat = _SPACES.sub(" ", _ANSI.sub("", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- DSQ101 -----------------------------------------------------------------------------------


class NonLinearExecution(Rule):
    """Execution counts of the code cells do not increase from top to bottom.

    ## What it does
    Compares the saved execution counts (the `[n]` beside each code cell) of the executed code
    cells in document order and reports the first cell whose count is not larger than the count
    of the executed cell above it. Cells that were never run are ignored.

    ## Why is this bad?
    The saved outputs were produced by running cells in some other order, so they may depend on
    state that running the notebook from the top does not recreate. Pimentel et al. found that
    36% of notebooks on GitHub had been executed out of order.

    ## Example
    ```python
    # [2]
    df = load()
    # [1]
    import pandas as pd
    ```

    ## How to fix
    Put the cells in the order they need to run, then restart the kernel and run all cells
    before saving:
    ```python
    # [1]
    import pandas as pd
    # [2]
    df = load()
    ```
    """

    code = "DSQ101"
    name = "non-linear-execution"
    summary = "Execution counts of code cells do not increase top to bottom"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report the first executed cell whose count is not above the previous one."""
        previous: tuple[int, int] | None = None
        for code in model.code_cells:
            count = code.cell.execution_count
            if count is None:
                continue
            if previous is not None and count <= previous[0]:
                yield Finding(
                    f"execution count {count} follows count {previous[0]} of cell {previous[1]}: the cells were run "
                    "out of order, so the saved results may not follow from the code above them; restart the "
                    "kernel and run all cells before saving",
                    cell=code.index,
                )
                return
            previous = (count, code.index)


# --- DSQ102 -----------------------------------------------------------------------------------


def _has_effect(code: CodeCell) -> bool:
    """False for cells that do nothing when run: blank, or only comments."""
    if not code.cell.source.strip():
        return False
    tree = code.parsed.tree
    return not (tree is not None and not tree.body and not code.magics)


class SkippedCell(Rule):
    """A code cell was never run, while cells above and below it were.

    ## What it does
    Reports code cells without an execution count and without outputs that lie between
    executed code cells. Blank cells and cells holding only comments are not reported.

    ## Why is this bad?
    The saved results below the cell were computed without it. Running the notebook from the
    top runs it, and may give different results or fail.

    ## Example
    ```python
    # [1]
    df = load()
    # [ ] never run
    df = df.dropna()
    # [2]
    df.describe()
    ```

    ## How to fix
    Run the notebook from the top (Restart & Run All) and save it, or delete the cell if it is
    not needed:
    ```python
    # [1]
    df = load()
    # [2]
    df = df.dropna()
    # [3]
    df.describe()
    ```
    """

    code = "DSQ102"
    name = "skipped-cell"
    summary = "A code cell was never executed while cells around it were"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report unexecuted code cells between executed ones."""
        cells = model.code_cells
        executed = [index for index, code in enumerate(cells) if code.cell.execution_count is not None]
        if len(executed) < 2:  # noqa: PLR2004 - one before and one after
            return
        previous = executed[0]
        for position in range(executed[0] + 1, executed[-1]):
            code = cells[position]
            if code.cell.execution_count is not None:
                previous = position
                continue
            if code.cell.outputs or not _has_effect(code):
                continue
            following = next(i for i in executed if i > position)
            yield Finding(
                f"this cell was never run, but cell {cells[previous].index} above and cell "
                f"{cells[following].index} below it were: the saved results were computed without it; "
                "run all cells from the top, or delete the cell",
                cell=code.index,
            )


# --- DSQ103 -----------------------------------------------------------------------------------

# Line magics and calls that can define any name in the user namespace.
_NAMESPACE_MAGICS = frozenset({"run", "pylab", "load", "autocall"})
_EXEC_CALLS = frozenset({"exec", "execfile"})


@dataclass(frozen=True, slots=True)
class _Use:
    """A read of ``name`` (directly, or by calling ``via``) before any definition of it."""

    name: str
    position: int  # among code cells
    code: CodeCell
    line: int
    column: int
    via: str | None = None
    where: str = "in cell"  # a later cell, or "on line 4 of this cell"


@dataclass(frozen=True, slots=True)
class _CallSite:
    function: str
    definition: DefinitionFact
    defined_in: CodeCell
    position: int
    code: CodeCell
    line: int
    column: int


@dataclass(slots=True)
class _Flow:
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


# --- DSQ104 -----------------------------------------------------------------------------------


class ErrorOutput(Rule):
    """A saved output is an error.

    ## What it does
    Reports code cells whose saved outputs include an error (an exception raised when the cell
    last ran), quoting the exception.

    ## Why is this bad?
    The notebook failed when it was last run: the results below the error were computed from a
    kernel state the notebook does not produce, or not at all. A reader cannot tell whether the
    error is expected.

    ## Example
    ```python
    df["price"].mean()
    # KeyError: 'price'
    ```

    ## How to fix
    Fix the cause, then restart the kernel and run all cells before saving. If the error is the
    point (a teaching notebook), catch it and print it instead:
    ```python
    try:
        df["price"].mean()
    except KeyError as error:
        print("no price column:", error)
    ```
    """

    code = "DSQ104"
    name = "error-output"
    summary = "A saved output is an error"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report every saved error output."""
        for code in model.code_cells:
            for output in code.cell.outputs:
                if output.get("output_type") != "error":
                    continue
                ename, evalue = output.get("ename"), output.get("evalue")
                error = _quote(str(ename or "error") + (f": {evalue}" if evalue else ""))
                yield Finding(
                    f"the saved output is an error ({error}): the notebook failed when it was last run; fix the "
                    "cause and run all cells again before saving",
                    cell=code.index,
                )


# --- DSQ105 -----------------------------------------------------------------------------------

# Where one user's files live: home directories, mounted volumes, Windows drives and shares,
# ``~/`` (but not ``~/.config``-like dotfiles, which are a convention, not one user's data).
_ABSOLUTE_PATH = re.compile(
    r"""^(?:
        /(?:home|Users|media|mnt|Volumes)/[^/\s.][^/\s]*
      | /root/[^/\s.]
      | [A-Za-z]:[\\/]+[\w$~ .()-]+(?:[\\/]|\.\w{1,5}$)
      | \\\\[\w.$-]+\\[\w.$ -]+
      | ~[\\/][^\s.\\/]
    )""",
    re.VERBOSE,
)
_MAX_PATH_LENGTH = 300


class AbsolutePath(Rule):
    r"""A string literal is an absolute path on one machine.

    ## What it does
    Reports string literals that start with a path under a home directory (`/home/…`,
    `/Users/…`, `/root/…`, `~/…`), a mounted volume (`/mnt/…`, `/media/…`, `/Volumes/…`), a
    Windows drive (`C:\…`, `D:/…`) or a network share (`\\server\share`). System paths such as
    `/dev/null`, `/tmp/…` or `/usr/bin/env`, URLs and `~/.config`-style dotfile locations are fine.

    ## Why is this bad?
    The path exists on the author's machine only: the notebook fails for everyone else, and on
    CI, with `FileNotFoundError`.

    ## Example
    ```python
    df = pd.read_csv("/Users/ana/projects/churn/data/customers.csv")
    ```

    ## How to fix
    Use a path relative to the notebook or the project, or make it a (papermill) parameter:
    ```python
    DATA = Path("data")
    df = pd.read_csv(DATA / "customers.csv")
    ```
    """

    code = "DSQ105"
    name = "absolute-path"
    summary = "A string literal is an absolute local path"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report string constants that are absolute local paths."""
        for code in model.code_cells:
            for string in code.facts.strings:
                value = string.value
                if (
                    len(value) < 3  # noqa: PLR2004 - the shortest is ``~/a``
                    or not (value[0] in "/~\\" or value[1] == ":")
                    or len(value) > _MAX_PATH_LENGTH
                    or "\n" in value
                    or not _ABSOLUTE_PATH.match(value)
                ):
                    continue
                yield Finding(
                    f"`{_quote(value, 60)}` is an absolute path on one machine: the notebook fails elsewhere; use "
                    "a path relative to the notebook or the project, or make it a parameter",
                    cell=code.index,
                    line=string.line,
                    column=_column(code, string.line, string.column),
                )


# --- DSQ106 -----------------------------------------------------------------------------------


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _constant_in(expression: ast.expr | None, values: Iterable[object]) -> bool:
    return isinstance(expression, ast.Constant) and any(expression.value == v for v in values)


def _shuffled(node: ast.Call) -> bool:
    """``shuffle=True`` given: splitters that only shuffle on request."""
    return _constant_in(_keyword(node, "shuffle"), [True])


def _shuffles_by_default(node: ast.Call) -> bool:
    """Shuffles unless ``shuffle`` is given (and we only trust a literal ``True``)."""
    shuffle = _keyword(node, "shuffle")
    return shuffle is None or _constant_in(shuffle, [True])


def _keyword_in(name: str, *values: str | bool) -> Callable[[ast.Call], bool]:
    def condition(node: ast.Call) -> bool:
        return _constant_in(_keyword(node, name), values)

    return condition


_ALWAYS: Callable[[ast.Call], bool] = lambda node: True  # noqa: E731, ARG005
_SAG_SOLVERS = _keyword_in("solver", "sag", "saga", "liblinear")

# scikit-learn names whose result depends on ``random_state`` (sklearn 1.x), and when.
_SKLEARN_RANDOM: dict[str, Callable[[ast.Call], bool]] = {
    # splitters and model selection
    "train_test_split": _shuffles_by_default,
    "KFold": _shuffled,
    "StratifiedKFold": _shuffled,
    "GroupKFold": _shuffled,
    "learning_curve": _shuffled,
    "ShuffleSplit": _ALWAYS,
    "StratifiedShuffleSplit": _ALWAYS,
    "GroupShuffleSplit": _ALWAYS,
    "RepeatedKFold": _ALWAYS,
    "RepeatedStratifiedKFold": _ALWAYS,
    "RandomizedSearchCV": _ALWAYS,
    "HalvingRandomSearchCV": _ALWAYS,
    "permutation_importance": _ALWAYS,
    "resample": _ALWAYS,
    "shuffle": _ALWAYS,
    # trees and ensembles
    **dict.fromkeys(
        (
            "DecisionTreeClassifier",
            "DecisionTreeRegressor",
            "ExtraTreeClassifier",
            "ExtraTreeRegressor",
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
            "GradientBoostingClassifier",
            "GradientBoostingRegressor",
            "HistGradientBoostingClassifier",
            "HistGradientBoostingRegressor",
            "AdaBoostClassifier",
            "AdaBoostRegressor",
            "BaggingClassifier",
            "BaggingRegressor",
            "IsolationForest",
            "RandomTreesEmbedding",
        ),
        _ALWAYS,
    ),
    # clustering, mixtures, embeddings, decompositions, random features
    **dict.fromkeys(
        (
            "KMeans",
            "MiniBatchKMeans",
            "BisectingKMeans",
            "SpectralClustering",
            "GaussianMixture",
            "BayesianGaussianMixture",
            "TSNE",
            "MDS",
            "SpectralEmbedding",
            "FastICA",
            "TruncatedSVD",
            "LatentDirichletAllocation",
            "DictionaryLearning",
            "MiniBatchDictionaryLearning",
            "SparseRandomProjection",
            "GaussianRandomProjection",
            "RBFSampler",
            "Nystroem",
            "BernoulliRBM",
            "MLPClassifier",
            "MLPRegressor",
            "RANSACRegressor",
            "TheilSenRegressor",
        ),
        _ALWAYS,
    ),
    "PCA": _keyword_in("svd_solver", "randomized", "arpack"),
    "KernelPCA": _keyword_in("eigen_solver", "randomized", "arpack"),
    # linear models: only some solvers and options are stochastic
    "SGDClassifier": _shuffles_by_default,
    "SGDRegressor": _shuffles_by_default,
    "SGDOneClassSVM": _shuffles_by_default,
    "Perceptron": _shuffles_by_default,
    "PassiveAggressiveClassifier": _shuffles_by_default,
    "PassiveAggressiveRegressor": _shuffles_by_default,
    "LogisticRegression": _SAG_SOLVERS,
    "LogisticRegressionCV": _SAG_SOLVERS,
    "Ridge": _keyword_in("solver", "sag", "saga"),
    "RidgeClassifier": _keyword_in("solver", "sag", "saga"),
    "Lasso": _keyword_in("selection", "random"),
    "ElasticNet": _keyword_in("selection", "random"),
    "SVC": _keyword_in("probability", True),  # noqa: FBT003
    "NuSVC": _keyword_in("probability", True),  # noqa: FBT003
    # synthetic data sets
    **dict.fromkeys(
        (
            "make_classification",
            "make_regression",
            "make_blobs",
            "make_moons",
            "make_circles",
            "make_s_curve",
            "make_swiss_roll",
            "make_friedman1",
            "make_friedman2",
            "make_friedman3",
            "make_gaussian_quantiles",
            "make_hastie_10_2",
            "make_multilabel_classification",
            "make_sparse_coded_signal",
            "make_sparse_spd_matrix",
            "make_sparse_uncorrelated",
            "make_low_rank_matrix",
            "make_spd_matrix",
            "make_biclusters",
            "make_checkerboard",
        ),
        _ALWAYS,
    ),
}
# Functions whose positional arguments are data: ``random_state`` is keyword-only in every version.
_SKLEARN_DATA_FUNCTIONS = frozenset({
    "train_test_split", "resample", "shuffle", "permutation_importance", "learning_curve",
})  # fmt: skip
# Old scikit-learn versions took ``random_state`` positionally, after at least this many arguments.
_MAX_POSITIONAL = 5

_NUMPY_LEGACY = frozenset({
    "rand", "randn", "randint", "random_integers", "random", "random_sample", "ranf", "sample", "choice",
    "bytes", "shuffle", "permutation", "beta", "binomial", "chisquare", "dirichlet", "exponential", "f",
    "gamma", "geometric", "gumbel", "hypergeometric", "laplace", "logistic", "lognormal", "logseries",
    "multinomial", "multivariate_normal", "negative_binomial", "noncentral_chisquare", "noncentral_f",
    "normal", "pareto", "poisson", "power", "rayleigh", "standard_cauchy", "standard_exponential",
    "standard_gamma", "standard_normal", "standard_t", "triangular", "uniform", "vonmises", "wald",
    "weibull", "zipf",
})  # fmt: skip
_STDLIB_RANDOM = frozenset({
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
    "normalvariate", "triangular", "betavariate", "expovariate", "gammavariate", "lognormvariate",
    "vonmisesvariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes", "binomialvariate",
})  # fmt: skip
_TORCH_RANDOM = frozenset({
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
    "multinomial", "poisson",
})  # fmt: skip
# Generators that seed themselves from the operating system when called without arguments.
_UNSEEDED_CONSTRUCTORS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState", "random.Random"})
# Seeding calls that seed one family only; any other call named like ``*seed*`` (a project's
# ``set_seed()``, ``seed_everything()``) is taken to seed every generator.
_NARROW_SEEDS = {
    "numpy.random.seed": "numpy",
    "numpy.random.set_state": "numpy",
    "random.seed": "random",
    "random.setstate": "random",
    "torch.manual_seed": "torch",
    "torch.random.manual_seed": "torch",
}
_SEEDS_NOTHING_OF_OURS = ("numpy.", "random.", "torch.", "tensorflow.", "jax.", "sklearn.")
_FAMILY_HINTS = {
    "numpy": ("NumPy's global generator", "np.random.seed(0)", "or draw from `rng = np.random.default_rng(0)`"),
    "random": ("Python's global generator", "random.seed(0)", "or draw from `rng = random.Random(0)`"),
    "torch": ("PyTorch's global generator", "torch.manual_seed(0)", "or pass a seeded `generator=`"),
}


# Modules whose calls this rule looks at (``from sklearn.x import y`` resolves to ``sklearn.x.y``).
_RANDOM_MODULES = ("numpy", "random", "sklearn", "scipy", "torch")


@dataclass(frozen=True, slots=True)
class _Call:
    """A call with its callee resolved through the notebook's imports (``None``: not an import)."""

    fact: CallFact
    qualified: str | None
    order: tuple[int, int, int]  # (position among code cells, line, column)
    code: CodeCell


def _record_imports(code: CodeCell, aliases: dict[str, str]) -> None:
    """Update ``aliases`` (bound name -> module or module.attribute) with the cell's bindings, in order."""
    expected: dict[tuple[int, int], list[str]] = {}
    for fact in code.facts.imports:
        queue = expected.setdefault((fact.line, fact.column), [])
        relative = fact.module.startswith(".")
        if fact.is_from:
            queue += ["" if relative else f"{fact.module}.{name}" for name in fact.names if name != "*"]
        else:
            queue.append(fact.module)
    bind = NameKind.BIND
    for event in code.facts.names:
        if event.kind is not bind or not (expected or event.name in aliases):
            continue
        pending = expected.get((event.line, event.column)) if expected else None
        if pending:
            target = pending.pop(0)
            if not target:
                aliases.pop(event.name, None)
            else:
                # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
                aliases[event.name] = event.name if target.split(".", 1)[0] == event.name else target
        elif event.name in aliases:
            del aliases[event.name]  # rebound to something else


def _resolved_calls(model: NotebookModel) -> list[_Call]:
    """Calls resolved through the imports, and calls named like a seed; other calls cannot matter."""
    aliases: dict[str, str] = {}
    calls: list[_Call] = []
    for position, code in enumerate(model.code_cells):
        facts = code.facts
        if facts.imports or aliases:
            _record_imports(code, aliases)
        for call in facts.calls:
            func = call.func
            head, dot, rest = func.partition(".")
            target = aliases.get(head)
            if (target is not None and target.startswith(_RANDOM_MODULES)) or "seed" in func.lower():
                qualified = None if target is None else f"{target}.{rest}" if dot else target
                calls.append(_Call(call, qualified, (position, call.line, call.column), code))
    return calls


def _seed_family(call: _Call) -> str | None:
    """Which generators a call seeds: a family, ``"all"``, or ``None``."""
    fact = call.fact
    name = call.qualified or fact.func
    family = _NARROW_SEEDS.get(name)
    if family is not None:
        return family if fact.n_args or fact.keywords else None  # ``np.random.seed()`` reseeds randomly
    last = name.rsplit(".", 1)[-1].lower()
    if "seed" not in last:
        return None
    if last == "set_random_seed" and "keras" in name:  # keras seeds Python, NumPy and TensorFlow
        return "all"
    if call.qualified is not None and call.qualified.startswith(_SEEDS_NOTHING_OF_OURS):
        return None
    return "all"


def _deferred_positions(code: CodeCell) -> set[tuple[int, int]]:
    return {(e.line, e.column) for e in code.facts.names if e.deferred and e.kind is NameKind.READ}


def _sklearn_is_random(call: _Call) -> bool:
    qualified = call.qualified
    if qualified is None or not qualified.startswith("sklearn."):
        return False
    last = qualified.rsplit(".", 1)[-1]
    condition = _SKLEARN_RANDOM.get(last)
    fact = call.fact
    node = fact.node
    if condition is None or "random_state" in fact.keywords:
        return False
    if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
        return False  # ``**params`` may hold random_state
    if last not in _SKLEARN_DATA_FUNCTIONS and fact.n_args >= _MAX_POSITIONAL:
        return False
    return condition(node)


def _family(call: _Call) -> str | None:
    """The global generator a call draws from without a seed of its own, if any."""
    qualified = call.qualified
    if qualified is None:
        return None
    module, _, function = qualified.rpartition(".")
    if module == "numpy.random" and function in _NUMPY_LEGACY:
        return "numpy"
    if module.startswith("scipy.stats.") and function == "rvs" and "random_state" not in call.fact.keywords:
        return "numpy"
    if module == "random" and function in _STDLIB_RANDOM:
        return "random"
    if module == "torch" and function in _TORCH_RANDOM and "generator" not in call.fact.keywords:
        return "torch"
    return None


def _sets_random_state_later(model: NotebookModel) -> bool:
    """``estimator.set_params(random_state=…)`` anywhere: seeds we cannot attribute to one call."""
    return any(
        call.func.endswith("set_params") and "random_state" in call.keywords
        for code in model.code_cells
        for call in code.facts.calls
    )


class UnseededRandomness(Rule):
    """A stochastic call without a seed.

    ## What it does
    Reports randomness whose seed the notebook does not fix:

    - a scikit-learn estimator, splitter or function that uses `random_state` when it is called
      without one (`train_test_split`, `RandomForestClassifier`, `KMeans`, `KFold(shuffle=True)`,
      `LogisticRegression(solver="saga")`…), unless `np.random.seed(…)` ran before it;
    - the first draw from NumPy's, Python's or PyTorch's global generator (`np.random.rand`,
      `random.choice`, `torch.randn`…) with no `np.random.seed(…)`, `random.seed(…)` or
      `torch.manual_seed(…)` above it (a project helper named like `set_seed(…)` counts too);
    - a generator created without a seed: `np.random.default_rng()`, `np.random.RandomState()`,
      `random.Random()`.

    Names are resolved through the notebook's imports: a class of your own named `KMeans` is not
    scikit-learn's.

    ## Why is this bad?
    Every run gives different splits, models and numbers, so nobody (including you, tomorrow)
    can reproduce the figures the notebook reports, and differences between two runs cannot be
    told apart from the effect of a change.

    ## Example
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model = RandomForestClassifier(n_estimators=200).fit(X_train, y_train)
    noise = np.random.normal(size=100)
    ```

    ## How to fix
    Pass a fixed `random_state`, and draw from a seeded generator:
    ```python
    SEED = 0
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
    model = RandomForestClassifier(n_estimators=200, random_state=SEED).fit(X_train, y_train)
    rng = np.random.default_rng(SEED)
    noise = rng.normal(size=100)
    ```
    """

    code = "DSQ106"
    name = "unseeded-randomness"
    summary = "A stochastic call without a seed"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report unseeded scikit-learn calls, global-generator draws and generators."""
        calls = _resolved_calls(model)
        first_seed: dict[str, tuple[int, int, int]] = {}
        for call in calls:
            family = _seed_family(call)
            if family is not None:
                first_seed.setdefault(family, call.order)
        deferred: dict[int, set[tuple[int, int]]] = {}

        def seeded(call: _Call, family: str) -> bool:
            seeds = [first_seed[f] for f in (family, "all") if f in first_seed]
            if not seeds:
                return False
            position = call.order[0]
            if position not in deferred:
                deferred[position] = _deferred_positions(call.code)
            if (call.fact.line, call.fact.column) in deferred[position]:
                return True  # inside a function: it may be called after the seed
            return min(seeds) < call.order

        unseeded: dict[str, list[_Call]] = {}
        findings: list[tuple[tuple[int, int, int], Finding]] = []
        sklearn: list[_Call] = []
        for call in calls:
            family = _family(call)
            if family is not None:
                if not seeded(call, family):
                    unseeded.setdefault(family, []).append(call)
            elif call.qualified in _UNSEEDED_CONSTRUCTORS:
                if not call.fact.n_args and not call.fact.keywords:
                    findings.append((call.order, self._finding(call, self._constructor_message(call))))
            elif _sklearn_is_random(call) and not seeded(call, "numpy"):
                sklearn.append(call)
        if sklearn and not _sets_random_state_later(model):
            findings += [(call.order, self._finding(call, self._sklearn_message(call))) for call in sklearn]
        for family, draws in unseeded.items():
            findings.append((draws[0].order, self._finding(draws[0], self._draw_message(family, draws))))
        for _, finding in sorted(findings, key=lambda item: item[0]):
            yield finding

    @staticmethod
    def _finding(call: _Call, message: str) -> Finding:
        line = call.fact.line
        return Finding(message, cell=call.code.index, line=line, column=_column(call.code, line, call.fact.column))

    @staticmethod
    def _sklearn_message(call: _Call) -> str:
        return (
            f"`{call.fact.func}()` is called without `random_state`, so its result changes from run to run: pass "
            "`random_state=0` (or any fixed number), or call `np.random.seed(0)` before it"
        )

    @staticmethod
    def _constructor_message(call: _Call) -> str:
        return (
            f"`{call.fact.func}()` creates a generator without a seed, so every run draws different numbers: "
            f"pass one, e.g. `{call.fact.func}(0)`"
        )

    @staticmethod
    def _draw_message(family: str, draws: list[_Call]) -> str:
        source, seed, alternative = _FAMILY_HINTS[family]
        more = len(draws) - 1
        following = f" ({more} more unseeded call{'s' if more > 1 else ''} follow{'' if more > 1 else 's'})"
        return (
            f"`{draws[0].fact.func}()` draws from {source}, which nothing seeds before this call"
            f"{following if more else ''}: results change from run to run; call `{seed}` before it, {alternative}"
        )


# --- DSQ107 -----------------------------------------------------------------------------------

_INSTALL = re.compile(
    r"""^\s*(?:sudo\s+(?:-\S+\s+)*)?
    (?:
        \S+\s+(?:-\S+\s+)*-m\s+pip        # python -m pip, {sys.executable} -m pip
      | pip[\d.]*                        # pip, pip3, pip3.11
      | uv\s+pip
      | conda | mamba | micromamba
    )
    \s+(?:-\S+\s+)*install\b(?P<arguments>.*)$""",
    re.VERBOSE,
)
_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
_NOT_DEPENDENCIES = frozenset({"pip", "setuptools", "wheel", "uv"})


def _installs_packages(arguments: str) -> bool:
    """False for installs of requirement files or the project itself (``-r …``, ``-e .``) and of pip."""
    tokens = arguments.split()
    if any(token in {"-r", "--requirement"} or token.startswith(("-r", "--requirement=")) for token in tokens):
        return False
    packages = [token for token in tokens if not token.startswith("-")]
    local = [token for token in packages if token.startswith((".", "/", "~")) or token.endswith((".whl", ".tar.gz"))]
    return any(
        token not in local and token.strip("'\"").lower() not in _NOT_DEPENDENCIES and not token.startswith("$")
        for token in packages
    )


class InstallInNotebook(Rule):
    """A cell installs packages (`!pip install`, `%pip install`, `!conda install`…).

    ## What it does
    Reports `pip`, `python -m pip`, `uv pip`, `conda`, `mamba` and `micromamba` installs run from
    the notebook, as `!` shell lines, `%pip`/`%conda` magics, or in `%%bash` cells. Installs of
    requirement files (`-r requirements.txt`) or of the project itself (`-e .`) are fine.

    ## Why is this bad?
    The dependencies are declared nowhere a tool can read them, they change the environment of
    whoever runs the notebook, and usually without a pinned version, so two runs a month apart
    use different library versions.

    ## Example
    ```python
    %pip install xgboost
    import xgboost
    ```

    ## How to fix
    Declare the package in the project's dependencies (`requirements.txt`, `pyproject.toml` or
    `environment.yml`), install the environment before starting Jupyter, and delete the line:
    ```python
    # requirements.txt: xgboost==2.1.1
    import xgboost
    ```
    """

    code = "DSQ107"
    name = "install-in-notebook"
    summary = "A cell installs packages (!pip install, %pip install, !conda install)"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report install commands in magics, shell lines and shell cells."""
        for code in model.code_cells:
            magics = code.magics
            if not magics:
                continue
            if magics[0].kind == "cell" and magics[0].name in _SHELL_CELL_MAGICS:
                lines = list(enumerate(code.cell.lines, start=1))[magics[0].line :]
                commands = [(number, text) for number, text in lines if "install" in text]
            else:
                commands = [
                    (magic.line, magic.text.lstrip("!%"))
                    for magic in magics
                    if magic.kind in {"shell", "line"} and "install" in magic.text
                ]
            for line, command in commands:
                match = _INSTALL.match(command)
                if match is None or not _installs_packages(match["arguments"]):
                    continue
                yield Finding(
                    f"`{_quote(command, 60)}` installs packages from inside the notebook: declare them in the "
                    "project's dependencies (requirements.txt, pyproject.toml, environment.yml) and install "
                    "the environment before running",
                    cell=code.index,
                    line=line,
                    column=_indent_column(code, line),
                )


# --- DSQ108 -----------------------------------------------------------------------------------

_SYS_PATH_CALLS = frozenset({"sys.path.append", "sys.path.insert", "site.addsitedir"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names)


def _guarded(tree: ast.Module | None, line: int) -> bool:
    """True when the import at ``line`` sits in a ``try`` whose handler catches ImportError."""
    statements: list[ast.stmt] = list(tree.body) if tree is not None else []
    while statements:  # statements only: expressions cannot hold a try
        node = statements.pop()
        if not node.lineno <= line <= (node.end_lineno or node.lineno):
            continue
        if (
            isinstance(node, ast.Try | ast.TryStar)
            and node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.lineno)
            and any(_catches_import_error(handler) for handler in node.handlers)
        ):
            return True
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, ()):
                statements.extend(child.body if isinstance(child, ast.ExceptHandler | ast.match_case) else [child])
    return False


@dataclass(frozen=True, slots=True)
class _LocalModules:
    """Where the notebook's own modules may come from."""

    directories: tuple[Path, ...]
    written: frozenset[str]  # modules the notebook writes itself (``%%writefile helpers.py``)
    unknown: bool  # the notebook extends ``sys.path`` with something we cannot read

    def has(self, top: str) -> bool:
        return top in self.written or any(
            (directory / f"{top}.py").is_file() or (directory / top).is_dir() for directory in self.directories
        )


def _local_modules(model: NotebookModel, context: LintContext) -> _LocalModules:
    notebook_dir = model.notebook.path.parent
    directories = [notebook_dir]
    if context.project_root is not None:
        directories += [context.project_root, context.project_root / "src"]
    written: set[str] = set()
    unknown = False
    for code in model.code_cells:
        for call in code.facts.calls:
            if call.func in _SYS_PATH_CALLS:
                argument = call.node.args[-1] if call.node.args else None
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    directories.append(notebook_dir / Path(argument.value).expanduser())
                else:
                    unknown = True
        for magic in code.magics:
            if magic.kind == "cell" and magic.name in {"writefile", "file"}:
                target = magic.text.split()[-1] if len(magic.text.split()) > 1 else ""
                if target.endswith(".py"):
                    written.add(Path(target).stem)
    return _LocalModules(tuple(directories), frozenset(written), unknown)


@functools.lru_cache(maxsize=16)
def _dependency_file_names(root: Path, stamp: tuple[tuple[str, int], ...]) -> str:  # noqa: ARG001 - cache key
    declared = dependencies.read_dependencies(root)
    names = []
    for path in declared.files if declared is not None else ():
        try:
            names.append(path.relative_to(root).as_posix())
        except ValueError:  # a file included from outside the project
            names.append(path.as_posix())
    return ", ".join(names) or "the project's dependency files"


def _files_read(root: Path | None) -> str:
    """The dependency files the declared names come from, for messages (read again only when they change)."""
    if root is None:
        return "the project's dependency files"
    try:
        stamp = tuple((path.name, path.stat().st_mtime_ns) for path in dependencies.dependency_files(root))
    except OSError:
        return "the project's dependency files"
    return _dependency_file_names(root, stamp)


class UndeclaredDependency(Rule):
    """An imported third-party module is not declared in the project's dependency files.

    ## What it does
    When the project has dependency files (`pyproject.toml`, `requirements*.txt`,
    `environment.yml`, `setup.cfg`, `Pipfile`), reports the first import of each third-party
    module that none of them declares. Import names are mapped to distribution names
    (`sklearn` is `scikit-learn`, `cv2` is `opencv-python`…). The standard library, IPython,
    modules next to the notebook or in the project, relative imports and imports guarded by
    `try`/`except ImportError` are not reported. Without dependency files the rule is silent.

    ## Why is this bad?
    Whoever installs the project's environment gets `ModuleNotFoundError` at this cell: the
    notebook only runs in the author's environment.

    ## Example
    ```python
    # requirements.txt: pandas
    import pandas as pd
    import seaborn as sns
    ```

    ## How to fix
    Add the distribution to the dependency file:
    ```python
    # requirements.txt: pandas, seaborn
    import pandas as pd
    import seaborn as sns
    ```
    """

    code = "DSQ108"
    name = "undeclared-dependency"
    summary = "An imported third-party module is not declared in the project's dependency files"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report the first import of each undeclared third-party module."""
        declared = context.declared_dependencies
        if declared is None:
            return
        seen: set[str] = set()
        local: _LocalModules | None = None
        for code in model.code_cells:
            for fact in code.facts.imports:
                module = fact.module
                if (
                    not module
                    or module.startswith(".")
                    or dependencies.is_stdlib_module(module)
                    or dependencies.is_platform_module(module)
                ):
                    continue
                candidates = dependencies.import_distributions(module, fact.names)
                if candidates[0] in seen:
                    continue
                if _is_declared(module, candidates, declared):
                    seen.add(candidates[0])
                    continue
                local = local or _local_modules(model, context)
                top = module.split(".", 1)[0]
                if local.has(top) or (local.unknown and not dependencies.is_known_module(module)):
                    seen.add(candidates[0])
                    continue
                if _guarded(code.parsed.tree, fact.line):
                    continue
                seen.add(candidates[0])
                shown = module if dependencies.namespace_prefix(module) else top
                yield Finding(
                    f"`{shown}` is imported but not declared in {_files_read(context.project_root)}: add "
                    f"`{candidates[0]}` to the project's dependencies",
                    cell=code.index,
                    line=fact.line,
                    column=_column(code, fact.line, fact.column),
                )


def _is_declared(module: str, candidates: tuple[str, ...], declared: frozenset[str]) -> bool:
    if dependencies.normalize_name(module.split(".", 1)[0]) in declared:
        return True
    if any(candidate in declared for candidate in candidates):
        return True
    prefix = dependencies.namespace_prefix(module)
    return prefix is not None and any(name.startswith(prefix) for name in declared)


# --- DSQ109 -----------------------------------------------------------------------------------


def _named(metadata: Mapping[str, Any], key: str) -> bool:
    value = metadata.get(key)
    return isinstance(value, dict) and isinstance(value.get("name"), str) and bool(value["name"])


class MissingKernelspec(Rule):
    """The notebook has no kernelspec metadata.

    ## What it does
    Reports notebooks whose metadata has no `kernelspec` naming a kernel, and says whether
    `language_info` is missing too.

    ## Why is this bad?
    Jupyter, papermill and CI cannot tell which kernel (and so which language and environment)
    runs the notebook: they guess, or ask. Notebooks written by scripts or converted from other
    formats often lack it.

    ## Example
    ```python
    # notebook metadata
    {"metadata": {}}
    ```

    ## How to fix
    Open the notebook in Jupyter, select the kernel and save, or set it explicitly:
    ```python
    {"metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    ```
    """

    code = "DSQ109"
    name = "missing-kernelspec"
    summary = "No kernelspec / language_info metadata"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report a notebook without a named kernelspec."""
        metadata = model.notebook.metadata
        if _named(metadata, "kernelspec"):
            return
        also = " or language_info" if not _named(metadata, "language_info") else ""
        yield Finding(
            f"the notebook metadata has no kernelspec{also}: Jupyter, papermill and CI cannot tell which kernel "
            "runs it; select a kernel in Jupyter and save the notebook"
        )


RULES: tuple[type[Rule], ...] = (
    NonLinearExecution,
    SkippedCell,
    UseBeforeDefine,
    ErrorOutput,
    AbsolutePath,
    UnseededRandomness,
    InstallInNotebook,
    UndeclaredDependency,
    MissingKernelspec,
)
