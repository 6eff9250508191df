"""Rules of the parameters family (DSQ3xx): the cell papermill and ``dsq run`` inject values after.

papermill runs a notebook with new values by inserting a cell right after the first cell tagged
``parameters``; everything in that cell is a default. These rules check that there is exactly
one such cell, that it holds only ``name[: type] = literal`` lines with types that match their
defaults, and that no earlier cell reads a parameter.

The rules read the parameters cell's top-level statements directly (one small cell per notebook).
The private helpers under "reading the parameters cell" and "annotations and literals" are
written so that they can move into the shared ``runs/params`` module later.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from dsquality.analysis.facts import NameKind, dotted_name
from dsquality.analysis.model import BUILTIN_NAMES, CodeCell, NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule

__all__ = [
    "RULES",
    "MissingParametersCell",
    "MultipleParametersCells",
    "NonLiteralParameter",
    "ParameterTypeMismatch",
    "ParameterUsedBeforeCell",
    "UntypedParameter",
]

# --- annotations and literals ------------------------------------------------------------------

_PATH_TYPES = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath"})
# Modules whose attributes name the same types as the bare names (``typing.Optional``).
_TYPE_MODULES = frozenset({"typing", "typing_extensions", "t", "pathlib", "builtins", "collections.abc", "abc"})


@dataclass(frozen=True, slots=True)
class _AnyType:
    """``Any``/``object``: every default matches."""


@dataclass(frozen=True, slots=True)
class _PathType:
    """``Path``: a string (what papermill injects) or ``Path("…")``."""


@dataclass(frozen=True, slots=True)
class _Scalar:
    """``int``, ``float``, ``str``…: the Python types of literals that match (``float`` takes ``int``)."""

    accepts: tuple[type, ...]


@dataclass(frozen=True, slots=True)
class _Container:
    """``list[T]``, ``set[T]``, ``tuple[A, B]``/``tuple[T, ...]``, ``dict[K, V]``."""

    kind: type
    args: tuple[_Type, ...]
    variadic: bool = True  # tuple[T, ...]: every element is args[0]


@dataclass(frozen=True, slots=True)
class _Literal:
    """``Literal["a", 1]``: the allowed values, with their exact types."""

    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Union:
    """``A | B``, ``Union[A, B]``, ``Optional[A]``."""

    members: tuple[_Type, ...]


_Type = _AnyType | _PathType | _Scalar | _Container | _Literal | _Union

_NONE = _Scalar((type(None),))
_SCALARS: dict[str, _Type] = {
    "int": _Scalar((int, bool)),  # bool is an int for mypy too
    "float": _Scalar((float, int, bool)),
    "complex": _Scalar((complex, float, int, bool)),
    "str": _Scalar((str,)),
    "bytes": _Scalar((bytes,)),
    "bool": _Scalar((bool,)),
    "None": _NONE,
    "NoneType": _NONE,
    "Any": _AnyType(),
    "object": _AnyType(),
}
_CONTAINERS: dict[str, type] = {
    "list": list,
    "List": list,
    "MutableSequence": list,
    "set": set,
    "Set": set,
    "MutableSet": set,
    "AbstractSet": set,
    "frozenset": set,
    "FrozenSet": set,
    "tuple": tuple,
    "Tuple": tuple,
    "dict": dict,
    "Dict": dict,
    "Mapping": dict,
    "MutableMapping": dict,
}
_NOT_A_LITERAL = object()


def _type_name(node: ast.expr) -> str | None:
    """``int`` for ``int``, ``Optional`` for ``typing.Optional``; ``None`` for other modules' names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and dotted_name(node.value) in _TYPE_MODULES:
        return node.attr
    return None


