"""Where a notebook's data goes: a dataflow over its cells for the leakage rules (DSQ5xx).

One walk over the top-level statements of every code cell, in document order (the order of
Restart & Run All), evaluates each expression to an abstract :class:`Value`: which part of the
rows it holds (:class:`Label`), which leaks it carries (a stateful fit or an oversampling on rows
not yet split), which estimator object it is, which test scores flowed into it, which columns it
was read from. Statements record :class:`Event` objects the rules read: splits, fits, uses of
fitted estimators, metrics, cross-validations and selections of a best score.

Labels come from what the code does, never from names alone: the outputs of ``train_test_split``
by position (of rows, or of row positions like ``df.index``), the fold indices of ``KFold.split``
(or of iterating an old-style ``KFold``), row cuts (``df[:800]``, ``df.head(800)``). Data that
carries no label is *unsplit*: upstream of any split.

Functions defined in the notebook that fit, score or split are followed at each call, their
parameters bound to the arguments' values (see :meth:`_Walker.inline`); other functions' bodies are
not. A cell that does not parse (Python 2's ``print x``) keeps the statements that parse alone.

The walk runs only for notebooks that import a machine-learning library (see
:data:`~dsquality.analysis.ml_knowledge.ML_MODULES`), and at most once per notebook model.
"""

from __future__ import annotations

import ast
import enum
import itertools
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dsquality.analysis.facts import NameKind, dotted_name
from dsquality.analysis.ml_knowledge import (
    AGGREGATE_METHODS,
    CROSS_VALIDATION_FUNCTIONS,
    CUT_METHODS,
    DEEP_LEARNING_MODULES,
    ML_MODULES,
    PREDICT_METHODS,
    SCORE_METHODS,
    SELECTION_FUNCTIONS,
    SPLIT_FUNCTIONS,
    STATEFUL_FUNCTIONS,
    SUPERVISED_METRICS,
    Kind,
    estimator_kind,
)
from dsquality.analysis.model import CodeCell, NotebookModel

__all__ = [
    "CrossValidation",
    "Dataflow",
    "Derived",
    "Estimator",
    "Fit",
    "Label",
    "Leak",
    "LeakKind",
    "Metric",
    "Order",
    "Score",
    "Selection",
    "Split",
    "Use",
    "Value",
    "analyse",
    "imports_ml",
]


class Label(enum.Enum):
    """Which rows a value holds. No label at all means UNSPLIT: upstream of any split."""

    UNSPLIT = "unsplit"
    TRAIN = "train"
    VALID = "validation"  # a split of training rows, or the held-out fold of a cross-validation
    TEST = "test"


class LeakKind(enum.Enum):
    """How rows not yet split were used before the split."""

    PREFIT = "prefit"  # a stateful fit (or column statistics) on all rows
    RESAMPLE = "resample"  # oversampling of all rows


# (position among code cells, line, column), extended by (line, column) inside a function body
# inlined at a call: its events come after the call's arguments, before the next statement.
Order = tuple[int, ...]

# Plain records are named tuples: cheaper to create at import than dataclasses (see README, Development).


class Leak(NamedTuple):
    """Where rows not yet split were fitted on or resampled: ``what`` quotes it (``scaler.fit``)."""

    kind: LeakKind
    what: str
    cell: int
    line: int
    column: int


class Score(NamedTuple):
    """A score computed on test rows."""

    what: str  # ``model.score``, ``accuracy_score``
    cell: int
    line: int
    column: int
    in_loop: bool
    estimators: frozenset[int]  # ids of the estimators scored
    data_name: str | None  # the name of the test rows given, when a plain name


class Derived(NamedTuple):
    """A column assigned from other columns of an unsplit frame: ``df["ratio"] = df["a"] / df["y"]``."""

    column: str
    sources: frozenset[str]
    cell: int
    line: int
    column_offset: int


@dataclass(eq=False, slots=True)
class Estimator:
    """One estimator object, created by calling a known class; mutable as ``fit`` changes it.

    Equal only to itself (an object, not a value): its ``id`` stands for it in sets and keys.
    """

    class_name: str
    kind: Kind
    cell: int
    line: int
    var: str | None = None  # the first name it was bound to
    prefit: Leak | None = None  # set by a fit on unsplit rows (stateful transformers)

    @property
    def label(self) -> str:
        """``scaler`` or ``StandardScaler()`` for messages."""
        return self.var or f"{self.class_name}()"


_NO_LABELS: frozenset[Label] = frozenset()
_KEEP: Any = object()  # a field not given to :meth:`Value.replace`


