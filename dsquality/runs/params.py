"""A notebook's parameter schema, read statically from its cell tagged ``parameters``.

papermill injects new values in a cell right after the first code cell tagged ``parameters``.
This module reads that cell with :mod:`ast` (and its comments with :mod:`tokenize`) into a
:class:`ParameterSchema`: one :class:`ParameterSpec` per ``name[: type] [= literal]  # help`` line.

It is also the one place that understands annotations: :func:`annotation_type` turns an
annotation into a :data:`ParamType` (``bool int float complex str bytes None``, ``Path``,
``list[T]``, ``set[T]``, ``tuple[...]``, ``dict[K, V]``, ``Literal[...]``, ``T | None``,
``Optional[T]``, ``Union[...]``, ``Annotated[T, ...]``, string forward references), and
:func:`default_matches` tells whether a literal default is a value of it. The lint rules DSQ303 to
DSQ305 and ``dsq params``/``dsq run`` share these functions, so they never disagree about a type.

Nothing here imports papermill or starts a kernel: reading a schema takes milliseconds.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Final

from dsquality.analysis.facts import dotted_name
from dsquality.analysis.model import NotebookModel, build_model
from dsquality.errors import NotebookFormatError
from dsquality.notebook import read_notebook

__all__ = [
    "NOT_A_LITERAL",
    "PYTHON_LANGUAGES",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "AnyType",
    "ContainerType",
    "LiteralType",
    "ParamType",
    "ParameterSchema",
    "ParameterSpec",
    "ParameterStatement",
    "PathType",
    "ScalarType",
    "UnionType",
    "annotation_type",
    "default_matches",
    "evaluate_literal",
    "is_literal",
    "is_path_call",
    "json_value",
    "literal_value",
    "parameter_statement",
    "stable_order",
]

SCHEMA_NAME: Final = "dsquality-params"
SCHEMA_VERSION: Final = 1
PYTHON_LANGUAGES: Final = frozenset({"python", "python2", "python3", "ipython", "ipython3"})

# --- the types an annotation can declare -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnyType:
    """``Any`` or ``object``; also stands for an annotation dsquality does not understand."""

    def __str__(self) -> str:
        return "Any"

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "any"}``."""
        return {"kind": "any"}


@dataclass(frozen=True, slots=True)
class ScalarType:
    """``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes`` or ``None``."""

    name: str

    def __str__(self) -> str:
        return self.name

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "int"}``; ``None`` is ``{"kind": "none"}``."""
        return {"kind": self.name.lower()}


@dataclass(frozen=True, slots=True)
class PathType:
    """``Path`` (or another :mod:`pathlib` class): injected as a ``pathlib.Path``."""

    name: str = "Path"

    def __str__(self) -> str:
        return self.name

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "path"}``."""
        return {"kind": "path"}


@dataclass(frozen=True, slots=True)
class ContainerType:
    """``list[T]``, ``set[T]``, ``frozenset[T]``, ``tuple[A, B]``/``tuple[T, ...]``, ``dict[K, V]``.

    ``variadic`` tuples (``tuple[T, ...]``) hold any number of ``args[0]``; fixed ones one value
    per ``args`` entry. Lists, sets and dicts are always variadic.
    """

    kind: str
    args: tuple[ParamType, ...]
    variadic: bool = True

    def __str__(self) -> str:
        if self.kind == "tuple" and not self.variadic:
            return f"tuple[{', '.join(map(str, self.args))}]" if self.args else "tuple[()]"
        if self.kind == "tuple":
            return f"tuple[{self.args[0]}, ...]"
        return f"{self.kind}[{', '.join(map(str, self.args))}]"

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "list", "items": T}``, ``{"kind": "dict", "keys": K, "values": V}``.

        A fixed tuple has a list of ``items``; a variadic one (``tuple[T, ...]``) one item type.
        """
        if self.kind == "dict":
            return {"kind": "dict", "keys": self.args[0].to_json(), "values": self.args[1].to_json()}
        if self.kind == "tuple" and not self.variadic:
            return {"kind": "tuple", "items": [arg.to_json() for arg in self.args]}
        return {"kind": self.kind, "items": self.args[0].to_json()}


@dataclass(frozen=True, slots=True)
class LiteralType:
    """``Literal["a", 1]``: the allowed values, with their exact types."""

    values: tuple[object, ...]

    def __str__(self) -> str:
        return f"Literal[{', '.join(map(repr, self.values))}]"

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "literal", "values": [...]}``."""
        return {"kind": "literal", "values": [json_value(value) for value in self.values]}