def annotation_type(node: ast.expr) -> _Type | None:
    """The type an annotation declares, or ``None`` when it is not one this module understands."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return _NONE
        if isinstance(node.value, str):  # a forward reference: "int | None"
            try:
                return annotation_type(ast.parse(node.value, mode="eval").body)
            except (SyntaxError, ValueError, RecursionError):
                return None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(annotation_type(node.left), annotation_type(node.right))
    if isinstance(node, ast.Subscript):
        return _generic_type(node)
    name = _type_name(node)
    if name is None:
        return None
    if name in _SCALARS:
        return _SCALARS[name]
    if name in _PATH_TYPES:
        return _PathType()
    if name in _CONTAINERS:
        kind = _CONTAINERS[name]
        return _Container(kind, (_AnyType(), _AnyType()) if kind is dict else (_AnyType(),))
    if name == "Sequence":
        return _Union((_Container(list, (_AnyType(),)), _Container(tuple, (_AnyType(),))))
    return None


def _union(*members: _Type | None) -> _Type | None:
    known = tuple(member for member in members if member is not None)
    return _Union(known) if len(known) == len(members) else None


def _generic_type(node: ast.Subscript) -> _Type | None:
    name = _type_name(node.value)
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name == "Optional" and len(args) == 1:
        return _union(annotation_type(args[0]), _NONE)
    if name == "Union":
        return _union(*(annotation_type(arg) for arg in args))
    if name == "Annotated":
        return annotation_type(args[0])
    if name == "Literal":
        values = tuple(_literal_value(arg) for arg in args)
        return None if _NOT_A_LITERAL in values else _Literal(values)
    if name == "Sequence" and len(args) == 1:
        element = annotation_type(args[0])
        return None if element is None else _Union((_Container(list, (element,)), _Container(tuple, (element,))))
    if name not in _CONTAINERS:
        return None
    kind = _CONTAINERS[name]
    if kind is tuple:
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:  # noqa: PLR2004
            element = annotation_type(args[0])
            return None if element is None else _Container(tuple, (element,))
        if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:  # tuple[()]
            return _Container(tuple, (), variadic=False)
        members = tuple(annotation_type(arg) for arg in args)
        known = tuple(member for member in members if member is not None)
        return _Container(tuple, known, variadic=False) if len(known) == len(members) else None
    expected = 2 if kind is dict else 1
    if len(args) != expected:
        return None
    parts = tuple(annotation_type(arg) for arg in args)
    known_parts = tuple(part for part in parts if part is not None)
    return _Container(kind, known_parts) if len(known_parts) == expected else None


def _literal_value(node: ast.expr) -> object:
    """The value of a scalar literal (``3``, ``-0.5``, ``"a"``, ``True``, ``None``), else a sentinel."""
    if isinstance(node, ast.Constant) and node.value is not Ellipsis:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
    ):
        value = node.operand.value
        if isinstance(value, int | float | complex) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    return _NOT_A_LITERAL


def _is_path_call(node: ast.expr) -> bool:
    """``Path("data.csv")``: a path built from one string literal."""
    if not isinstance(node, ast.Call) or node.keywords or len(node.args) != 1:
        return False
    func = dotted_name(node.func)
    argument = node.args[0]
    return (
        func is not None
        and func.rsplit(".", 1)[-1] in _PATH_TYPES
        and isinstance(argument, ast.Constant)
        and isinstance(argument.value, str)
    )


def is_literal(node: ast.expr) -> bool:
    """A literal papermill can override: scalars, containers of literals, ``Path("…")``."""
    if _literal_value(node) is not _NOT_A_LITERAL:
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(not isinstance(element, ast.Starred) and is_literal(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return all(key is not None and is_literal(key) for key in node.keys) and all(map(is_literal, node.values))
    return _is_path_call(node)


def _all_of(results: Iterable[bool | None]) -> bool | None:
    unknown = False
    for result in results:
        if result is False:
            return False
        unknown = unknown or result is None
    return None if unknown else True


def matches(declared: _Type, node: ast.expr) -> bool | None:
    """Whether the literal ``node`` is a value of ``declared``; ``None`` when that cannot be told."""
    if isinstance(declared, _AnyType):
        return True
    if isinstance(declared, _Union):
        results = [matches(member, node) for member in declared.members]
        return True if True in results else None if None in results else False
    if isinstance(declared, _PathType):
        return _is_path_call(node) or (isinstance(node, ast.Constant) and isinstance(node.value, str))
    if isinstance(declared, _Literal):
        value = _literal_value(node)
        return any(type(option) is type(value) and option == value for option in declared.values)
    if isinstance(declared, _Scalar):
        value = _literal_value(node)
        return value is not _NOT_A_LITERAL and type(value) in declared.accepts
    return _container_matches(declared, node)


def _container_matches(declared: _Container, node: ast.expr) -> bool | None:
    node_kinds: dict[type, type[ast.expr]] = {list: ast.List, set: ast.Set, tuple: ast.Tuple, dict: ast.Dict}
    if not isinstance(node, node_kinds[declared.kind]):
        return False
    if isinstance(node, ast.Dict):
        key_type, value_type = declared.args
        keys = (matches(key_type, key) if key is not None else None for key in node.keys)
        return _all_of(chain(keys, (matches(value_type, value) for value in node.values)))
    if not isinstance(node, ast.List | ast.Set | ast.Tuple):
        return False
    if declared.variadic:
        return _all_of(matches(declared.args[0], element) for element in node.elts)
    if len(node.elts) != len(declared.args):
        return False
    return _all_of(matches(member, element) for member, element in zip(declared.args, node.elts, strict=True))


def _suggested_type(node: ast.expr) -> str | None:
    """A type annotation for a literal default: ``int`` for ``3``, ``list[str]`` for ``["a"]``."""
    if _is_path_call(node):
        return "Path"
    value = _literal_value(node)
    if value is not _NOT_A_LITERAL:
        return None if value is None else type(value).__name__
    if isinstance(node, ast.List | ast.Set | ast.Tuple) and node.elts:
        elements = {_suggested_type(element) for element in node.elts}
        if len(elements) != 1 or None in elements:
            return None
        (element,) = elements
        kind = {ast.List: "list", ast.Set: "set", ast.Tuple: "tuple"}[type(node)]
        return f"tuple[{element}, ...]" if kind == "tuple" else f"{kind}[{element}]"
    if isinstance(node, ast.Dict) and node.keys:
        keys = {_suggested_type(key) for key in node.keys if key is not None}
        values = {_suggested_type(value) for value in node.values}
        if len(keys) == 1 and len(values) == 1 and None not in keys | values:
            return f"dict[{keys.pop()}, {values.pop()}]"
    return None


# --- reading the parameters cell ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parameter:
    """``name[: annotation] = value`` (``value`` is ``None`` for a bare, required ``name: T``)."""

    name: str
    line: int
    column: int
    annotation: ast.expr | None
    value: ast.expr | None


@dataclass(frozen=True, slots=True)
class _Problem:
    """A statement of the parameters cell that is not ``name[: type] = literal``."""

    message: str
    line: int
    column: int


@dataclass(slots=True)
class _ParametersCell:
    parameters: list[_Parameter] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _snippet(code: CodeCell, node: ast.stmt | ast.expr) -> str:
    lines = code.cell.lines
    text = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
    return text if len(text) <= 60 else text[:57] + "…"  # noqa: PLR2004


def _short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "…"  # noqa: PLR2004


def _annotation_names(body: list[ast.stmt]) -> set[str]:
    """Names the cell's annotations use (an import of them belongs in the parameters cell)."""
    names = {"annotations"}  # ``from __future__ import annotations`` serves every annotation
    for statement in body:
        if isinstance(statement, ast.AnnAssign):
            for node in ast.walk(statement.annotation):
                if isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):  # "Path | None"
                    names.update(_IDENTIFIER.findall(node.value))
    return names