@dataclass(frozen=True, slots=True)
class Value:
    """What the analysis knows about the value of an expression."""

    labels: frozenset[Label] = _NO_LABELS
    leaks: frozenset[Leak] = frozenset()
    estimator: Estimator | None = None
    predicted_by: frozenset[int] = frozenset()  # ids of estimators whose predictions these are
    predicted_on: frozenset[tuple[str, int]] = frozenset()  # the rows those predictions were made on
    scores: frozenset[Score] = frozenset()
    aggregate: Leak | None = None  # a column statistic of unsplit rows
    columns: frozenset[str] = frozenset()  # columns read (``df["y"]``)
    derived: frozenset[Derived] | None = frozenset()  # None: columns selected in an unknown way
    parts: tuple[Value, Value] | None = None  # the train and test parts of a split's result
    index: bool = False  # fold indices (``train_idx``), which label the rows they select
    members: tuple[tuple[str, Value], ...] = ()  # a dict literal's values by constant key

    def replace(
        self,
        *,
        labels: frozenset[Label] = _KEEP,
        leaks: frozenset[Leak] = _KEEP,
        estimator: Estimator | None = _KEEP,
        predicted_by: frozenset[int] = _KEEP,
        predicted_on: frozenset[tuple[str, int]] = _KEEP,
        scores: frozenset[Score] = _KEEP,
        aggregate: Leak | None = _KEEP,
        columns: frozenset[str] = _KEEP,
        derived: frozenset[Derived] | None = _KEEP,
        parts: tuple[Value, Value] | None = _KEEP,
        index: bool = _KEEP,
        members: tuple[tuple[str, Value], ...] = _KEEP,
    ) -> Value:
        """This value with the fields given changed: :func:`dataclasses.replace`, typed and cheaper on the walk."""
        return Value(
            self.labels if labels is _KEEP else labels,
            self.leaks if leaks is _KEEP else leaks,
            self.estimator if estimator is _KEEP else estimator,
            self.predicted_by if predicted_by is _KEEP else predicted_by,
            self.predicted_on if predicted_on is _KEEP else predicted_on,
            self.scores if scores is _KEEP else scores,
            self.aggregate if aggregate is _KEEP else aggregate,
            self.columns if columns is _KEEP else columns,
            self.derived if derived is _KEEP else derived,
            self.parts if parts is _KEEP else parts,
            self.index if index is _KEEP else index,
            self.members if members is _KEEP else members,
        )

    @property
    def empty(self) -> bool:
        """True when nothing is known: plain data or a plain object."""
        # ``self == _EMPTY`` spelled out field by field, cheapest and most often non-default first:
        # the dataclass ``__eq__`` builds two 12-tuples on each of the many calls of the walk.
        return self is _EMPTY or (
            not self.labels
            and not self.leaks
            and self.estimator is None
            and self.parts is None
            and not self.columns
            and self.derived is not None
            and not self.derived
            and self.aggregate is None
            and not self.scores
            and not self.predicted_by
            and not self.predicted_on
            and not self.index
            and not self.members
        )

    def __or__(self, other: Value) -> Value:
        if other.empty:
            return self.plain()
        if self.empty:
            return other.plain()
        derived = None if self.derived is None or other.derived is None else self.derived | other.derived
        return Value(
            self.labels | other.labels,
            self.leaks | other.leaks,
            None,
            self.predicted_by | other.predicted_by,
            self.predicted_on | other.predicted_on,
            self.scores | other.scores,
            self.aggregate or other.aggregate,
            self.columns | other.columns,
            derived,
        )

    def plain(self) -> Value:
        """This value as data: without the estimator object or the split parts."""
        if self.estimator is None and self.parts is None and not self.index and not self.members:
            return self
        return self.replace(estimator=None, parts=None, index=False, members=())


_EMPTY = Value()


@dataclass(frozen=True, slots=True)
class Event:
    """Something a statement does, at a place of the notebook."""

    cell: int
    line: int
    column: int
    order: Order


@dataclass(frozen=True, slots=True)
class Split(Event):
    """Rows split by ``train_test_split`` or a row cut; ``data`` is what was split."""

    what: str
    data: Value


@dataclass(frozen=True, slots=True)
class Fit(Event):
    """``estimator.fit(...)``, ``fit_transform``, ``partial_fit`` or ``fit_resample``."""

    estimator: Estimator
    method: str
    x: Value
    y: Value
    fitted_on: Value  # the union of every value given: positional, keyword, ``eval_set=``
    x_name: str | None  # the name given as X, when a plain name (with its binding number)
    x_key: tuple[str, int] | None
    validated: bool = False  # rows held out for validation: ``validation_split=``, ``eval_set=``…


@dataclass(frozen=True, slots=True)
class Use(Event):
    """A fitted estimator applied to rows: ``predict``, ``score``, ``transform``."""

    estimator: Estimator
    method: str
    data: Value
    x_key: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class Metric(Event):
    """A metric function called on true and predicted values: ``accuracy_score(y_test, pred)``."""

    what: str
    data: Value
    x_keys: frozenset[tuple[str, int]]  # the rows the predictions were made on, when known


@dataclass(frozen=True, slots=True)
class CrossValidation(Event):
    """A cross-validation: ``cross_val_score(est, X, y)``, ``search.fit(X, y)``, ``kf.split(X)``."""

    what: str
    data: Value


@dataclass(frozen=True, slots=True)
class Selection(Event):
    """Test scores fed into a choice of the best: ``max(scores)``, ``if score > best``, ``best_k = …``."""

    how: str
    scores: frozenset[Score]


@dataclass(slots=True)
class Dataflow:
    """The events of one notebook, in document order."""

    splits: list[Split] = field(default_factory=list)
    fits: list[Fit] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    cross_validations: list[CrossValidation] = field(default_factory=list)
    selections: list[Selection] = field(default_factory=list)
    estimators: dict[int, Estimator] = field(default_factory=dict)

    @property
    def has_held_out_data(self) -> bool:
        """A split, a row cut, a cross-validation or a fit given validation rows anywhere."""
        return bool(self.splits or self.cross_validations or any(fit.validated for fit in self.fits))


def imports_ml(model: NotebookModel) -> bool:
    """Whether any cell imports a machine-learning library (the cheap pre-filter)."""
    # Plain loops: most notebooks fail this test after looking at every import, and a generator
    # over all of them costs more than the test itself.
    for code in model.code_cells:
        for fact in code.facts.imports:
            if fact.module.partition(".")[0] in ML_MODULES:
                return True
    return False


# Weak keys: a notebook's dataflow lives as long as its model, and nothing keeps the model of a
# notebook already linted alive (for the garbage collector to walk again and again).
_FLOWS: weakref.WeakKeyDictionary[NotebookModel, Dataflow | None] = weakref.WeakKeyDictionary()


def analyse(model: NotebookModel) -> Dataflow | None:
    """The dataflow of ``model``, or ``None`` for a notebook that imports no ML library.

    Cached while the model lives, so the eight rules that read it share one walk.
    """
    if model in _FLOWS:
        return _FLOWS[model]
    flow = _FLOWS[model] = _analyse(model)
    return flow


def _analyse(model: NotebookModel) -> Dataflow | None:
    if not imports_ml(model):
        return None
    walker = _Walker()
    for position, code in enumerate(model.code_cells):
        tree = code.parsed.tree
        if tree is None:
            salvaged = _salvage(code.parsed.python.code)
            if salvaged is not None:
                walker.run_cell(position, code, salvaged)
            continue
        if walker.may_matter(code):
            walker.run_cell(position, code, tree)
        else:
            walker.skip_cell(code)
    return walker.flow