@dataclass(frozen=True, slots=True)
class UnionType:
    """``A | B``, ``Union[A, B]``, ``Optional[A]`` (members flattened, without repeats)."""

    members: tuple[ParamType, ...]

    def __str__(self) -> str:
        return " | ".join(map(str, self.members))

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "union", "members": [...]}``."""
        return {"kind": "union", "members": [member.to_json() for member in self.members]}


ParamType = AnyType | ScalarType | PathType | ContainerType | LiteralType | UnionType

_NONE = ScalarType("None")
_PATH_TYPES = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath"})
# Modules whose attributes name the same types as the bare names (``typing.Optional``).
_TYPE_MODULES = frozenset({"typing", "typing_extensions", "t", "pathlib", "builtins", "collections.abc", "abc"})
_SCALARS: dict[str, ParamType] = {
    "int": ScalarType("int"),
    "float": ScalarType("float"),
    "complex": ScalarType("complex"),
    "str": ScalarType("str"),
    "bytes": ScalarType("bytes"),
    "bool": ScalarType("bool"),
    "None": _NONE,
    "NoneType": _NONE,
    "Any": AnyType(),
    "object": AnyType(),
}
_CONTAINERS: dict[str, str] = {
    "list": "list",
    "List": "list",
    "MutableSequence": "list",
    "set": "set",
    "Set": "set",
    "MutableSet": "set",
    "AbstractSet": "set",
    "frozenset": "frozenset",
    "FrozenSet": "frozenset",
    "tuple": "tuple",
    "Tuple": "tuple",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
    "MutableMapping": "dict",
}


def _type_name(node: ast.expr) -> str | None:
    """``int`` for ``int``, ``Optional`` for ``typing.Optional``; ``None`` for other modules' names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and dotted_name(node.value) in _TYPE_MODULES:
        return node.attr
    return None


def annotation_type(node: ast.expr) -> ParamType | None:
    """The type an annotation declares, or ``None`` when it is not one dsquality understands."""
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
        return PathType(name)
    if name in _CONTAINERS:
        kind = _CONTAINERS[name]
        return ContainerType(kind, (AnyType(), AnyType()) if kind == "dict" else (AnyType(),))
    if name == "Sequence":
        return _sequence(AnyType())
    return None


def _sequence(element: ParamType) -> UnionType:
    return UnionType((ContainerType("list", (element,)), ContainerType("tuple", (element,))))


def _union(*members: ParamType | None) -> ParamType | None:
    """The union of ``members`` (nested unions flattened, repeats dropped); ``None`` if one is unknown."""
    flat: list[ParamType] = []
    for member in members:
        if member is None:
            return None
        for item in member.members if isinstance(member, UnionType) else (member,):
            if item not in flat:
                flat.append(item)
    return flat[0] if len(flat) == 1 else UnionType(tuple(flat))


def _generic_type(node: ast.Subscript) -> ParamType | None:
    name = _type_name(node.value)
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name == "Optional" and len(args) == 1:
        return _union(annotation_type(args[0]), _NONE)
    if name == "Union":
        return _union(*(annotation_type(arg) for arg in args))
    if name == "Annotated":
        return annotation_type(args[0])
    if name == "Literal":
        values = tuple(literal_value(arg) for arg in args)
        return None if NOT_A_LITERAL in values else LiteralType(values)
    if name == "Sequence" and len(args) == 1:
        element = annotation_type(args[0])
        return None if element is None else _sequence(element)
    if name not in _CONTAINERS:
        return None
    kind = _CONTAINERS[name]
    if kind == "tuple":
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:  # noqa: PLR2004
            element = annotation_type(args[0])
            return None if element is None else ContainerType("tuple", (element,))
        if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:  # tuple[()]
            return ContainerType("tuple", (), variadic=False)
        members = _all_known(annotation_type(arg) for arg in args)
        return None if members is None else ContainerType("tuple", members, variadic=False)
    if len(args) != (2 if kind == "dict" else 1):
        return None
    parts = _all_known(annotation_type(arg) for arg in args)
    return None if parts is None else ContainerType(kind, parts)