def _as_parameter(statement: ast.stmt) -> _Parameter | None:
    """``name[: type] = value`` or ``name: type`` as a parameter; ``None`` for other statements."""
    position = (statement.lineno, statement.col_offset + 1)
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return _Parameter(statement.target.id, *position, statement.annotation, statement.value)
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return _Parameter(statement.targets[0].id, *position, None, statement.value)
    return None


def _stray(code: CodeCell, statement: ast.stmt, annotation_names: set[str]) -> _Problem | None:
    """Why a statement that is not a parameter does not belong in the cell, if it does not."""
    position = (statement.lineno, statement.col_offset + 1)
    if isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    ):
        return None  # magics and ``!`` lines (translated to ``pass``), docstrings
    if isinstance(statement, ast.Import | ast.ImportFrom):
        if {(alias.asname or alias.name).split(".")[0] for alias in statement.names} <= annotation_names:
            return None
        return _Problem(
            f"`{_snippet(code, statement)}` is not needed by a parameter's annotation: keep only parameters "
            "(and the imports their annotations need) in this cell, and move other imports to the notebook's imports",
            *position,
        )
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
        return _Problem(
            f"`{_snippet(code, statement)}` is not a `name = literal` assignment: papermill and `dsq run` "
            "override parameters one name at a time; assign each parameter on its own line",
            *position,
        )
    return _Problem(
        f"`{_snippet(code, statement)}` is not a parameter: the parameters cell should hold only "
        "`name: type = literal` lines; move this statement to the next cell",
        *position,
    )


