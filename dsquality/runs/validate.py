"""Convert and check the values of a notebook run against its :class:`~dsquality.runs.params.ParameterSchema`.

Values come in two forms:

- :class:`Text`: what a person typed, a ``-p NAME VALUE`` argument or a plain (unquoted) YAML
  scalar. It is converted by the declared type, so ``007`` stays ``"007"`` for a ``str``, is ``7``
  for an ``int``, and ``abc`` for a ``float`` is an error. A ``bool`` takes
  ``true/false/yes/no/1/0`` (any case); ``None`` takes ``none/null/~``; containers take YAML or
  JSON (``[1, 2]``, ``{a: 0.5}``) whose items are converted in turn. Untyped parameters get the
  JSON reading of the text (``true``, ``null``, ``12``, ``1e-3``), anything else stays a string
  (``007`` too: YAML 1.1 would read it as octal).
- Python values (JSON documents, quoted YAML strings, Python callers): checked against the type,
  with the conversions it implies (an ``int`` for a ``float`` becomes ``1.0``, a string for a
  ``Path`` a :class:`~pathlib.Path`, a list for a ``tuple`` or ``set`` one of those).

Union members are tried from the most specific to the least: ``None``, ``bool``, ``int``,
``float``, ``complex``, ``Literal``, containers, ``str``, ``Path``, ``bytes``, ``Any``.

:func:`check` never raises: it returns the converted values and every problem; :func:`validate`
raises one :class:`~dsquality.errors.ParameterError` listing them all, and :func:`validate_grid`
does the same for a whole list of runs (one error for every problem of every run).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from dsquality.errors import ParameterError, ParameterProblem
from dsquality.runs.params import (
    AnyType,
    ContainerType,
    LiteralType,
    ParameterSchema,
    ParameterSpec,
    ParamType,
    PathType,
    ScalarType,
    UnionType,
)

if TYPE_CHECKING:
    import yaml

__all__ = [
    "Checked",
    "Text",
    "check",
    "convert",
    "parse_yaml",
    "read_values",
    "validate",
    "validate_grid",
]


@dataclass(frozen=True, slots=True)
class Text:
    """A value as a person typed it (``-p NAME VALUE``, a plain YAML scalar): converted by the declared type."""

    text: str

    def __str__(self) -> str:
        return self.text


class _Mismatch(Exception):  # noqa: N818 - internal control flow, never escapes this module
    """A value is not ``what`` (``an integer``).

    ``where`` is the path to the offending item (``[1]['a']``); ``key`` is set when the offending
    part is a mapping key; ``detail`` says more (``it has 3``).
    """

    def __init__(self, what: str, *, detail: str | None = None, where: str = "", key: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.detail = detail
        self.where = where
        self.key = key

    def inside(self, step: str) -> _Mismatch:
        return _Mismatch(self.what, detail=self.detail, where=step + self.where, key=self.key)

    def describe(self) -> str:
        """``not a number``, ``item [1] is not an integer``, ``key 'x' of item [0] is not an integer``."""
        message = f"not {self.what}" + (f": {self.detail}" if self.detail else "")
        subject = f"item {self.where}" if self.where else ""
        if self.key is not None:
            subject = f"key {self.key}" + (f" of {subject}" if subject else "")
        return f"{subject} is {message}" if subject else message


# --- conversion of one value -------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_NULL = frozenset({"none", "null", "~"})
_INTEGER = re.compile(r"[+-]?\d+(?:_\d+)*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?P<fraction>\.\d+)?(?P<exponent>[eE][+-]?\d+)?")
_SCALAR_WHAT = {
    "bool": "a boolean (true/false, yes/no, 1/0)",
    "int": "an integer",
    "float": "a number",
    "complex": "a complex number",
    "str": "a string",
    "bytes": "bytes",
    "None": "None",
}
_INJECTABLE = (type(None), bool, int, float, complex, str, bytes, Path)
# Union members are tried in this order (see the module docstring); unlisted kinds go last.
_ORDER = {"None": 0, "bool": 1, "int": 2, "float": 3, "complex": 4, "str": 7, "bytes": 9}


def _what(declared: ParamType) -> str:
    """``an integer``, ``a list``, ``one of 'a', 'b'``: the noun in "is not …" messages."""
    if isinstance(declared, ScalarType):
        return _SCALAR_WHAT[declared.name]
    if isinstance(declared, PathType):
        return "a path"
    if isinstance(declared, LiteralType):
        return "one of " + ", ".join(map(repr, declared.values))
    if isinstance(declared, ContainerType):
        if declared.kind == "tuple" and not declared.variadic:
            return f"a tuple of {len(declared.args)} items"
        return f"a {declared.kind}"
    if isinstance(declared, UnionType):
        return " or ".join(_what(member) for member in declared.members)
    return "a literal (None, a bool, number, string, bytes, Path, or a list, tuple, set or dict of them)"


def _priority(declared: ParamType) -> int:
    if isinstance(declared, ScalarType):
        return _ORDER[declared.name]
    if isinstance(declared, LiteralType):
        return 5
    if isinstance(declared, ContainerType):
        return 6
    if isinstance(declared, PathType):
        return 8
    return 10


def convert(declared: ParamType, value: object) -> object:
    """``value`` converted to ``declared`` (see the module docstring).

    Raises:
        ValueError: the value is not one of the type; the message says why (one line).
    """
    try:
        return _convert(declared, value)
    except _Mismatch as exc:
        raise ValueError(exc.describe()) from None


def _convert(declared: ParamType, value: object) -> object:
    if isinstance(declared, UnionType):
        for member in sorted(declared.members, key=_priority):
            try:
                return _convert(member, value)
            except _Mismatch:
                continue
        raise _Mismatch(_what(declared))
    if isinstance(value, Text):
        if isinstance(declared, ContainerType):
            parsed = _structure(value.text, declared)
            return _from_value(declared, parsed)
        return _from_text(declared, value.text)
    return _from_value(declared, value)


def _structure(text: str, declared: ParamType) -> object:
    """The YAML/JSON collection written in ``text``, for a container type."""
    try:
        parsed = parse_yaml(text)
    except ValueError as exc:
        raise _Mismatch(_what(declared), detail=str(exc)) from None
    if not isinstance(parsed, list | dict):
        raise _Mismatch(_what(declared), detail="write it in YAML or JSON, e.g. [1, 2] or {a: 1}")
    return parsed


def _from_text(declared: ParamType, text: str) -> object:
    if isinstance(declared, AnyType):
        return _natural(text)
    if isinstance(declared, PathType):
        if not text:
            raise _Mismatch(_what(declared))
        return Path(text)
    if isinstance(declared, LiteralType):
        for option in declared.values:  # an exact string first: Literal["1", 1] with "1" is "1"
            if isinstance(option, str) and option == text:
                return option
        for option in declared.values:
            try:
                if not isinstance(option, str) and _scalar_from_text(_scalar_name(option), text) == option:
                    return option
            except _Mismatch:
                continue
        raise _Mismatch(_what(declared))
    assert isinstance(declared, ScalarType)  # noqa: S101 - containers and unions are handled by _convert
    return _scalar_from_text(declared.name, text)


def _scalar_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _scalar_from_text(name: str, text: str) -> object:
    word = text.strip()
    try:
        if name == "str":
            return text
        if name == "bytes":
            return text.encode()
        if name == "bool" and word.lower() in _TRUE | _FALSE:
            return word.lower() in _TRUE
        if name == "None" and word.lower() in _NULL:
            return None
        if name == "int" and _INTEGER.fullmatch(word):
            return int(word)
        if name == "float" and word:
            return float(word)
        if name == "complex" and word:
            return complex(word)
    except ValueError:  # float("abc"), an integer longer than Python's digit limit
        pass
    raise _Mismatch(_SCALAR_WHAT.get(name, name))


def _natural(text: str) -> object:
    """An untyped value: JSON's reading of ``text`` (``true``, ``null``, ``12``, ``[1, 2]``), else the text."""
    word = text.strip()
    if word in {"true", "True"}:
        return True
    if word in {"false", "False"}:
        return False
    if word in {"null", "None", "~"}:
        return None
    number = _JSON_NUMBER.fullmatch(word)
    if number:
        return float(word) if number["fraction"] or number["exponent"] else int(word)
    if word[:1] in {"[", "{"}:
        try:
            parsed = parse_yaml(text)
        except ValueError:
            return text
        return _from_value(AnyType(), parsed)
    return text


