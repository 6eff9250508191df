"""The parameter schema: every annotation form, defaults, help comments, JSON."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest

from dsquality.errors import NotebookFormatError
from dsquality.runs.params import (
    SCHEMA_NAME,
    AnyType,
    ContainerType,
    LiteralType,
    ParameterSchema,
    PathType,
    ScalarType,
    UnionType,
    annotation_type,
    evaluate_literal,
    json_value,
)

INT, STR, FLOAT, NONE = ScalarType("int"), ScalarType("str"), ScalarType("float"), ScalarType("None")


def typed(annotation: str) -> object:
    return annotation_type(ast.parse(annotation, mode="eval").body)


# annotation -> (type, how it is displayed, its JSON form)
FORMS = [
    ("bool", ScalarType("bool"), "bool", {"kind": "bool"}),
    ("int", INT, "int", {"kind": "int"}),
    ("float", FLOAT, "float", {"kind": "float"}),
    ("str", STR, "str", {"kind": "str"}),
    ("complex", ScalarType("complex"), "complex", {"kind": "complex"}),
    ("bytes", ScalarType("bytes"), "bytes", {"kind": "bytes"}),
    ("None", NONE, "None", {"kind": "none"}),
    ("Any", AnyType(), "Any", {"kind": "any"}),
    ("typing.Any", AnyType(), "Any", {"kind": "any"}),
    ("object", AnyType(), "Any", {"kind": "any"}),
    ("Path", PathType(), "Path", {"kind": "path"}),
    ("pathlib.Path", PathType(), "Path", {"kind": "path"}),
    ("PurePath", PathType("PurePath"), "PurePath", {"kind": "path"}),
    ("list[int]", ContainerType("list", (INT,)), "list[int]", {"kind": "list", "items": {"kind": "int"}}),
    ("List[str]", ContainerType("list", (STR,)), "list[str]", {"kind": "list", "items": {"kind": "str"}}),
    ("list", ContainerType("list", (AnyType(),)), "list[Any]", {"kind": "list", "items": {"kind": "any"}}),
    ("set[int]", ContainerType("set", (INT,)), "set[int]", {"kind": "set", "items": {"kind": "int"}}),
    (
        "frozenset[str]",
        ContainerType("frozenset", (STR,)),
        "frozenset[str]",
        {"kind": "frozenset", "items": {"kind": "str"}},
    ),
    (
        "dict[str, float]",
        ContainerType("dict", (STR, FLOAT)),
        "dict[str, float]",
        {"kind": "dict", "keys": {"kind": "str"}, "values": {"kind": "float"}},
    ),
    (
        "Mapping[str, list[int]]",
        ContainerType("dict", (STR, ContainerType("list", (INT,)))),
        "dict[str, list[int]]",
        {"kind": "dict", "keys": {"kind": "str"}, "values": {"kind": "list", "items": {"kind": "int"}}},
    ),
    (
        "tuple[int, str]",
        ContainerType("tuple", (INT, STR), variadic=False),
        "tuple[int, str]",
        {"kind": "tuple", "items": [{"kind": "int"}, {"kind": "str"}]},
    ),
    (
        "tuple[float, ...]",
        ContainerType("tuple", (FLOAT,)),
        "tuple[float, ...]",
        {"kind": "tuple", "items": {"kind": "float"}},
    ),
    ("tuple[()]", ContainerType("tuple", (), variadic=False), "tuple[()]", {"kind": "tuple", "items": []}),
    (
        "Literal['fast', 'slow']",
        LiteralType(("fast", "slow")),
        "Literal['fast', 'slow']",
        {"kind": "literal", "values": ["fast", "slow"]},
    ),
    ("Literal[-1, 1]", LiteralType((-1, 1)), "Literal[-1, 1]", {"kind": "literal", "values": [-1, 1]}),
    (
        "int | None",
        UnionType((INT, NONE)),
        "int | None",
        {"kind": "union", "members": [{"kind": "int"}, {"kind": "none"}]},
    ),
    ("Optional[str]", UnionType((STR, NONE)), "str | None", None),
    ("typing.Optional[Path]", UnionType((PathType(), NONE)), "Path | None", None),
    ("Union[int, str]", UnionType((INT, STR)), "int | str", None),
    ("int | str | None", UnionType((INT, STR, NONE)), "int | str | None", None),  # flattened
    ("Optional[int | None]", UnionType((INT, NONE)), "int | None", None),  # no repeats
    ("'int | None'", UnionType((INT, NONE)), "int | None", None),  # a forward reference
    ("Annotated[int, 'help']", INT, "int", None),
    (
        "Sequence[int]",
        UnionType((ContainerType("list", (INT,)), ContainerType("tuple", (INT,)))),
        "list[int] | tuple[int, ...]",
        None,
    ),
    (
        "list[Literal['a'] | None]",
        ContainerType("list", (UnionType((LiteralType(("a",)), NONE)),)),
        "list[Literal['a'] | None]",
        None,
    ),
]


@pytest.mark.parametrize(("annotation", "expected", "text", "as_json"), FORMS, ids=[form[0] for form in FORMS])
def test_every_annotation_form(annotation: str, expected: object, text: str, as_json: object) -> None:
    declared = typed(annotation)
    assert declared == expected
    assert str(declared) == text
    if as_json is not None:
        assert declared.to_json() == as_json  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "annotation", ["np.ndarray", "MyEnum", "list[int, str]", "dict[str]", "Literal[x]", "'not valid('", "3", "f()"]
)
def test_annotations_not_understood(annotation: str) -> None:
    assert typed(annotation) is None


def test_evaluate_literal() -> None:
    def value(source: str) -> object:
        return evaluate_literal(ast.parse(source, mode="eval").body)

    assert value("-0.5") == -0.5
    assert value("Path('data.csv')") == Path("data.csv")
    assert value("pathlib.Path('x')") == Path("x")
    assert value("(1, 'a')") == (1, "a")
    assert value("{'a': [1, 2], 'b': {1, 2}}") == {"a": [1, 2], "b": {1, 2}}
    for source in ("f(x)", "{**other}", "{[1]}", "[*a]"):
        with pytest.raises(ValueError, match="not a literal"):
            value(source)


def test_json_value() -> None:
    assert json_value({"p": Path("a/b"), "t": (1, 2), "s": {3, 1}, "c": 1j, 1: None}) == {
        "p": "a/b",
        "t": [1, 2],
        "s": [1, 3],
        "c": "1j",
        "1": None,
    }
    assert json_value({"a", 1}) in (["a", 1], [1, "a"])  # not sortable: ordered by repr, still a list


PARAMETERS_CELL = '''"""Inputs of the training run."""
from pathlib import Path
from typing import Literal, Optional

%matplotlib inline
data_path: Path  # where the CSV is
alpha: float = 0.1  # learning rate
name: str = "run" "one"
# a full-line comment is not help
mode: Literal["fast", "slow"] = "fast"
seed: Optional[int] = None
layers: list[int] = [
    64,
    32,
]  # widths of the hidden layers
out: Path = Path("out")
n_steps = alpha * 100  # computed
arr: np.ndarray = [1, 2]
epochs = 10  # noqa: DSQ304
count: int = 1_000  # type: ignore[assignment]
'''


def test_schema_from_notebook(write_notebook) -> None:
    nb = write_notebook(["md:# t", "import numpy as np", (PARAMETERS_CELL, ["parameters"]), "print(alpha)"])
    schema = ParameterSchema.from_notebook(nb)
    assert schema.notebook == nb
    assert schema.cell == 3
    assert schema.is_python
    assert schema.names == (
        "data_path", "alpha", "name", "mode", "seed", "layers", "out", "n_steps", "arr", "epochs", "count"
    )  # fmt: skip
    spec = {parameter.name: parameter for parameter in schema}

    data = spec["data_path"]
    assert (data.type, data.required, data.default_source, data.help, data.line) == (
        PathType(),
        True,
        None,
        "where the CSV is",
        6,
    )
    assert (spec["alpha"].type, spec["alpha"].default, spec["alpha"].help, spec["alpha"].required) == (
        FLOAT,
        0.1,
        "learning rate",
        False,
    )
    assert spec["name"].default == "runone"
    assert spec["name"].default_source == '"run" "one"'  # as written
    assert spec["name"].help == ""  # the comment line above does not count
    assert spec["mode"].type == LiteralType(("fast", "slow"))
    assert spec["seed"].type == UnionType((INT, NONE))
    assert spec["seed"].default is None
    assert not spec["seed"].required
    assert spec["layers"].default == [64, 32]
    assert spec["layers"].help == "widths of the hidden layers"  # a comment on the statement's last line
    assert spec["out"].default == Path("out")
    assert spec["n_steps"].computed
    assert spec["n_steps"].default is None
    assert spec["n_steps"].default_source == "alpha * 100"
    assert spec["arr"].type == AnyType()
    assert not spec["arr"].checked
    assert spec["arr"].annotation == "np.ndarray"
    assert spec["epochs"].annotation is None
    assert spec["epochs"].type == AnyType()
    assert spec["epochs"].default == 10
    assert spec["count"].default_source == "1_000"
    assert spec["count"].default == 1000
    assert spec["count"].help == spec["epochs"].help == ""  # pragmas are not help
    assert all(spec[name].checked for name in ("data_path", "alpha", "name", "mode", "seed", "layers", "out", "count"))
    assert schema.get("missing") is None
    assert len(schema) == 11


def test_schema_json_is_stable_and_serializable(write_notebook) -> None:
    nb = write_notebook([("data: Path  # input\nalpha: float = 0.5\nids: tuple[int, ...] = (1, 2)", ["parameters"])])
    document = ParameterSchema.from_notebook(nb).to_json()
    assert json.loads(json.dumps(document)) == document
    assert document["schema"] == SCHEMA_NAME
    assert document["version"] == 1
    assert document["cell"] == 1
    assert document["parameters"][0] == {
        "name": "data",
        "annotation": "Path",
        "type": {"kind": "path"},
        "checked": True,
        "required": True,
        "default": None,
        "default_source": None,
        "computed": False,
        "help": "input",
        "line": 1,
    }
    assert document["parameters"][2]["default"] == [1, 2]
    assert document["parameters"][2]["type"] == {"kind": "tuple", "items": {"kind": "int"}}


def test_first_parameters_cell_wins_and_last_assignment_wins(write_notebook) -> None:
    nb = write_notebook([("a: int = 1\na: str = 'x'", ["parameters"]), ("b: int = 2", ["parameters"])])
    schema = ParameterSchema.from_notebook(nb)
    assert schema.names == ("a",)
    assert schema.parameters[0].type == STR


def test_notebook_without_parameters_cell(write_notebook) -> None:
    schema = ParameterSchema.from_notebook(write_notebook(["x = 1"]))
    assert (schema.cell, schema.parameters, schema.is_python) == (None, (), True)


def test_non_python_notebook_has_no_schema(write_notebook) -> None:
    nb = write_notebook([("alpha <- 0.1", ["parameters"])])
    data = json.loads(nb.read_text())
    data["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    data["metadata"]["language_info"] = {"name": "R"}
    nb.write_text(json.dumps(data))
    schema = ParameterSchema.from_notebook(nb)
    assert (schema.language, schema.is_python, schema.parameters) == ("r", False, ())


def test_unparsable_parameters_cell_is_a_format_error(write_notebook) -> None:
    nb = write_notebook(["md:# t", ("alpha: float = (0.1", ["parameters"])])
    with pytest.raises(NotebookFormatError) as caught:
        ParameterSchema.from_notebook(nb)
    assert caught.value.cell == 2
    assert "the cell tagged `parameters` does not parse" in str(caught.value)


def test_non_python_parameters_cell_is_a_format_error(write_notebook) -> None:
    nb = write_notebook([("%%bash\necho hi", ["parameters"])])
    with pytest.raises(NotebookFormatError, match="is not Python code"):
        ParameterSchema.from_notebook(nb)


def test_missing_notebook_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(NotebookFormatError):
        ParameterSchema.from_notebook(tmp_path / "missing.ipynb")


def test_a_parameters_cell_of_thousands_of_lines_is_read_in_linear_time(write_notebook) -> None:
    # Found by the fuzzer (tests/fuzz): each parameter's source was found by splitting the whole cell
    # again (ast.get_source_segment), so a 5,000-line parameters cell took 18 s and 20,000 lines minutes.
    lines = "".join(f"p{i}: tuple[int, ...] = (\n    {i},\n)  # help {i}\n" for i in range(5_000))
    nb = write_notebook([(lines + "name = 'é😀'\n", ["parameters"])])
    start = time.perf_counter()
    schema = ParameterSchema.from_notebook(nb)
    assert time.perf_counter() - start < 5  # about 0.3 s; several minutes before
    assert len(schema) == 5_001
    spec = schema.parameters[42]
    assert (spec.annotation, spec.default_source, spec.help) == ("tuple[int, ...]", "(\n    42,\n)", "help 42")
    assert schema.parameters[-1].default_source == "'é😀'"