_METADATA_ATTRIBUTES = frozenset({
    "shape", "columns", "dtypes", "dtype", "ndim", "size", "classes_", "n_features_in_", "feature_names_in_",
})  # fmt: skip
_TARGET_ATTRIBUTES = frozenset({"target", "label", "labels", "y"})
_FIT_METHODS = frozenset({"fit", "fit_transform", "partial_fit", "fit_resample", "fit_predict"})
# Calls a cell must make (or names it must read) to be worth walking; see ``_Walker.may_matter``.
_RELEVANT_CALLS = (
    _FIT_METHODS | PREDICT_METHODS | SCORE_METHODS | AGGREGATE_METHODS | SELECTION_FUNCTIONS | frozenset(CUT_METHODS)
    | frozenset({"transform", "split", "fillna", "sample", "concat", "resample", "append", "extend", "update"})
)  # fmt: skip
# Calls that make a notebook function worth following at its calls (with constructors of estimators):
# fits, scores, splits. Helpers that only predict or transform (plots of decision boundaries) are not.
_INLINED_CALLS = (
    _FIT_METHODS | SPLIT_FUNCTIONS | CROSS_VALIDATION_FUNCTIONS | SUPERVISED_METRICS | STATEFUL_FUNCTIONS
    | SCORE_METHODS | frozenset({"split", "resample"})
)  # fmt: skip
_PAIR = 2
_GROUP_METHODS = frozenset({"transform", "apply"})
_OBJECT = object()  # a parameter known to hold an object (an estimator): true, not None
_INLINE_DEPTH = 2  # a function called from a function is followed; one more level is not
_INLINE_BUDGET = 200  # inlined calls per notebook: bounds the walk on notebooks calling helpers everywhere
_MUTATORS = frozenset({"append", "extend", "update", "insert", "add", "setdefault"})
_SELECTION_COMPARISONS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE)
_EVAL_KEYWORDS = ("eval_set", "validation_data", "X_val", "X_valid")
_CONCAT_LABELS = {"train": Label.TRAIN, "test": Label.TEST}
_LIBRARIES = frozenset({"sklearn", "numpy", "pandas"})  # whose functions ``_Walker.library_call`` knows
# The top-level modules of the callees ``_Walker.library_call`` knows: estimators' and functions'.
_KNOWN_TOPS = ML_MODULES | DEEP_LEARNING_MODULES | _LIBRARIES


_CLAUSE = re.compile(r"(else|elif|except|finally)\b|[\s#)\]}]")
_ASSIGNED = re.compile(r"^[ \t]*([A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*)[ \t]*=(?!=)", re.MULTILINE)


def _salvage(code: str | None) -> ast.Module | None:
    """The statements of a cell that does not parse (Python 2 ``print x``) that parse on their own.

    Each top-level statement (from a line that starts unindented to the next) is parsed alone, at
    its line numbers; one that does not parse becomes ``del`` of the names it seems to assign, so
    what the walk knew about them is forgotten rather than kept stale.
    """
    if not code:
        return None
    lines = code.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() and not _CLAUSE.match(line)]
    if not starts:
        return None
    body: list[ast.stmt] = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        chunk = "".join(lines[start:end])
        try:
            module = ast.parse("\n" * start + chunk)  # at its line numbers
        except (SyntaxError, ValueError):
            names = [n.strip() for match in _ASSIGNED.finditer(chunk) for n in match.group(1).split(",")]
            if names:
                targets: list[ast.expr] = [ast.Name(id=name, ctx=ast.Del()) for name in names]
                body.append(ast.Delete(targets=targets, lineno=start + 1, col_offset=0))
            continue
        body.extend(module.body)
    return ast.Module(body=body, type_ignores=[]) if body else None