def _from_value(declared: ParamType, value: object) -> object:
    """A Python value (whose items may still be :class:`Text`) checked and converted to ``declared``."""
    if isinstance(value, Text):
        return _convert(declared, value)
    if isinstance(declared, AnyType):
        return _any_value(value)
    if isinstance(declared, ScalarType):
        return _scalar_value(declared, value)
    if isinstance(declared, PathType):
        if isinstance(value, PurePath) or (isinstance(value, str) and value):
            return Path(value)
        raise _Mismatch(_what(declared))
    if isinstance(declared, LiteralType):
        for option in declared.values:
            if type(option) is type(value) and option == value:
                return option
        raise _Mismatch(_what(declared))
    if isinstance(declared, ContainerType):
        return _container_value(declared, value)
    return _convert(declared, value)  # a union inside a container


def _scalar_value(declared: ScalarType, value: object) -> object:
    name = declared.name
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name == "str" and isinstance(value, str):
        return value
    if name == "bytes" and isinstance(value, bytes):
        return value
    if name == "bool" and isinstance(value, bool):
        return value
    if name == "None" and value is None:
        return None
    if name == "int" and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if name == "float" and number:
        return float(value)  # type: ignore[arg-type]
    if name == "complex" and (number or isinstance(value, complex)):
        return complex(value)  # type: ignore[call-overload]
    raise _Mismatch(_what(declared))