def _all_known(types: Iterable[ParamType | None]) -> tuple[ParamType, ...] | None:
    known = []
    for item in types:
        if item is None:
            return None
        known.append(item)
    return tuple(known)


# --- literals in the parameters cell -----------------------------------------------------------

NOT_A_LITERAL: Final = object()


def literal_value(node: ast.expr) -> object:
    """The value of a scalar literal (``3``, ``-0.5``, ``"a"``, ``True``, ``None``), else :data:`NOT_A_LITERAL`."""
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
    return NOT_A_LITERAL


def is_path_call(node: ast.expr) -> bool:
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
    if literal_value(node) is not NOT_A_LITERAL:
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(not isinstance(element, ast.Starred) and is_literal(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return all(key is not None and is_literal(key) for key in node.keys) and all(map(is_literal, node.values))
    return is_path_call(node)


def evaluate_literal(node: ast.expr) -> object:
    """The value of a literal (see :func:`is_literal`); ``Path("…")`` gives a :class:`~pathlib.Path`.

    Raises:
        ValueError: ``node`` is not a literal, or is a set or dict with unhashable members (``{[1]}``).
    """
    value = literal_value(node)
    if value is not NOT_A_LITERAL:
        return value
    if isinstance(node, ast.Call) and is_path_call(node):
        return Path(ast.literal_eval(node.args[0]))
    try:
        if isinstance(node, ast.List):
            return [evaluate_literal(element) for element in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(evaluate_literal(element) for element in node.elts)
        if isinstance(node, ast.Set):
            return {evaluate_literal(element) for element in node.elts}
        if isinstance(node, ast.Dict) and all(key is not None for key in node.keys):
            return {
                evaluate_literal(key): evaluate_literal(item)
                for key, item in zip(node.keys, node.values, strict=True)
                if key is not None
            }
    except TypeError as exc:  # an unhashable set member or dict key
        raise ValueError(f"not a literal: {ast.unparse(node)}") from exc
    raise ValueError(f"not a literal: {ast.unparse(node)}")


# Literal types matching a scalar annotation, as for mypy: an int is a fine float, a bool a fine int.
_LITERAL_ACCEPTS: dict[str, tuple[type, ...]] = {
    "int": (int, bool),
    "float": (float, int, bool),
    "complex": (complex, float, int, bool),
    "str": (str,),
    "bytes": (bytes,),
    "bool": (bool,),
    "None": (type(None),),
}


def _all_of(results: Iterable[bool | None]) -> bool | None:
    unknown = False
    for result in results:
        if result is False:
            return False
        unknown = unknown or result is None
    return None if unknown else True


def default_matches(declared: ParamType, node: ast.expr) -> bool | None:
    """Whether the literal ``node`` is a value of ``declared``; ``None`` when that cannot be told.

    A string is a fine ``Path`` (papermill injects paths as strings), as is ``Path("…")``.
    """
    if isinstance(declared, AnyType):
        return True
    if isinstance(declared, UnionType):
        results = [default_matches(member, node) for member in declared.members]
        return True if True in results else None if None in results else False
    if isinstance(declared, PathType):
        return is_path_call(node) or (isinstance(node, ast.Constant) and isinstance(node.value, str))
    if isinstance(declared, LiteralType):
        value = literal_value(node)
        return any(type(option) is type(value) and option == value for option in declared.values)
    if isinstance(declared, ScalarType):
        value = literal_value(node)
        return value is not NOT_A_LITERAL and type(value) in _LITERAL_ACCEPTS[declared.name]
    return _container_matches(declared, node)


_NODE_KINDS: dict[str, type[ast.expr]] = {
    "list": ast.List,
    "set": ast.Set,
    "frozenset": ast.Set,
    "tuple": ast.Tuple,
    "dict": ast.Dict,
}


def _container_matches(declared: ContainerType, node: ast.expr) -> bool | None:
    if not isinstance(node, _NODE_KINDS[declared.kind]):
        return False
    if isinstance(node, ast.Dict):
        key_type, value_type = declared.args
        keys = (default_matches(key_type, key) if key is not None else None for key in node.keys)
        return _all_of(chain(keys, (default_matches(value_type, value) for value in node.values)))
    if not isinstance(node, ast.List | ast.Set | ast.Tuple):
        return False
    if declared.variadic:
        return _all_of(default_matches(declared.args[0], element) for element in node.elts)
    if len(node.elts) != len(declared.args):
        return False
    return _all_of(default_matches(member, element) for member, element in zip(declared.args, node.elts, strict=True))


def json_value(value: object) -> Any:
    """``value`` as JSON data: paths as strings, tuples and sets as lists, complex and bytes as ``repr``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(json_value(key)): json_value(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return [json_value(item) for item in stable_order(value)]
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return repr(value)


def stable_order(values: Iterable[object]) -> list[object]:
    """A set's items in a stable order: sorted when they compare, else by ``repr``."""
    items = list(values)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=repr)


# --- the parameters cell -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParameterStatement:
    """``name[: annotation] = value`` (``value`` is ``None`` for a bare, required ``name: T``)."""

    name: str
    line: int
    column: int
    annotation: ast.expr | None
    value: ast.expr | None


def parameter_statement(statement: ast.stmt) -> ParameterStatement | None:
    """``name[: type] = value`` or ``name: type`` as a parameter; ``None`` for other statements."""
    position = (statement.lineno, statement.col_offset + 1)
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return ParameterStatement(statement.target.id, *position, statement.annotation, statement.value)
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return ParameterStatement(statement.targets[0].id, *position, None, statement.value)
    return None


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """One parameter of a notebook.

    Attributes:
        name: the variable name.
        type: the declared type; :class:`AnyType` when there is no annotation or dsquality does
            not understand it (then ``checked`` is false and values are not type-checked).
        annotation: the annotation as written, ``None`` when there is none.
        default: the default value (``None`` when ``required`` or ``computed``).
        default_source: the default as written, ``None`` for a required parameter.
        required: a bare annotation (``data_path: Path``): a run must give a value.
        computed: the default is an expression, not a literal (DSQ303); it cannot be shown.
        help: the trailing comment of the parameter's line, without ``#`` (tool pragmas such as
            ``# noqa`` or ``# type: ignore`` are not help).
        line: the line of the parameters cell.
        checked: values are checked and converted against ``type``.
    """

    name: str
    type: ParamType
    annotation: str | None = None
    default: object = None
    default_source: str | None = None
    required: bool = False
    computed: bool = False
    help: str = ""
    line: int = 1
    checked: bool = False

    def to_json(self) -> dict[str, Any]:
        """The parameter as in the ``dsquality-params`` JSON document."""
        return {
            "name": self.name,
            "annotation": self.annotation,
            "type": self.type.to_json(),
            "checked": self.checked,
            "required": self.required,
            "default": None if self.required or self.computed else json_value(self.default),
            "default_source": self.default_source,
            "computed": self.computed,
            "help": self.help,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class ParameterSchema:
    """The parameters of a notebook, read from its first cell tagged ``parameters``.

    ``cell`` is that cell's 1-based number among all cells (``None`` when there is none);
    ``language`` is the kernel language: only Python notebooks are read, others have no
    parameters here and their values are injected unchecked.
    """

    notebook: Path
    parameters: tuple[ParameterSpec, ...] = ()
    cell: int | None = None
    language: str = "python"

    @classmethod
    def from_notebook(cls, path: Path) -> ParameterSchema:
        """Read the schema of the notebook at ``path``.

        Raises:
            NotebookFormatError: the notebook cannot be read, or its parameters cell does not parse.
        """
        return cls.from_model(build_model(read_notebook(path)))

    @classmethod
    def from_model(cls, model: NotebookModel) -> ParameterSchema:
        """Read the schema from an already built code model (see :func:`from_notebook`)."""
        path = model.notebook.path
        language = model.notebook.language
        if language not in PYTHON_LANGUAGES or not model.parameters_cells:
            return cls(path, language=language)
        code = model.parameters_cells[0]
        tree = code.parsed.tree
        if tree is None:
            problem = code.problem
            reason = "the cell tagged `parameters` is not Python code"
            if problem is not None:
                reason = f"the cell tagged `parameters` does not parse: {problem.message}"
            raise NotebookFormatError(path, reason, cell=code.index, line=problem.line if problem is not None else None)
        source = code.parsed.python.code or ""
        comments = _trailing_comments(source)
        lines = io.StringIO(source, newline="").readlines()  # split once: see _source
        specs: dict[str, ParameterSpec] = {}
        for statement in tree.body:
            found = parameter_statement(statement)
            if found is not None:
                end = statement.end_lineno or statement.lineno
                help_text = next((comments[n] for n in range(statement.lineno, end + 1) if n in comments), "")
                specs[found.name] = _spec(found, help_text, lines)
        return cls(path, tuple(specs.values()), code.index, language)

    @property
    def is_python(self) -> bool:
        """Whether the notebook runs a Python kernel (only those are type-checked)."""
        return self.language in PYTHON_LANGUAGES

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in cell order."""
        return tuple(spec.name for spec in self.parameters)

    def get(self, name: str) -> ParameterSpec | None:
        """The parameter called ``name``, if there is one."""
        return next((spec for spec in self.parameters if spec.name == name), None)

    def __iter__(self) -> Iterator[ParameterSpec]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def to_json(self) -> dict[str, Any]:
        """The versioned ``dsquality-params`` document (see ``dsq params --format json``).

        ``{"schema": "dsquality-params", "version": 1, "notebook": str, "cell": int | null,
        "language": str, "parameters": [{"name", "annotation", "type", "checked", "required",
        "default", "default_source", "computed", "help", "line"}]}``; ``type`` is
        ``{"kind": K, ...}`` with K one of ``any bool int float complex str bytes none path list
        set frozenset tuple dict literal union`` (see the ``to_json`` of each type class). New keys
        may be added; a change of meaning bumps ``version``.
        """
        return {
            "schema": SCHEMA_NAME,
            "version": SCHEMA_VERSION,
            "notebook": str(self.notebook),
            "cell": self.cell,
            "language": self.language,
            "parameters": [spec.to_json() for spec in self.parameters],
        }


def _spec(statement: ParameterStatement, help_text: str, lines: Sequence[str]) -> ParameterSpec:
    declared = annotation_type(statement.annotation) if statement.annotation is not None else None
    value = statement.value
    literal = value is not None and is_literal(value)
    default: object = None
    if value is not None and literal:
        try:
            default = evaluate_literal(value)
        except ValueError:  # {[1]}: literal syntax, but no value
            literal = False
    return ParameterSpec(
        name=statement.name,
        type=declared if declared is not None else AnyType(),
        annotation=_source(lines, statement.annotation) if statement.annotation is not None else None,
        default=default,
        default_source=_source(lines, value) if value is not None else None,
        required=value is None,
        computed=value is not None and not literal,
        help=help_text,
        line=statement.line,
        checked=declared is not None,
    )


def _source(lines: Sequence[str], node: ast.expr) -> str:
    """``node`` as written in the cell (``1_000``, ``'a' 'b'``), or unparsed when that cannot be found.

    ``lines`` are the cell's lines with their line breaks. What ``ast.get_source_segment`` does,
    without splitting the whole cell again for every node: a cell of N parameters takes O(N), not
    O(N²) (the fuzzer's 5,000-line parameters cell took 18 s).
    """
    end_line, end_column = node.end_lineno, node.end_col_offset
    if end_line is None or end_column is None or end_line > len(lines):
        return ast.unparse(node)
    first, last = lines[node.lineno - 1].encode(), lines[end_line - 1].encode()  # offsets count UTF-8 bytes
    if node.lineno == end_line:
        segment = first[node.col_offset : end_column].decode()
    else:
        middle = "".join(lines[node.lineno : end_line - 1])
        segment = first[node.col_offset :].decode() + middle + last[:end_column].decode()
    return segment or ast.unparse(node)


_PRAGMAS = ("noqa", "type:", "pragma", "fmt:", "pyright:", "pylint:")


def _is_pragma(comment: str) -> bool:
    """``# noqa: E501``, ``# type: ignore``…: comments for tools, not help for people."""
    return comment.lower().startswith(_PRAGMAS)


def _trailing_comments(source: str) -> dict[int, str]:
    """Line -> text of the comment that ends that line after some code (``x = 1  # help``)."""
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT or not token.line[: token.start[1]].strip():
                continue  # not a comment, or a comment on a line of its own
            text = token.string.lstrip("#").strip()
            if not _is_pragma(text):
                comments[token.start[0]] = text
    except (tokenize.TokenError, SyntaxError):  # the AST parsed, so this is not expected
        return comments
    return comments