def _grouped(node: ast.expr) -> bool:
    """``df.groupby(...)`` or ``df.groupby(...)[col]``: rows in groups, whose statistics are per group."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "groupby"


def _returned(values: list[Value]) -> Value:
    """What a call of a notebook function gives: its one returned value, or the union of several."""
    if len(values) == 1:
        return values[0]
    result = _EMPTY
    for value in values:
        result = result | value
    return result


def _pairwise(node: ast.Assign) -> list[tuple[ast.expr, ast.expr]] | None:
    """The (target, value) pairs of ``a, b = x, y``; ``None`` for any other assignment."""
    if len(node.targets) != 1:
        return None
    target, value = node.targets[0], node.value
    if not (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)):
        return None
    if len(target.elts) != len(value.elts) or any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
        return None
    return list(zip(target.elts, value.elts, strict=True))


def _is_index_like(node: ast.expr) -> bool:
    """``df.index``, ``np.arange(len(X))``, ``range(n)``: row positions, not rows."""
    if isinstance(node, ast.Attribute):
        return node.attr == "index"
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "list" and len(node.args) == 1:
            return _is_index_like(node.args[0])
        return name in {"arange", "range"}
    return False


def _constant_strings(node: ast.expr | None) -> frozenset[str] | None:
    """``"a"`` or ``["a", "b"]`` as a set of strings; ``None`` for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return frozenset(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return None


def _is_small_constant(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and abs(node.value) <= 1


def _split_parts(data: Value, *, index: bool = False, folds: bool = False) -> tuple[Value, Value]:
    """The train and test parts of splitting ``data``: a split of training rows holds out validation rows.

    ``index``: the parts are row positions (fold indices, a split of ``df.index``) that label the
    rows they select; ``folds``: cross-validation folds, which hold out validation rows.
    """
    base = data.plain()
    if folds or (Label.TRAIN in data.labels and Label.TEST not in data.labels):
        first, second = Label.TRAIN, Label.VALID
    elif Label.TEST in data.labels:
        first, second = Label.VALID, Label.TEST
    else:
        first, second = Label.TRAIN, Label.TEST
    return (
        base.replace(labels=frozenset({first}), index=index),
        base.replace(labels=frozenset({second}), index=index),
    )


class _Function(NamedTuple):
    """A function defined in the notebook whose body the walk follows at each call (see ``_Walker.inline``)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    cell: int


class _Walker:
    """Evaluates the top-level statements of each cell in order (see the module docstring)."""

    def __init__(self) -> None:
        self.flow = Dataflow()
        self.env: dict[str, Value] = {}
        self.keys: dict[str, tuple[str, int]] = {}  # each name's binding: the identity of the rows it holds
        self.bindings = itertools.count(1)
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, _Function] = {}
        # parameters of the inlined function whose value is a known constant (``scaler=None``) or object
        self.known: dict[str, object] = {}
        self.calls: list[str] = []  # the functions being inlined, innermost last
        self.returned: list[Value] = []  # the values the innermost inlined function returns
        self.inlined = 0
        self.site: Order = ()  # the order of the inlined call being walked; empty at top level
        self.loop = 0
        self.position = 0
        self.cell = 0
        self.code: CodeCell | None = None  # the cell being walked

    # --- helpers -------------------------------------------------------------------------------
    def may_matter(self, code: CodeCell) -> bool:
        """Whether a cell can change what is known: the cheap test that spares most cells a walk.

        It matters when it imports, reads a name something is known about, calls something the
        analysis knows, assigns a column or cuts rows.
        """
        facts = code.facts
        if facts.imports:
            return True
        env, aliases = self.env, self.aliases
        for event in facts.names:
            if event.name in env and event.kind is NameKind.READ:
                return True
        functions = self.functions
        for call in facts.calls:
            func = call.func
            if func.rpartition(".")[2] in _RELEVANT_CALLS or func.partition(".")[0] in aliases or func in functions:
                return True
        source = code.cell.source
        return "]=" in source or "] =" in source or "[:" in source or ":]" in source

    def skip_cell(self, code: CodeCell) -> None:
        """Forget what the names a skipped cell binds held."""
        for event in code.facts.names:
            if event.kind is NameKind.BIND and not event.deferred:
                self.bind(event.name, _EMPTY)

    def run_cell(self, position: int, code: CodeCell, tree: ast.Module) -> None:
        self.position, self.cell, self.code = position, code.index, code
        try:
            self.block(tree.body)
        except RecursionError:  # nesting too deep to follow: the rest of this cell is unknown
            self.env.clear()

    def order(self, node: ast.AST) -> Order:
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        return (*self.site, line, column) if self.site else (self.position, line, column)

    def where(self, node: ast.AST) -> tuple[int, int, int, Order]:
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        return (self.cell, line, column, self.order(node))

    def qualify(self, node: ast.expr) -> str | None:
        """The dotted callee resolved through the imports (``np.mean`` -> ``numpy.mean``)."""
        base = node
        while isinstance(base, ast.Attribute):  # find the head name before building the dotted name
            base = base.value
        if not isinstance(base, ast.Name):
            return None
        target = self.aliases.get(base.id)
        if target is None or base is node:
            return target
        name = dotted_name(node) or ""
        return f"{target}.{name.partition('.')[2]}"

    def key(self, node: ast.expr | None) -> tuple[str, int] | None:
        """A plain name with its binding number: the identity of the rows it holds."""
        if isinstance(node, ast.Name):
            return self.keys.get(node.id, (node.id, 0))
        return None

    def bind(self, name: str, value: Value) -> None:
        self.keys[name] = (name, next(self.bindings))
        self.aliases.pop(name, None)
        self.functions.pop(name, None)
        self.known.pop(name, None)
        if value.empty:
            self.env.pop(name, None)
        else:
            if value.estimator is not None and value.estimator.var is None:
                value.estimator.var = name
            self.env[name] = value

    # --- statements ----------------------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:  # noqa: PLR0912, PLR0915 - one branch per statement kind
        if isinstance(node, ast.Assign):
            pairs = _pairwise(node)
            if pairs is not None:  # a, b = x[:800], x[800:]: each name takes its own value
                values = [self.expr(source, assigned=True) for _, source in pairs]
                for (target, _), value in zip(pairs, values, strict=True):
                    self.assign(target, value)
                return
            value = self.expr(node.value, assigned=True)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.Return):
            if node.value is not None and self.calls:
                self.returned.append(self.returned_value(node.value))
        elif isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.AugAssign):
            value = self.expr(node.value)
            if isinstance(node.target, ast.Name):
                self.bind(node.target.id, self.env.get(node.target.id, _EMPTY) | value)
            else:
                self.assign(node.target, value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value, assigned=True))
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.assign(node.target, self.iterate(node.iter))
            self.loop += 1
            self.block(node.body)
            self.loop -= 1
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            self.expr(node.test)
            self.loop += 1
            self.block(node.body)
            self.loop -= 1
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            truth = self.truth(node.test) if self.known else None
            self.expr(node.test)
            if truth is not False:
                self.block(node.body)
            if truth is not True:
                self.block(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value)
            self.block(node.body)
        elif isinstance(node, ast.Try):
            self.block(node.body)
            for handler in node.handlers:
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.bind(alias.asname, _EMPTY)
                    self.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    self.bind(head, _EMPTY)
                    self.aliases[head] = head
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    name = alias.asname or alias.name
                    self.bind(name, _EMPTY)
                    if node.module and not node.level:
                        self.aliases[name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.bind(node.name, _EMPTY)
            if self.worth_inlining(node):
                self.functions[node.name] = _Function(node, self.cell)
        elif isinstance(node, ast.ClassDef):
            self.bind(node.name, _EMPTY)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.bind(target.id, _EMPTY)

    def returned_value(self, node: ast.expr) -> Value:
        """``return a, b`` as two parts, assigned by position like a split's; anything else as its value."""
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == _PAIR
            and not any(isinstance(e, ast.Starred) for e in node.elts)
        ):
            return Value(parts=(self.expr(node.elts[0]), self.expr(node.elts[1])))
        return self.expr(node)

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            if value.scores and target.id.lower().startswith("best"):
                self.select(target, f"the assignment of `{target.id}`", value.scores)
            self.bind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            parts = value.parts
            for position, element in enumerate(target.elts):
                if parts is not None:
                    self.assign(element, parts[position % 2])
                else:
                    self.assign(element, value.plain())
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value.plain())
        elif isinstance(target, ast.Subscript):
            self.assign_column(target, value)

    def assign_column(self, target: ast.Subscript, value: Value) -> None:
        """``df["col"] = value``: the frame takes the value's leaks, and the column records its sources."""
        base = target.value
        while isinstance(base, ast.Subscript | ast.Attribute):  # df.loc[:, "c"], df["c"][mask]
            base = base.value
        self.expr(target.slice)
        if not isinstance(base, ast.Name):
            return
        frame = self.env.get(base.id, _EMPTY)
        column = _constant_strings(target.slice)
        added = value.plain().replace(
            labels=_NO_LABELS,
            predicted_by=frozenset(),
            columns=frozenset(),
            derived=None,
            aggregate=None,
        )
        derived = frame.derived
        if (
            column is not None
            and len(column) == 1
            and value.columns
            and not frame.labels
            and derived is not None
            and target.value is base
        ):
            (name,) = column
            derived = derived | {Derived(name, value.columns, self.cell, target.lineno, target.col_offset + 1)}
        merged = (frame | added).replace(labels=frame.labels, columns=frame.columns, derived=derived)
        if merged.empty:
            self.env.pop(base.id, None)
        else:
            self.env[base.id] = merged

    # --- expressions ---------------------------------------------------------------------------
    def expr(self, node: ast.expr, *, assigned: bool = False) -> Value:
        """What ``node`` evaluates to; evaluating it records the events it makes.

        The most common nodes are tested first; the others go through :data:`_EXPRESSIONS`, a
        dispatch on the node's type (a chain of ``isinstance`` tests cost more than the rest of
        the walk of a name or a constant).
        """
        node_type = type(node)
        if node_type is ast.Name:
            return self.env.get(node.id, _EMPTY)  # type: ignore[attr-defined]
        if node_type is ast.Constant:
            return _EMPTY
        if isinstance(node, ast.Call):
            return self.call(node, assigned=assigned)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, assigned=assigned)
        return _EXPRESSIONS[node_type](self, node)

    def nothing(self, node: ast.expr) -> Value:  # noqa: ARG002 - the signature of a handler
        """A node this analysis does not follow (or a constant): nothing known."""
        return _EMPTY

    def name(self, node: ast.Name) -> Value:
        return self.env.get(node.id, _EMPTY)

    def compare(self, node: ast.Compare) -> Value:
        values = [self.expr(node.left), *(self.expr(c) for c in node.comparators)]
        result = self.union(values)
        if self.loop and result.scores and any(isinstance(op, _SELECTION_COMPARISONS) for op in node.ops):
            self.select(node, "a comparison of scores in a loop", result.scores)
        return result

    def elements(self, node: ast.Tuple | ast.List | ast.Set) -> Value:
        return self.union([self.expr(e) for e in node.elts])

    def dictionary(self, node: ast.Dict) -> Value:
        values = [self.expr(v) for v in node.values]
        result = self.union(values)
        keys = [k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None for k in node.keys]
        if result.empty or None in keys:
            return result
        return result.replace(members=tuple((str(k), v) for k, v in zip(keys, values, strict=True)))

    def operand(self, node: ast.UnaryOp | ast.Starred) -> Value:
        return self.expr(node.operand if isinstance(node, ast.UnaryOp) else node.value)

    def boolean(self, node: ast.BoolOp) -> Value:
        return self.union([self.expr(v) for v in node.values])

    def conditional(self, node: ast.IfExp) -> Value:
        self.expr(node.test)
        return self.expr(node.body) | self.expr(node.orelse)

    def named(self, node: ast.NamedExpr) -> Value:
        value = self.expr(node.value)
        self.bind(node.target.id, value)
        return value

    def formatted(self, node: ast.JoinedStr) -> Value:
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.expr(part.value)
        return _EMPTY

    def union(self, values: list[Value]) -> Value:
        result = _EMPTY
        for value in values:
            if value is not _EMPTY and not value.empty:  # the identity test spares most property calls
                result = value.plain() if result is _EMPTY else result | value  # ``_EMPTY | value`` in short
        return result

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp) -> Value:
        saved: dict[str, Value | None] = {}
        self.loop += 1
        for generator in node.generators:
            iterated = self.expr(generator.iter)
            for name_node in ast.walk(generator.target):
                if isinstance(name_node, ast.Name):
                    saved.setdefault(name_node.id, self.env.get(name_node.id))
                    self.env[name_node.id] = iterated.plain()
        result = self.expr(node.key) | self.expr(node.value) if isinstance(node, ast.DictComp) else self.expr(node.elt)
        self.loop -= 1
        for name, previous in saved.items():
            if previous is None or previous.empty:
                self.env.pop(name, None)
            else:
                self.env[name] = previous
        return result

    def attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        attr = node.attr
        if base.estimator is not None:
            return base if attr.endswith("estimator_") else _EMPTY
        if attr in _METADATA_ATTRIBUTES:
            return _EMPTY
        if attr in _TARGET_ATTRIBUTES and isinstance(node.value, ast.Name):
            # ``iris.target`` / ``df.label``: a column read by attribute, for DSQ507's target columns.
            return base.plain().replace(columns=frozenset({attr}))
        return base.plain()

    def subscript(self, node: ast.Subscript, *, assigned: bool) -> Value:
        whole = self.expr(node.value)
        index_node = node.slice
        if whole.members and isinstance(index_node, ast.Constant):
            return next((v for k, v in whole.members if k == index_node.value), _EMPTY)
        base = whole.plain()
        if isinstance(index_node, ast.Slice):
            for bound in (index_node.lower, index_node.upper, index_node.step):
                if bound is not None:
                    self.expr(bound)
            return self.cut(node, base, index_node, assigned=assigned)
        index = self.expr(index_node)
        if index.index and index.labels:
            if Label.VALID in index.labels and any(leak.kind is LeakKind.PREFIT for leak in base.leaks):
                # the held-out fold of a manual cross-validation loop, cut from rows fitted on as a whole
                what = "a loop over cross-validation folds"
                self.flow.cross_validations.append(CrossValidation(*self.where(node), what=what, data=base))
            return base.replace(labels=index.labels)
        columns = _constant_strings(index_node)
        if columns is not None:
            if base.empty and len(columns) > 1:
                return base
            if isinstance(index_node, ast.Constant):  # one column: a Series, not features
                return base.replace(columns=base.columns | columns, derived=frozenset())
            derived = None if base.derived is None else frozenset(d for d in base.derived if d.column in columns)
            return base.replace(columns=base.columns | columns, derived=derived)
        # df.iloc[:, :-1], X[cols], df[mask]: columns chosen in a way this analysis does not follow
        if base.empty and not index.leaks:
            return base
        return base.replace(leaks=base.leaks | index.leaks, derived=None)

    def cut(self, node: ast.Subscript, base: Value, index: ast.Slice, *, assigned: bool) -> Value:
        """``df[:800]`` holds training rows, ``df[800:]`` test rows, when assigned from unsplit rows."""
        if not assigned or base.labels or index.step is not None:
            return base
        if index.lower is None and index.upper is not None and not _is_small_constant(index.upper):
            part = 0
        elif index.upper is None and index.lower is not None and not _is_small_constant(index.lower):
            part = 1
        else:
            return base
        self.flow.splits.append(Split(*self.where(node), what="a row cut", data=base))
        return _split_parts(base)[part]

    def binop(self, node: ast.BinOp) -> Value:
        operands: list[ast.expr] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            operands.append(left.right)
            left = left.left
        operands.append(left)
        values = [self.expr(operand) for operand in reversed(operands)]
        result = self.union(values)
        aggregates = [v.aggregate for v in values if v.aggregate is not None]
        has_rows = any(
            v.aggregate is None and not isinstance(o, ast.Constant)
            for v, o in zip(values, reversed(operands), strict=True)
        )
        if aggregates and has_rows:
            result = result.replace(leaks=result.leaks | {aggregates[0]}, aggregate=None)
        return result

    def iterate(self, node: ast.expr) -> Value:
        """What a ``for`` loop over ``node`` binds: fold indices when it iterates a splitter (``for tr, te in kf``)."""
        value = self.expr(node)
        estimator = value.estimator
        if estimator is None or estimator.kind is not Kind.SPLITTER:
            return value
        what = f"`{estimator.label}`"  # the old ``KFold(n)`` API: the folds of row positions
        self.flow.cross_validations.append(CrossValidation(*self.where(node), what=what, data=_EMPTY))
        return Value(parts=_split_parts(_EMPTY, index=True, folds=True))

    # --- functions defined in the notebook -----------------------------------------------------
    def truth(self, node: ast.expr) -> bool | None:
        """Whether ``if node:`` holds, when it tests a parameter given a constant or an object; else ``None``.

        ``if scaler is None:`` (or ``if not scaler:``) in ``preprocess(X_test, scaler)`` does not run.
        """
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.Name) and node.id in self.known:
            known = self.known[node.id]
            return True if known is _OBJECT else bool(known)
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and node.left.id in self.known
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Is | ast.IsNot)
            and isinstance(node.comparators[0], ast.Constant)
            and node.comparators[0].value is None
        ):
            is_none = self.known[node.left.id] is None
            return is_none if isinstance(node.ops[0], ast.Is) else not is_none
        return None

    def worth_inlining(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a function's body fits, scores, splits or creates an estimator: worth following at its calls.

        Read from the calls the cell's facts list within the definition's lines; a function defined
        inside a followed function is not followed.
        """
        if self.code is None or self.calls:
            return False
        first, last = node.lineno, node.end_lineno or node.lineno
        for call in self.code.facts.calls:
            if first <= call.line <= last:
                head, _, name = call.func.rpartition(".")
                if name in _INLINED_CALLS:
                    return True
                target = self.aliases.get(call.func.partition(".")[0])
                if target is not None and estimator_kind(f"{target}.{name}" if head else target) is not None:
                    return True
        return False

    def inline(
        self, node: ast.Call, function: _Function, args: list[Value], keywords: dict[str | None, Value]
    ) -> Value | None:
        """Walk the body of a notebook function at its call, its parameters bound to the arguments' values.

        Its events are placed in its cell and ordered at the call. Names keep the identity of the rows
        passed (``evaluate(model, X_test)`` scores ``X_test``) and classes passed stay classes
        (``run_cv(X, y, SVC)``). Nothing it binds outlives the call; it returns what its ``return``
        statements give (a pair like ``return X_train, X_test`` as two parts). Calls nest at most
        :data:`_INLINE_DEPTH` deep, never recursively, and at most :data:`_INLINE_BUDGET` per notebook.
        """
        definition = function.node
        if len(self.calls) >= _INLINE_DEPTH or definition.name in self.calls or self.inlined >= _INLINE_BUDGET:
            return None
        if any(isinstance(a, ast.Starred) for a in node.args) or None in keywords:
            return None  # f(*args) or f(**kwargs): which parameter gets what is unknown
        self.inlined += 1
        site = self.order(node)
        saved = (self.env, self.keys, self.aliases, self.functions, self.known, self.returned, self.cell, self.site)
        outer_keys, outer_aliases = self.keys, self.aliases
        self.env, self.keys, self.aliases = dict(self.env), dict(self.keys), dict(self.aliases)
        self.functions, self.known, self.returned = dict(self.functions), {}, []
        self.calls.append(definition.name)
        try:
            arguments = definition.args
            positional = [*arguments.posonlyargs, *arguments.args]
            given: dict[str, tuple[Value, ast.expr]] = {
                parameter.arg: (value, argument)
                for parameter, value, argument in zip(positional, args, node.args, strict=False)
            }
            for keyword in node.keywords:
                if keyword.arg is not None:
                    given[keyword.arg] = (keywords[keyword.arg], keyword.value)
            defaults = dict(
                zip(
                    [p.arg for p in positional[len(positional) - len(arguments.defaults) :]],
                    arguments.defaults,
                    strict=True,
                )
            )
            for parameter in [*positional, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]:
                if parameter is None:
                    continue
                value, argument = given.get(parameter.arg, (_EMPTY, defaults.get(parameter.arg)))
                if parameter.arg not in given and isinstance(argument, ast.Name):
                    value = saved[0].get(argument.id, _EMPTY)  # a default like ``model=model``
                self.bind(parameter.arg, value)
                if isinstance(argument, ast.Constant):
                    self.known[parameter.arg] = argument.value
                elif value.estimator is not None:
                    self.known[parameter.arg] = _OBJECT
                if isinstance(argument, ast.Name):
                    self.keys[parameter.arg] = outer_keys.get(argument.id, (argument.id, 0))
                    if argument.id in outer_aliases:
                        self.aliases[parameter.arg] = outer_aliases[argument.id]
            self.cell, self.site = function.cell, site
            self.block(definition.body)
            return _returned(self.returned)
        finally:
            self.calls.pop()
            self.env, self.keys, self.aliases, self.functions, self.known, self.returned, self.cell, self.site = saved

    # --- calls ---------------------------------------------------------------------------------
    def call(self, node: ast.Call, *, assigned: bool) -> Value:
        func, expr = node.func, self.expr
        receiver = expr(func.value) if isinstance(func, ast.Attribute) else _EMPTY
        # Most calls have no keywords and many no arguments: skip building the comprehensions then.
        args = [expr(a) for a in node.args] if node.args else []
        keywords = {k.arg: expr(k.value) for k in node.keywords} if node.keywords else {}
        if isinstance(func, ast.Attribute):
            name = func.attr
            if receiver.estimator is not None:
                return self.estimator_call(node, name, receiver.estimator, args, keywords)
            if name in _GROUP_METHODS and node.args and _grouped(func.value):
                return self.group_statistic(node, node.args[0], receiver)
        elif isinstance(func, ast.Name):
            name = func.id
            if name in self.functions:
                result = self.inline(node, self.functions[name], args, keywords)
                if result is not None:
                    return result
        else:
            name = ""
        qualified = self.qualify(func)
        if qualified is not None:
            result = self.library_call(node, qualified, args, keywords)
            if result is not None:
                return result
        everything = self.union([receiver, *args, *keywords.values()])
        if name in SELECTION_FUNCTIONS and everything.scores:
            self.select(node, f"`{name}`", everything.scores)
        if not isinstance(func, ast.Attribute):
            return everything
        if name in _MUTATORS and isinstance(func.value, ast.Name) and not everything.empty:
            self.env[func.value.id] = everything.plain()  # scores.append(score), results.update(...)
        return self.data_method(node, name, receiver, args=args, everything=everything, assigned=assigned)

    def group_statistic(self, node: ast.Call, function: ast.expr, grouped: Value) -> Value:
        """``g.transform("median")`` or ``g.apply(lambda x: x.fillna(x.median()))`` on ``df.groupby(...)[col]``.

        A statistic of each group (of rows not yet split) is an aggregate like ``X.median()``; a lambda
        is walked with its parameter bound to the grouped rows, so the imputation it does is seen.
        """
        rows = grouped.plain()
        if isinstance(function, ast.Constant) and function.value in AGGREGATE_METHODS and not rows.labels:
            return rows.replace(aggregate=self.leak(node, LeakKind.PREFIT, f"`.groupby(...).{function.value}`"))
        if not isinstance(function, ast.Lambda) or not function.args.args:
            return rows
        parameter = function.args.args[0].arg
        saved = self.env.get(parameter)
        self.env[parameter] = rows
        try:
            result = self.expr(function.body)
        finally:
            if saved is None:
                self.env.pop(parameter, None)
            else:
                self.env[parameter] = saved
        return (rows | result).replace(aggregate=None)

    def library_call(  # noqa: PLR0912
        self, node: ast.Call, qualified: str, args: list[Value], keywords: dict[str | None, Value]
    ) -> Value | None:
        """Calls of known library functions and classes; ``None`` for any other."""
        top = qualified.partition(".")[0]
        if top not in _KNOWN_TOPS:  # most calls: ``plt.plot``, ``os.path.join``
            return None
        name = qualified.rsplit(".", 1)[-1]
        kind = estimator_kind(qualified)
        if kind is not None:
            estimator = Estimator(name, kind, self.cell, node.lineno)
            self.flow.estimators[id(estimator)] = estimator
            return Value(estimator=estimator)
        if top not in _LIBRARIES:
            return None
        everything = self.union([*args, *keywords.values()])
        if top == "sklearn":
            if name in SPLIT_FUNCTIONS:
                self.flow.splits.append(Split(*self.where(node), what=f"`{name}`", data=everything))
                # row positions not yet split (``df.index``): their parts label the rows they select
                positions = bool(node.args) and _is_index_like(node.args[0]) and not everything.labels
                return Value(parts=_split_parts(everything, index=positions))
            if name in CROSS_VALIDATION_FUNCTIONS:
                data = args[1] if len(args) > 1 else keywords.get("X", _EMPTY)
                self.flow.cross_validations.append(CrossValidation(*self.where(node), what=f"`{name}`", data=data))
                return _EMPTY
            if name in SUPERVISED_METRICS:
                return self.metric(node, name, args, keywords, everything)
            if name in STATEFUL_FUNCTIONS:
                return self.stateful_output(node, f"`{name}`", everything)
            if name == "resample" and not _keyword_false(node, "replace"):
                return self.resampled(node, "`resample`", everything)
            if name in {"shuffle"}:
                return everything
        if top == "numpy":
            if name in AGGREGATE_METHODS and args and not args[0].labels:
                return everything.replace(aggregate=self.leak(node, LeakKind.PREFIT, f"`{qualified}`"))
            if name in SELECTION_FUNCTIONS or name in {"amax", "nanargmax"}:
                if everything.scores:
                    self.select(node, f"`{name}`", everything.scores)
                return everything
        if top == "pandas" and name == "concat":
            return everything
        return None

    def metric(
        self, node: ast.Call, name: str, args: list[Value], keywords: dict[str | None, Value], everything: Value
    ) -> Value:
        del args, keywords
        metric = Metric(*self.where(node), what=f"`{name}`", data=everything, x_keys=everything.predicted_on)
        self.flow.metrics.append(metric)
        if Label.TEST in everything.labels:
            score = Score(
                f"`{name}`", self.cell, node.lineno, node.col_offset + 1, self.loop > 0, everything.predicted_by, None
            )
            return Value(scores=frozenset({score}))
        return _EMPTY

    def leak(self, node: ast.AST, kind: LeakKind, what: str) -> Leak:
        return Leak(kind, what, self.cell, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)

    def stateful_output(self, node: ast.AST, what: str, data: Value) -> Value:
        """The output of a stateful transformation of ``data``: leaky when ``data`` is unsplit."""
        data = data.plain()
        if data.labels:
            return data
        return data.replace(leaks=data.leaks | {self.leak(node, LeakKind.PREFIT, what)})

    def resampled(self, node: ast.AST, what: str, data: Value) -> Value:
        data = data.plain()
        if data.labels:
            return data
        return data.replace(leaks=data.leaks | {self.leak(node, LeakKind.RESAMPLE, what)})

    def select(self, node: ast.AST, how: str, scores: frozenset[Score]) -> None:
        self.flow.selections.append(Selection(*self.where(node), how=how, scores=scores))

    def data_method(
        self,
        node: ast.Call,
        name: str,
        receiver: Value,
        *,
        args: list[Value],
        everything: Value,
        assigned: bool,
    ) -> Value:
        """A method of a DataFrame, Series or array (or of anything this analysis does not know)."""
        receiver = receiver.plain()
        if name in AGGREGATE_METHODS and not receiver.labels and not args:
            return receiver.replace(aggregate=self.leak(node, LeakKind.PREFIT, f"`.{name}()`"))
        if name == "fillna" and any(a.aggregate is not None for a in args):
            aggregate = next(a.aggregate for a in args if a.aggregate is not None)
            return everything.replace(leaks=everything.leaks | {aggregate}, aggregate=None)
        if name == "sample" and _keyword_true(node, "replace"):
            return self.resampled(node, "`.sample(replace=True)`", everything)
        if name in CUT_METHODS and assigned and node.args and not receiver.labels:
            if _is_small_constant(node.args[0]):
                return receiver
            self.flow.splits.append(Split(*self.where(node), what=f"`.{name}()`", data=receiver))
            return _split_parts(receiver)[0 if CUT_METHODS[name] == "train" else 1]
        if name == "drop":
            return receiver.replace(derived=_dropped(receiver.derived, _drop_arguments(node)))
        if name == "pop":
            columns = _constant_strings(node.args[0]) if node.args else None
            return receiver.replace(columns=columns or frozenset(), derived=frozenset())
        if name in {"copy", "dropna", "reset_index", "astype", "to_numpy", "fillna", "select_dtypes", "sort_index"}:
            return everything
        return everything.replace(aggregate=None) if everything.aggregate is not None else everything

    def estimator_call(  # noqa: PLR0912
        self,
        node: ast.Call,
        method: str,
        estimator: Estimator,
        args: list[Value],
        keywords: dict[str | None, Value],
    ) -> Value:
        x = args[0] if args else keywords.get("X", _EMPTY)
        x_node = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "X"), None)
        x_key = self.key(x_node)
        kind = estimator.kind
        if method in _FIT_METHODS:
            y = args[1] if len(args) > 1 else keywords.get("y", _EMPTY)
            # Keras only uses ``validation_data`` to choose (the epoch) with callbacks such as EarlyStopping
            chosen = [k for k in _EVAL_KEYWORDS if k != "validation_data" or "callbacks" in keywords]
            fitted_on = self.union([x, y, *(keywords.get(k, _EMPTY) for k in chosen)])
            x_name = x_node.id if isinstance(x_node, ast.Name) else None
            fit = Fit(
                *self.where(node),
                estimator=estimator,
                method=method,
                x=x,
                y=y,
                fitted_on=fitted_on,
                x_name=x_name,
                x_key=x_key,
                validated=any(k in keywords for k in (*_EVAL_KEYWORDS, "validation_split")),
            )
            self.flow.fits.append(fit)
            what = f"`{estimator.label}.{method}`"
            if kind is Kind.TRANSFORMER:
                estimator.prefit = None if x.labels else self.leak(node, LeakKind.PREFIT, what)
            if kind is Kind.SEARCH:
                self.flow.cross_validations.append(CrossValidation(*self.where(node), what=what, data=x))
            if method == "fit_transform":
                if kind is Kind.TRANSFORMER:
                    return self.stateful_output(node, what, x)
                return x.plain()
            if method == "fit_resample":
                if kind is Kind.RESAMPLER:
                    return self.resampled(node, what, x | y)
                return (x | y).plain()
            if method == "fit_predict":
                return x.plain().replace(predicted_by=frozenset({id(estimator)}))
            return Value(estimator=estimator)
        if kind is Kind.SPLITTER and method == "split":
            self.flow.cross_validations.append(
                CrossValidation(*self.where(node), what=f"`{estimator.label}.split`", data=x)
            )
            return Value(parts=_split_parts(x, index=True, folds=True))
        if method == "transform":
            self.flow.uses.append(Use(*self.where(node), estimator=estimator, method=method, data=x, x_key=x_key))
            result = x.plain()
            if estimator.prefit is not None:
                result = result.replace(leaks=result.leaks | {estimator.prefit})
            return result
        if method in PREDICT_METHODS or method in SCORE_METHODS:
            data = self.union(args)
            use = Use(*self.where(node), estimator=estimator, method=method, data=data, x_key=x_key)
            self.flow.uses.append(use)
            if method in SCORE_METHODS:
                if Label.TEST in data.labels:
                    name = x_node.id if isinstance(x_node, ast.Name) else None
                    what = f"`{estimator.label}.{method}`"
                    score = Score(
                        what,
                        self.cell,
                        node.lineno,
                        node.col_offset + 1,
                        self.loop > 0,
                        frozenset({id(estimator)}),
                        name,
                    )
                    return Value(scores=frozenset({score}))
                return _EMPTY
            on = frozenset({x_key}) if x_key is not None else frozenset()
            return x.plain().replace(predicted_by=frozenset({id(estimator)}), predicted_on=on)
        return _EMPTY


_ExpressionHandler = Callable[[_Walker, Any], Value]
# The handler of each kind of expression node, in the order of the first ``isinstance`` that
# matches (names, constants, calls and subscripts are handled before the table, in ``expr``).
_EXPRESSION_KINDS: tuple[tuple[type | tuple[type, ...], _ExpressionHandler], ...] = (
    (ast.Name, _Walker.name),
    (ast.Attribute, _Walker.attribute),
    (ast.BinOp, _Walker.binop),
    (ast.Compare, _Walker.compare),
    ((ast.Tuple, ast.List, ast.Set), _Walker.elements),
    (ast.Dict, _Walker.dictionary),
    (ast.UnaryOp, _Walker.operand),
    (ast.BoolOp, _Walker.boolean),
    (ast.IfExp, _Walker.conditional),
    (ast.Starred, _Walker.operand),
    (ast.NamedExpr, _Walker.named),
    (ast.JoinedStr, _Walker.formatted),
    ((ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp), _Walker.comprehension),
)


class _ExpressionHandlers(dict[type, _ExpressionHandler]):
    """:data:`_EXPRESSION_KINDS` by exact node type, filled in as types are met."""

    def __missing__(self, node_type: type) -> _ExpressionHandler:
        handler = next((h for kinds, h in _EXPRESSION_KINDS if issubclass(node_type, kinds)), _Walker.nothing)
        self[node_type] = handler
        return handler


_EXPRESSIONS = _ExpressionHandlers()


def _keyword_true(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords)


def _keyword_false(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords)


def _dropped(derived: frozenset[Derived] | None, arguments: list[ast.expr]) -> frozenset[Derived] | None:
    """``derived`` less the columns ``drop(...)`` names; ``None`` when it names them in a way not followed."""
    names: set[str] = set()
    for argument in arguments:
        strings = _constant_strings(argument)
        if strings is None:
            return None
        names |= strings
    return None if derived is None else frozenset(d for d in derived if d.column not in names)


def _drop_arguments(node: ast.Call) -> list[ast.expr]:
    return [*node.args[:1], *(k.value for k in node.keywords if k.arg in {"columns", "labels"})]