def _any_value(value: object) -> object:
    """An untyped value: any literal Python can write (items of containers converted the same way)."""
    if isinstance(value, Text):
        return _natural(value.text)
    if isinstance(value, PurePath):
        return Path(value)
    if isinstance(value, _INJECTABLE):
        return value
    for kind, untyped in _UNTYPED.items():
        if isinstance(value, kind):
            return _container_value(untyped, value)
    raise _Mismatch(_what(AnyType()), detail=f"got a {type(value).__name__}")


_UNTYPED: dict[type, ContainerType] = {
    Mapping: ContainerType("dict", (AnyType(), AnyType())),
    list: ContainerType("list", (AnyType(),)),
    tuple: ContainerType("tuple", (AnyType(),)),
    frozenset: ContainerType("frozenset", (AnyType(),)),
    set: ContainerType("set", (AnyType(),)),
}


def _container_value(declared: ContainerType, value: object) -> object:
    if declared.kind == "dict":
        if not isinstance(value, Mapping):
            raise _Mismatch(_what(declared))
        key_type, value_type = declared.args
        return {_key(key_type, key): _item(value_type, item, f"[{_show_key(key)}]") for key, item in value.items()}
    sequences = (list, tuple, set, frozenset) if declared.kind in {"set", "frozenset"} else (list, tuple)
    if not isinstance(value, sequences):
        raise _Mismatch(_what(declared))
    if not declared.variadic and len(value) != len(declared.args):
        raise _Mismatch(_what(declared), detail=f"it has {len(value)}")
    types = declared.args if not declared.variadic else (declared.args[0],) * len(value)
    items = [
        _item(item_type, item, f"[{index}]") for index, (item_type, item) in enumerate(zip(types, value, strict=True))
    ]
    if declared.kind == "list":
        return items
    if declared.kind == "tuple":
        return tuple(items)
    try:
        return set(items) if declared.kind == "set" else frozenset(items)
    except TypeError:
        raise _Mismatch(_what(declared), detail="its items cannot be hashed") from None


def _item(declared: ParamType, value: object, step: str) -> object:
    try:
        return _from_value(declared, value)
    except _Mismatch as exc:
        raise exc.inside(step) from None