def _read_parameters_cell(code: CodeCell) -> _ParametersCell | None:
    """The parameters and the stray statements of a parameters cell; ``None`` if it does not parse."""
    tree = code.parsed.tree
    if tree is None:
        return None
    result = _ParametersCell()
    annotation_names = _annotation_names(tree.body)
    for statement in tree.body:
        parameter = _as_parameter(statement)
        if parameter is None:
            problem = _stray(code, statement, annotation_names)
            if problem is not None:
                result.problems.append(problem)
            continue
        result.parameters.append(parameter)
        if parameter.value is not None and not is_literal(parameter.value):
            result.problems.append(_computed(code, parameter.name, parameter.value))
    return result


def _computed(code: CodeCell, name: str, value: ast.expr) -> _Problem:
    return _Problem(
        f"the default of `{name}` is computed, not a literal (`{_snippet(code, value)}`): papermill inserts new "
        "values after this cell, so a value derived here ignores them; use a literal and compute derived values "
        "in the next cell",
        value.lineno,
        value.col_offset + 1,
    )


def _first_parameters_cell(model: NotebookModel) -> tuple[CodeCell, _ParametersCell] | None:
    cells = model.parameters_cells
    if not cells:
        return None
    read = _read_parameters_cell(cells[0])
    return None if read is None else (cells[0], read)


# --- the rules ---------------------------------------------------------------------------------


class MissingParametersCell(Rule):
    """A runnable notebook without a `parameters` cell.

    ## What it does
    Reports a notebook that the configuration marks runnable (`runnable` globs in
    `[tool.dsquality]`) but that has no code cell tagged `parameters`.

    ## Why is this bad?
    papermill and `dsq run` inject values after the cell tagged `parameters`. Without one,
    papermill inserts the values at the top of the notebook, where the notebook's own assignments
    overwrite them, and `dsq run` cannot validate anything: the run silently uses the defaults.

    ## Example
    ```python
    # cell 2 (no tags)
    alpha = 0.1
    epochs = 10
    ```

    ## How to fix
    Tag the cell holding the settings `parameters` (JupyterLab: property inspector → Cell Tags):
    ```python
    # cell 2, tagged "parameters"
    alpha: float = 0.1
    epochs: int = 10
    ```
    """

    code = "DSQ301"
    name = "missing-parameters-cell"
    summary = "A notebook marked runnable has no cell tagged `parameters`."
    severity = Severity.WARNING

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report a runnable notebook with no parameters cell."""
        if context.runnable and not model.parameters_cells:
            yield Finding(
                "the configuration marks this notebook runnable, but no code cell is tagged `parameters`: "
                "tag the cell that sets its inputs `parameters` so that papermill and `dsq run` can override them"
            )


class MultipleParametersCells(Rule):
    """More than one cell tagged `parameters`.

    ## What it does
    Reports every code cell tagged `parameters` after the first one.

    ## Why is this bad?
    papermill injects values right after the first `parameters` cell only. A later cell with the
    tag is run after the injected values and overwrites them with its defaults, so the run does
    not use the values it was given; `dsq params` would also not know which cell to trust.

    ## Example
    ```python
    # cell 2, tagged "parameters"
    alpha: float = 0.1
    ```
    ```python
    # cell 6, also tagged "parameters"
    epochs: int = 10
    ```

    ## How to fix
    Merge the parameters into one cell and remove the tag from the other:
    ```python
    # cell 2, tagged "parameters"
    alpha: float = 0.1
    epochs: int = 10
    ```
    """

    code = "DSQ302"
    name = "multiple-parameters-cells"
    summary = "More than one cell is tagged `parameters`."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report each `parameters` cell after the first."""
        cells = model.parameters_cells
        for extra in cells[1:]:
            yield Finding(
                f"a second cell tagged `parameters` (the first is cell {cells[0].index}): papermill injects values "
                "after the first one only, so this cell overwrites them; merge it into the first and remove its tag",
                extra.index,
            )


