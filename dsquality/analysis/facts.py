"""Everything the rules need from a cell's AST, gathered in one walk.

Walking a tree in Python costs about a quarter of parsing it, so the linter walks each cell once
and rules read these facts instead of walking again. Name events come in evaluation order
(``x = x + 1`` reads ``x`` before binding it) and respect scopes: names local to a function,
lambda, comprehension or class body are not module-level names. Reads inside a function body
are *deferred*: they happen when the function is called, not when the cell runs.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dsquality.fastnew import maker

__all__ = ["CallFact", "CellFacts", "DefinitionFact", "ImportFact", "NameEvent", "NameKind", "StringFact", "collect"]


class NameKind(enum.Enum):
    """What happens to a module-level name at one point of the cell."""

    READ = "read"
    BIND = "bind"
    STAR_IMPORT = "star-import"  # ``from m import *``: any name may be bound from here on


# Plain records are named tuples: every ``dsq lint`` imports this module, and a named tuple costs
# about a fifth of a dataclass to create. Made for every name and string of every cell, they are
# also quicker to make than a dataclass, even through ``maker``; reading a field is slower, and
# over a lint run the two about cancel out.
class NameEvent(NamedTuple):
    """A module-level name read or bound at a 1-based line and column of the cell."""

    name: str
    kind: NameKind
    line: int
    column: int
    deferred: bool = False  # inside a function body: happens when the function runs


class ImportFact(NamedTuple):
    """``import a.b as c`` or ``from a import b``: the module, what it binds, where."""

    module: str  # "a.b" (relative imports keep their dots: ".util")
    names: tuple[str, ...]  # imported names for ``from`` imports; () for ``import``
    line: int
    column: int
    is_from: bool


# A dataclass: its node takes no part in comparisons.
@dataclass(frozen=True, slots=True)
class CallFact:
    """A call whose callee is a dotted name: ``np.random.seed(0)`` has ``func="np.random.seed"``."""

    func: str
    keywords: frozenset[str]
    n_args: int
    line: int
    column: int
    node: ast.Call = field(compare=False, repr=False)


class StringFact(NamedTuple):
    """A string constant (not a docstring) at a 1-based line and column."""

    value: str
    line: int
    column: int
    assigned_to: str | None = None  # the target name of ``name = "literal"``


class DefinitionFact(NamedTuple):
    """A function or class defined at module level (or a method, with ``parent`` set)."""

    name: str
    kind: str  # "function" or "class"
    line: int
    column: int
    fully_typed: bool  # functions: every parameter and the return annotated
    parent: str | None = None


@dataclass(slots=True)
class CellFacts:
    """Facts about one cell, in source order."""

    names: list[NameEvent] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    strings: list[StringFact] = field(default_factory=list)
    definitions: list[DefinitionFact] = field(default_factory=list)


# One for every call of every cell: made at half the dataclass's cost.
_call_fact = maker(CallFact)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name; ``None`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def collect(tree: ast.Module) -> CellFacts:
    """Walk ``tree`` once and return its facts."""
    collector = _Collector()
    collector.visit_body(tree.body)
    return collector.facts


def _is_fully_typed(node: ast.FunctionDef | ast.AsyncFunctionDef, *, is_method: bool) -> bool:
    arguments = node.args
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if is_method and params and params[0].arg in {"self", "cls"}:
        params = params[1:]
    params += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    return node.returns is not None and all(param.annotation is not None for param in params)


# Fields never worth a visit: an expression context (``Load``/``Store``/``Del``) or an operator
# has no fields, and the collector has nothing to do for one.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
_LOAD, _STORE, _NAME, _ATTRIBUTE = ast.Load, ast.Store, ast.Name, ast.Attribute
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type) -> tuple[str, ...]:
    """The fields of ``node_type`` that may hold nodes to visit, in ``_fields`` order."""
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        names = getattr(node_type, "_fields", ())  # none for what is not a node
        fields = _CHILD_FIELDS[node_type] = tuple(name for name in names if name not in _LEAF_FIELDS)
    return fields


# What the walk of a function body for its locals does not enter: constants, nested scopes
# (lambdas, comprehensions) and the strings and Nones that some lists of nodes hold.
_NOT_WALKED = frozenset(
    {str, type(None), ast.Constant, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp}
)
_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def _bound_locally(body: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """Names a function body binds (its locals) and names it declares ``global``.

    ``nonlocal`` names are neither: they belong to an enclosing function. (One walk over the
    body, dispatching on the exact node type: it runs for every function of every cell.)
    """
    local: set[str] = set()
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    stack: list[Any] = list(body)
    pop, push, push_all = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is _NAME:
            if isinstance(node.ctx, _STORE):
                local.add(node.id)
            continue  # a name holds nothing else
        if kind in _NOT_WALKED:
            continue
        if kind in _DEFINITIONS:
            local.add(node.name)
            continue  # a nested scope: its own locals are not ours
        if kind is ast.Global:
            declared_global.update(node.names)
        elif kind is ast.Nonlocal:
            declared_nonlocal.update(node.names)
        elif kind is ast.Import or kind is ast.ImportFrom:
            local.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")
        elif kind is ast.ExceptHandler and node.name:
            local.add(node.name)
        for name in _CHILD_FIELDS.get(kind) or _child_fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                push_all(value)  # strings and Nones among them are skipped when popped
            elif isinstance(value, ast.AST):
                push(value)
    return local - declared_global - declared_nonlocal, declared_global


_FUNCTION, _CLASS, _COMPREHENSION = "function", "class", "comprehension"
_NO_KEYWORDS: frozenset[str] = frozenset()
_READ, _BIND = NameKind.READ, NameKind.BIND

_Visit = Callable[["_Collector", Any], None]


class _Visitors(dict[type, _Visit]):
    """The collector's method for each node type, as :class:`ast.NodeVisitor` would pick it.

    A dictionary lookup instead of NodeVisitor's ``getattr`` by name on every node.
    """

    def __missing__(self, node_type: type) -> _Visit:
        visit: _Visit = getattr(_Collector, "visit_" + node_type.__name__, _Collector.generic_visit)
        self[node_type] = visit
        return visit


_VISITORS = _Visitors()


class _Collector:
    """One walk over a cell's AST, in evaluation order (see the module docstring).

    Equivalent to an :class:`ast.NodeVisitor` (same methods, same order), with a faster dispatch
    and dedicated methods for the most common expression nodes.
    """

    def __init__(self) -> None:
        self.facts = CellFacts()
        self.names = self.facts.names
        self.scopes: list[set[str]] = []  # local names of enclosing function/class/comprehension scopes
        self.scope_kinds: list[str] = []  # _FUNCTION, _CLASS or _COMPREHENSION, parallel to scopes
        self.function_depth = 0
        self.class_names: list[str] = []
        self.last_string: ast.Constant | None = None  # the node of the last string fact

    def visit(self, node: ast.AST) -> None:
        _VISITORS[type(node)](self, node)

    def generic_visit(self, node: ast.AST) -> None:
        visitors = _VISITORS
        for name in _child_fields(type(node)):
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visitors[type(item)](self, item)
            elif isinstance(value, ast.AST):
                visitors[type(value)](self, value)

    # --- names ---------------------------------------------------------------------------------
    def _is_local(self, name: str) -> bool:
        # A class body's names are visible in the class body only, not in its methods or
        # comprehensions (Python's scoping rule).
        scopes = self.scopes
        if not scopes:
            return False
        if name in scopes[-1]:
            return True
        if len(scopes) == 1:  # the usual case: directly in a function
            return False
        kinds = self.scope_kinds
        return any(kinds[index] != _CLASS and name in scopes[index] for index in range(len(scopes) - 2, -1, -1))

    def _push_scope(self, names: set[str], kind: str) -> None:
        self.scopes.append(names)
        self.scope_kinds.append(kind)

    def _pop_scope(self) -> None:
        self.scopes.pop()
        self.scope_kinds.pop()

    def read(self, name: str, node: ast.expr | ast.stmt | ast.arg) -> None:
        if not self.scopes or not self._is_local(name):
            self.names.append(NameEvent(name, _READ, node.lineno, node.col_offset + 1, self.function_depth > 0))

    def bind(self, name: str, node: ast.AST, *, force_global: bool = False) -> None:
        if self.scopes and not force_global:
            self.scopes[-1].add(name)
            return
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        self.names.append(NameEvent(name, _BIND, line, column, self.function_depth > 0))

    def visit_Name(self, node: ast.Name) -> None:
        ctx = node.ctx
        if isinstance(ctx, _LOAD):
            if not self.scopes or not self._is_local(node.id):
                self.names.append(NameEvent(node.id, _READ, node.lineno, node.col_offset + 1, self.function_depth > 0))
        elif isinstance(ctx, _STORE):
            self.bind(node.id, node)

    # --- statements in evaluation order ---------------------------------------------------------
    def visit_body(self, body: list[ast.stmt]) -> None:
        visitors = _VISITORS
        for statement in body:
            visitors[type(statement)](self, statement)

    def visit_Assign(self, node: ast.Assign) -> None:
        visitors, value = _VISITORS, node.value
        visitors[type(value)](self, value)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self._assigned_string(value, node.targets[0])
        for target in node.targets:
            visitors[type(target)](self, target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # Python assigns first, then evaluates the annotation (not at all inside a function).
        if node.value is not None:
            self.visit(node.value)
            self._assigned_string(node.value, node.target)
            self.visit(node.target)
        if self.function_depth == 0:
            self.visit(node.annotation)

    def _assigned_string(self, value: ast.expr, target: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            name = target.id if isinstance(target, ast.Name) else dotted_name(target)
            self._string(value.value, value, assigned_to=name)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.read(node.target.id, node.target)
            self.visit(node.value)
            self.bind(node.target.id, node.target)
        else:
            self.visit(node.target)
            self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # In a comprehension, ``:=`` binds in the enclosing function or module scope (PEP 572).
        index = len(self.scopes) - 1
        while index >= 0 and self.scope_kinds[index] == _COMPREHENSION:
            index -= 1
        if index >= 0:
            self.scopes[index].add(node.target.id)
        else:
            self.bind(node.target.id, node.target, force_global=True)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self.visit_body(node.body)
        self.visit_body(node.orelse)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.facts.imports.append(ImportFact(alias.name, (), node.lineno, node.col_offset + 1, is_from=False))
            self.bind((alias.asname or alias.name).split(".")[0], node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        names = tuple(alias.name for alias in node.names)
        self.facts.imports.append(ImportFact(module, names, node.lineno, node.col_offset + 1, is_from=True))
        for alias in node.names:
            if alias.name == "*":
                self.facts.names.append(NameEvent("*", NameKind.STAR_IMPORT, node.lineno, node.col_offset + 1))
            else:
                self.bind(alias.asname or alias.name, node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, node)
        self.visit_body(node.body)

    def visit_Global(self, node: ast.Global) -> None:
        pass

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return  # a docstring or a bare string: not data
        _VISITORS[type(value)](self, value)

    # --- definitions and scopes ----------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        arguments = node.args
        for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
            self.visit(default)
        if self.function_depth == 0:
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
            for arg in every:
                if arg is not None and arg.annotation is not None:
                    self.visit(arg.annotation)
            if node.returns is not None:
                self.visit(node.returns)
        parent = self.class_names[-1] if self.class_names and self.function_depth == 0 else None
        if self.function_depth == 0:
            typed = _is_fully_typed(node, is_method=parent is not None)
            self.facts.definitions.append(
                DefinitionFact(node.name, "function", node.lineno, node.col_offset + 1, typed, parent)
            )
        self.bind(node.name, node)
        local, declared_global = _bound_locally(node.body)
        params = {arg.arg for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        params |= {arg.arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None}
        # A function that assigns a declared global defines it when called; counting it as bound
        # at the definition keeps use-before-define precise (no finding we cannot prove).
        for name in sorted(declared_global):
            self.bind(name, node, force_global=True)
        self._push_scope(local | params, _FUNCTION)
        self.function_depth += 1
        self.visit_body(node.body)
        self.function_depth -= 1
        self._pop_scope()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        arguments = node.args
        for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
            self.visit(default)
        params = {arg.arg for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        params |= {arg.arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None}
        self._push_scope(params, _FUNCTION)
        self.function_depth += 1
        self.visit(node.body)
        self.function_depth -= 1
        self._pop_scope()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expression)
        if self.function_depth == 0:
            parent = self.class_names[-1] if self.class_names else None  # a class nested in a class
            self.facts.definitions.append(
                DefinitionFact(node.name, "class", node.lineno, node.col_offset + 1, fully_typed=True, parent=parent)
            )
        self._push_scope(set(), _CLASS)  # the class body's own names
        self.class_names.append(node.name)
        self.visit_body(node.body)
        self.class_names.pop()
        self._pop_scope()
        self.bind(node.name, node)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        self._push_scope(set(), _COMPREHENSION)
        for index, generator in enumerate(generators):
            if index:
                self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self._pop_scope()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name, node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name, node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self.bind(node.rest, node)

    # --- expressions ---------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> None:
        # ``a + b + c + ...`` nests to the left, one level per operator: walk the chain in a loop,
        # so a long one (hundreds of terms are valid Python) cannot exhaust the recursion limit.
        operands: list[ast.expr] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            operands.append(left.right)
            left = left.left
        self.visit(left)
        for operand in reversed(operands):
            self.visit(operand)

    # --- calls and strings ---------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        callee = node.func
        if type(callee) is _NAME:
            func: str | None = callee.id
        elif type(callee) is _ATTRIBUTE and type(callee.value) is _NAME:  # the usual ``module.function``
            func = f"{callee.value.id}.{callee.attr}"
        else:
            func = dotted_name(callee)
        if func is not None:
            keywords = frozenset(k.arg for k in node.keywords if k.arg is not None) if node.keywords else _NO_KEYWORDS
            self.facts.calls.append(_call_fact(func, keywords, len(node.args), node.lineno, node.col_offset + 1, node))
        # The fields in order, as generic_visit visits them: func, args, keywords.
        visitors = _VISITORS
        visitors[type(callee)](self, callee)
        for argument in node.args:
            visitors[type(argument)](self, argument)
        for keyword in node.keywords:
            value = keyword.value
            visitors[type(value)](self, value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._string(node.value, node)

    # The most common nodes without facts of their own: their fields in order, as generic_visit
    # visits them, less contexts and operators.
    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        _VISITORS[type(value)](self, value)

    def visit_keyword(self, node: ast.keyword) -> None:
        value = node.value
        _VISITORS[type(value)](self, value)

    def visit_Starred(self, node: ast.Starred) -> None:
        value = node.value
        _VISITORS[type(value)](self, value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value, index = node.value, node.slice
        _VISITORS[type(value)](self, value)
        _VISITORS[type(index)](self, index)

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> None:
        visitors = _VISITORS
        for element in node.elts:
            visitors[type(element)](self, element)

    visit_List = visit_Tuple

    def visit_Compare(self, node: ast.Compare) -> None:
        visitors, left = _VISITORS, node.left
        visitors[type(left)](self, left)
        for comparator in node.comparators:
            visitors[type(comparator)](self, comparator)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        operand = node.operand
        _VISITORS[type(operand)](self, operand)

    def _string(self, value: str, node: ast.Constant, *, assigned_to: str | None = None) -> None:
        strings = self.facts.strings
        # The same node again (``name = "literal"`` is seen as a constant first): keep the richer
        # fact. Compare nodes, not positions: before Python 3.12 every literal part of an f-string
        # has the position of the whole f-string.
        if node is self.last_string:
            if assigned_to is not None:
                strings[-1] = StringFact(value, strings[-1].line, strings[-1].column, assigned_to)
            return
        self.last_string = node
        strings.append(StringFact(value, node.lineno, node.col_offset + 1, assigned_to))