def _key(declared: ParamType, key: object) -> object:
    # JSON keys are always strings: read them as typed text when the key type is not a string.
    if isinstance(key, str) and not _accepts_str(declared):
        key = Text(key)
    try:
        converted = _from_value(declared, key)
        hash(converted)
    except _Mismatch as exc:
        raise _Mismatch(exc.what, detail=exc.detail, key=_show_key(key)) from None
    except TypeError:
        raise _Mismatch("hashable", key=_show_key(key)) from None
    return converted


def _accepts_str(declared: ParamType) -> bool:
    if isinstance(declared, UnionType):
        return any(map(_accepts_str, declared.members))
    return isinstance(declared, AnyType | PathType) or declared == ScalarType("str")


def _show_key(key: object) -> str:
    return repr(key.text if isinstance(key, Text) else key)


# --- YAML with the source text of every plain scalar kept --------------------------------------


def parse_yaml(text: str) -> object:
    """Parse one YAML (or JSON) document, keeping plain scalars as :class:`Text`.

    Quoted scalars are strings, an empty plain scalar (``key:``) is ``None``, sequences are lists
    and mappings dicts. Values keep the text they were written with, so that they are converted
    by the declared type (``007`` for a ``str``), not by YAML 1.1's guesses (octal, ``yes``).

    Raises:
        ValueError: not valid YAML, or a collection key that is itself a collection; one line.
    """
    import yaml  # noqa: PLC0415 - only runs that pass YAML need it

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        return None if node is None else _from_node(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        what = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise ValueError(f"not valid YAML: {what}{where}") from None
    except yaml.YAMLError as exc:
        raise ValueError("not valid YAML: " + " ".join(str(exc).split())) from None
    except (TypeError, RecursionError):
        raise ValueError("not valid YAML for parameters: a key is a collection, or an alias refers to itself") from None


def _from_node(node: yaml.Node) -> object:
    import yaml  # noqa: PLC0415

    if isinstance(node, yaml.ScalarNode):
        if node.style is None:  # plain: typed later, by the declared type
            return Text(node.value) if node.value != "" else None
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_from_node(item) for item in node.value]
    assert isinstance(node, yaml.MappingNode)  # noqa: S101 - the three kinds of YAML nodes
    return {_from_node(key): _from_node(item) for key, item in node.value}


def read_values(
    *,
    files: Iterable[Path] = (),
    documents: Iterable[str] = (),
    pairs: Iterable[tuple[str, str]] = (),
) -> tuple[dict[str, object], tuple[ParameterProblem, ...]]:
    """Gather the values of a run from YAML files, YAML strings and ``NAME VALUE`` pairs.

    Later sources override earlier ones: files, then documents, then pairs, each in order. A file
    or document that is not a YAML mapping of names to values is a problem named after it; the
    caller reports these with the validation problems (see ``problems`` of :func:`validate`).
    """
    values: dict[str, object] = {}
    problems: list[ParameterProblem] = []
    sources: list[tuple[str, str]] = []
    for path in files:
        try:
            sources.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ParameterProblem(str(path), f"cannot read the parameters file: {exc}"))
    sources.extend((f"-y {document!r}", document) for document in documents)
    for source, text in sources:
        try:
            parsed = parse_yaml(text)
        except ValueError as exc:
            problems.append(ParameterProblem(source, str(exc)))
            continue
        if parsed is None:
            continue
        if not isinstance(parsed, dict) or not all(isinstance(key, Text | str) for key in parsed):
            problems.append(ParameterProblem(source, "not a YAML mapping of parameter names to values"))
            continue
        values.update({str(key): value for key, value in parsed.items()})
    values.update((name, Text(value)) for name, value in pairs)
    return values, tuple(problems)


# --- checking every value of a run -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """The converted values of a run (only those given; defaults stay in the notebook) and its problems."""

    values: dict[str, object]
    problems: tuple[ParameterProblem, ...]