class NonLiteralParameter(Rule):
    """A parameters cell holding something other than `name[: type] = literal`.

    ## What it does
    Reports statements of the (first) `parameters` cell that are not a parameter with a literal
    default: computed defaults (`n = epochs * 10`, `f"{base}/x"`, `np.arange(3)`), unpacking or
    chained assignments, calls, loops and definitions. Literals are numbers (negative ones too),
    strings, `True`/`False`/`None`, lists, tuples, sets and dicts of literals, and
    `Path("…")`. A bare annotation (`data_path: Path`) is a required parameter and is fine, as are
    comments, magics, and imports used only by the cell's annotations
    (`from pathlib import Path`); any other import is reported.

    ## Why is this bad?
    papermill inserts the new values in a cell *after* the parameters cell: a default derived from
    another parameter keeps the old value (`n_steps = epochs * 10` ignores an injected `epochs`),
    and `dsq params` cannot show, validate or type-convert a value it cannot read statically.

    ## Example
    ```python
    # tagged "parameters"
    epochs: int = 10
    n_steps = epochs * 100
    ```

    ## How to fix
    Keep literal defaults in the parameters cell and compute derived values in the next cell:
    ```python
    # tagged "parameters"
    epochs: int = 10
    ```
    ```python
    n_steps = epochs * 100
    ```
    """

    code = "DSQ303"
    name = "non-literal-parameter"
    summary = "The parameters cell holds something other than `name[: type] = literal`."
    severity = Severity.WARNING

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report statements of the parameters cell that are not literal parameters."""
        found = _first_parameters_cell(model)
        if found is None:
            return
        code, read = found
        for problem in read.problems:
            yield Finding(problem.message, code.index, problem.line, problem.column)


class UntypedParameter(Rule):
    """A parameter without a type annotation.

    ## What it does
    Reports each `name = literal` line of the (first) `parameters` cell that has no annotation,
    suggesting one from the default where it can (`int` for `10`, `list[str]` for `["a", "b"]`).

    ## Why is this bad?
    papermill ignores types: `-p epochs ten` is injected as a string and the run fails (or
    silently misbehaves) far from the cause. With an annotation, `dsq run` converts and checks each
    value before any kernel starts, and `dsq params` documents the notebook's inputs.

    ## Example
    ```python
    # tagged "parameters"
    epochs = 10
    ```

    ## How to fix
    Annotate the parameter:
    ```python
    # tagged "parameters"
    epochs: int = 10
    ```
    """

    code = "DSQ304"
    name = "untyped-parameter"
    summary = "A parameter without a type annotation."
    severity = Severity.WARNING

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report unannotated parameters with literal defaults."""
        found = _first_parameters_cell(model)
        if found is None:
            return
        code, read = found
        for parameter in read.parameters:
            if parameter.annotation is not None or parameter.value is None or not is_literal(parameter.value):
                continue
            suggested = _suggested_type(parameter.value)
            if _literal_value(parameter.value) is None:
                example = f"`{parameter.name}: <type> | None = None`"
            elif suggested is not None:
                example = f"`{parameter.name}: {suggested} = {_short(parameter.value)}`"
            else:
                example = f"`{parameter.name}: <type> = …`"
            yield Finding(
                f"parameter `{parameter.name}` has no type annotation: declare it, e.g. {example}, "
                "so that `dsq run` can check and convert the values it injects",
                code.index,
                parameter.line,
                parameter.column,
            )


