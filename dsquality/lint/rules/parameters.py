"""Rules of the parameters family (DSQ3xx): the cell papermill and ``dsq run`` inject values after.

papermill runs a notebook with new values by inserting a cell right after the first cell tagged
``parameters``; everything in that cell is a default. These rules check that there is exactly
one such cell, that it holds only ``name[: type] = literal`` lines with types that match their
defaults, and that no earlier cell reads a parameter.

The rules read the parameters cell's top-level statements directly (one small cell per notebook).
Annotations, literals and parameter statements are classified by :mod:`dsquality.runs.params`, the
same functions ``dsq params`` and ``dsq run`` use, so lint and runs agree on every type. That module
is imported only for a notebook that has a parameters cell (few do), not with the rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from dsquality.analysis.facts import NameKind
from dsquality.analysis.model import BUILTIN_NAMES, CodeCell, NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex

if TYPE_CHECKING:
    from dsquality.runs.params import ParameterStatement

__all__ = [
    "RULES",
    "MissingParametersCell",
    "MultipleParametersCells",
    "NonLiteralParameter",
    "ParameterTypeMismatch",
    "ParameterUsedBeforeCell",
    "UntypedParameter",
]

# --- suggesting an annotation ----------------------------------------------------------------


def _suggested_type(node: ast.expr) -> str | None:
    """A type annotation for a literal default: ``int`` for ``3``, ``list[str]`` for ``["a"]``."""
    from dsquality.runs.params import NOT_A_LITERAL, is_path_call, literal_value  # noqa: PLC0415 - see the module docstring

    if is_path_call(node):
        return "Path"
    value = literal_value(node)
    if value is not NOT_A_LITERAL:
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


class _Problem(NamedTuple):
    """A statement of the parameters cell that is not ``name[: type] = literal``."""

    message: str
    line: int
    column: int


class _ParametersCell(NamedTuple):
    parameters: list[ParameterStatement]
    problems: list[_Problem]


_IDENTIFIER = lazy_regex(r"[A-Za-z_]\w*")  # for string annotations only


def _snippet(lines: list[str], node: ast.stmt | ast.expr) -> str:
    """The line of ``node`` among the cell's ``lines`` (split once per cell: a cell may hold thousands)."""
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
                    names.update(_IDENTIFIER().findall(node.value))
    return names


def _stray(lines: list[str], statement: ast.stmt, annotation_names: set[str]) -> _Problem | None:
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
            f"`{_snippet(lines, statement)}` is not needed by a parameter's annotation: keep only parameters "
            "(and the imports their annotations need) in this cell, and move other imports to the notebook's imports",
            *position,
        )
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
        return _Problem(
            f"`{_snippet(lines, statement)}` is not a `name = literal` assignment: papermill and `dsq run` "
            "override parameters one name at a time; assign each parameter on its own line",
            *position,
        )
    return _Problem(
        f"`{_snippet(lines, statement)}` is not a parameter: the parameters cell should hold only "
        "`name: type = literal` lines; move this statement to the next cell",
        *position,
    )


def _read_parameters_cell(code: CodeCell) -> _ParametersCell | None:
    """The parameters and the stray statements of a parameters cell; ``None`` if it does not parse."""
    from dsquality.runs.params import is_literal, parameter_statement  # noqa: PLC0415 - see the module docstring

    tree = code.parsed.tree
    if tree is None:
        return None
    result = _ParametersCell([], [])
    lines = code.cell.lines
    annotation_names = _annotation_names(tree.body)
    for statement in tree.body:
        parameter = parameter_statement(statement)
        if parameter is None:
            problem = _stray(lines, statement, annotation_names)
            if problem is not None:
                result.problems.append(problem)
            continue
        result.parameters.append(parameter)
        if parameter.value is not None and not is_literal(parameter.value):
            result.problems.append(_computed(lines, parameter.name, parameter.value))
    return result


def _computed(lines: list[str], name: str, value: ast.expr) -> _Problem:
    return _Problem(
        f"the default of `{name}` is computed, not a literal (`{_snippet(lines, value)}`): papermill inserts new "
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


def _literal_parameters(model: NotebookModel) -> Iterator[tuple[CodeCell, ParameterStatement, ast.expr]]:
    """The parameters of the first parameters cell whose default is a literal, with their cell and default."""
    found = _first_parameters_cell(model)
    if found is None:
        return
    from dsquality.runs.params import is_literal  # noqa: PLC0415 - see the module docstring

    code, read = found
    for parameter in read.parameters:
        if parameter.value is not None and is_literal(parameter.value):
            yield code, parameter, parameter.value


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
        for code, parameter, value in _literal_parameters(model):
            if parameter.annotation is not None:
                continue
            from dsquality.runs.params import literal_value  # noqa: PLC0415 - see the module docstring

            suggested = _suggested_type(value)
            if literal_value(value) is None:
                example = f"`{parameter.name}: <type> | None = None`"
            elif suggested is not None:
                example = f"`{parameter.name}: {suggested} = {_short(value)}`"
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
        for code, parameter, value in _literal_parameters(model):
            if parameter.annotation is None:
                continue
            from dsquality.runs.params import annotation_type, default_matches, literal_value  # noqa: PLC0415 - see above

            declared = annotation_type(parameter.annotation)
            if declared is None or default_matches(declared, value) is not False:
                continue
            annotation = ast.unparse(parameter.annotation)
            if literal_value(value) is None:
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