def check(schema: ParameterSchema, values: Mapping[str, object]) -> Checked:
    """Convert ``values`` by the types ``schema`` declares; collect every problem instead of raising.

    Problems: unknown names (with a did-you-mean), values that are not of the declared type or
    not among a ``Literal``'s values, and required parameters without a value. A notebook with a
    non-Python kernel is not read, so its values are not checked, only read as untyped text.
    """
    converted: dict[str, object] = {}
    problems: list[ParameterProblem] = []
    for name, value in values.items():
        spec = schema.get(name) if schema.is_python else ParameterSpec(name, AnyType())
        if spec is None:
            problems.append(ParameterProblem(name, _unknown(schema, name)))
            continue
        try:
            converted[name] = _convert(spec.type, value)
        except _Mismatch as exc:
            problems.append(ParameterProblem(name, exc.describe(), expected=_expected(spec), given=_show(value)))
    problems.extend(
        ParameterProblem(spec.name, "required (the notebook gives no default) but not given", expected=_expected(spec))
        for spec in schema
        if spec.required and spec.name not in values
    )
    return Checked(converted, tuple(problems))


def validate(
    schema: ParameterSchema, values: Mapping[str, object], *, problems: Iterable[ParameterProblem] = ()
) -> dict[str, object]:
    """The converted values of one run; raise one error naming every problem.

    ``problems`` found earlier (e.g. by :func:`read_values`) are reported with the others.

    Raises:
        ParameterError: any problem, all of them listed with the notebook, parameter, expected
            type and value given.
    """
    checked = check(schema, values)
    found = (*problems, *checked.problems)
    if found:
        raise ParameterError(schema.notebook, found)
    return checked.values


def validate_grid(
    schema: ParameterSchema, runs: Sequence[Mapping[str, object]], *, labels: Sequence[str] | None = None
) -> list[dict[str, object]]:
    """The converted values of every run of a grid; raise one error naming every problem of every run.

    A problem found in several runs is listed once, with the runs it is in (``runs 2, 5: alpha: …``,
    ``all 12 runs: sede: unknown parameter…``). ``labels`` name the runs (default ``run 1``…).

    Raises:
        ParameterError: any problem in any run.
    """
    names = list(labels) if labels is not None else [f"run {index}" for index in range(1, len(runs) + 1)]
    if len(names) != len(runs):
        raise ValueError(f"{len(names)} labels for {len(runs)} runs")
    results = [check(schema, values) for values in runs]
    where: dict[ParameterProblem, list[str]] = {}
    for name, result in zip(names, results, strict=True):
        for problem in result.problems:
            where.setdefault(problem, []).append(name)
    if where:
        raise ParameterError(
            schema.notebook,
            [
                ParameterProblem(
                    f"{_runs(found, len(runs))}: {problem.name}", problem.reason, problem.expected, problem.given
                )
                for problem, found in where.items()
            ],
        )
    return [result.values for result in results]


def _runs(found: Sequence[str], total: int) -> str:
    if len(found) == total and total > 1:
        return f"all {total} runs"
    if len(found) == 1:
        return found[0]
    shown = ", ".join(found[:5])
    return f"{shown}, … ({len(found)} runs)" if len(found) > 5 else shown  # noqa: PLR2004


def _unknown(schema: ParameterSchema, name: str) -> str:
    if schema.cell is None:
        return "unknown parameter: the notebook has no code cell tagged `parameters`"
    close = difflib.get_close_matches(name, schema.names, n=1)
    if close:
        return f"unknown parameter; did you mean '{close[0]}'?"
    declared = ", ".join(schema.names[:12]) + (", …" if len(schema.names) > 12 else "")  # noqa: PLR2004
    return f"unknown parameter; the notebook's parameters are: {declared}" if declared else "unknown parameter"


def _expected(spec: ParameterSpec) -> str:
    if spec.checked or spec.annotation is None:
        return str(spec.type)
    return f"{spec.annotation} (not checked)"


def _show(value: object) -> str:
    text = repr(value.text) if isinstance(value, Text) else repr(_plain(value))
    return text if len(text) <= 60 else text[:57] + "…"  # noqa: PLR2004


def _plain(value: Any) -> Any:
    """``value`` with :class:`Text` items written as their text, for messages."""
    if isinstance(value, Text):
        return value.text
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    return value