class ParameterTypeMismatch(Rule):
    """A parameter whose default does not match its annotation.

    ## What it does
    Reports a parameter of the (first) `parameters` cell whose literal default is not a value of
    its annotated type: `epochs: int = 0.5`, `name: str = 3`, `flag: bool = 1`,
    `mode: Literal["a", "b"] = "c"`, `ids: list[int] = [1, "2"]`, `path: str = None`. As for mypy, an
    `int` is a fine `float`; a string is a fine `Path` (papermill injects paths as strings).
    Annotations it does not understand (`np.ndarray`, your own classes) are not checked.

    ## Why is this bad?
    The annotation is the contract `dsq run` validates injected values against; a default that
    breaks it means either the type or the default is wrong, and a run with the defaults does
    something else than a run with explicit values.

    ## Example
    ```python
    # tagged "parameters"
    learning_rate: int = 0.01
    ```

    ## How to fix
    Fix the annotation or the default:
    ```python
    # tagged "parameters"
    learning_rate: float = 0.01
    ```
    """

    code = "DSQ305"
    name = "parameter-type-mismatch"
    summary = "A parameter's default does not match its type annotation."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report annotated parameters whose literal default has another type."""
        found = _first_parameters_cell(model)
        if found is None:
            return
        code, read = found
        for parameter in read.parameters:
            value = parameter.value
            if parameter.annotation is None or value is None or not is_literal(value):
                continue
            declared = annotation_type(parameter.annotation)
            if declared is None or matches(declared, value) is not False:
                continue
            annotation = ast.unparse(parameter.annotation)
            if _literal_value(value) is None:
                fix = f"declare it `{annotation} | None` or give it a `{annotation}` default"
            else:
                fix = "change the default or the annotation"
            yield Finding(
                f"the default of `{parameter.name}` (`{_short(value)}`) does not match its annotation "
                f"`{annotation}`: {fix}",
                code.index,
                value.lineno,
                value.col_offset + 1,
            )


class ParameterUsedBeforeCell(Rule):
    """A parameter read in a cell above the parameters cell.

    ## What it does
    Reports the first read of a parameter (a name the `parameters` cell assigns or declares) in
    each code cell above that cell. Reads inside function bodies are not reported: they happen
    when the function is called, which may be after the parameters cell.

    ## Why is this bad?
    Values injected by papermill or `dsq run` land right after the parameters cell. A cell above
    it runs before they exist: on a fresh kernel it raises `NameError`, and otherwise it uses an
    older value, so the run mixes the injected value with another one.

    ## Example
    ```python
    # cell 2
    model = Ridge(alpha=alpha)
    ```
    ```python
    # cell 3, tagged "parameters"
    alpha: float = 0.1
    ```

    ## How to fix
    Move the parameters cell up, above every cell that uses its names (usually right after the
    imports):
    ```python
    # cell 2, tagged "parameters"
    alpha: float = 0.1
    ```
    ```python
    # cell 3
    model = Ridge(alpha=alpha)
    ```
    """

    code = "DSQ306"
    name = "parameter-used-before-cell"
    summary = "A parameter is read in a cell above the parameters cell."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report reads of parameters in the cells above the parameters cell."""
        found = _first_parameters_cell(model)
        if found is None:
            return
        cell, read = found
        parameters = {parameter.name for parameter in read.parameters} - BUILTIN_NAMES
        if not parameters:
            return
        bound_in: dict[str, int] = {}  # parameter -> the earlier cell that assigns it
        uncertain = False  # a star import, ``%run``, ``%store`` or an unparsable cell may bind any name
        for code in model.code_cells:
            if code.index >= cell.index:
                break
            if code.problem is not None or any(magic.name in {"run", "store"} for magic in code.magics):
                uncertain = True
            reported: set[str] = set()
            for event in code.facts.names:
                if event.kind is NameKind.STAR_IMPORT:
                    uncertain = True
                elif event.name not in parameters:
                    continue
                elif event.kind is NameKind.BIND:
                    bound_in.setdefault(event.name, code.index)
                elif not event.deferred and event.name not in reported:
                    reported.add(event.name)
                    yield Finding(
                        self._message(event.name, cell.index, bound_in, uncertain), code.index, event.line, event.column
                    )

    @staticmethod
    def _message(name: str, parameters_cell: int, bound_in: dict[str, int], uncertain: bool) -> str:  # noqa: FBT001
        fix = f"move the parameters cell (cell {parameters_cell}) above this cell"
        if name in bound_in:
            return (
                f"`{name}` is a parameter (cell {parameters_cell}) but is read here, above the parameters cell: "
                f"this reads the value set in cell {bound_in[name]}, never an injected one; {fix}"
            )
        if uncertain:
            return (
                f"`{name}` is a parameter (cell {parameters_cell}) but is read here, above the parameters cell, "
                f"so an injected value never reaches it; {fix}"
            )
        return (
            f"`{name}` is read here but first assigned in the parameters cell (cell {parameters_cell}) below: "
            f"on a fresh run this raises NameError, and injected values never reach it; {fix}"
        )


RULES: tuple[type[Rule], ...] = (
    MissingParametersCell,
    MultipleParametersCells,
    NonLiteralParameter,
    UntypedParameter,
    ParameterTypeMismatch,
    ParameterUsedBeforeCell,
)
