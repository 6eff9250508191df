"""Conversion and validation of run parameters: every type form, every problem, grids, YAML sources."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsquality.errors import ParameterError, ParameterProblem
from dsquality.runs.params import ParameterSchema, ParamType, annotation_type
from dsquality.runs.validate import Text, check, convert, parse_yaml, read_values, validate, validate_grid


def typed(annotation: str) -> ParamType:
    declared = annotation_type(ast.parse(annotation, mode="eval").body)
    assert declared is not None
    return declared


# --- text as typed on a command line -----------------------------------------------------------

FROM_TEXT = [
    ("str", "007", "007"),
    ("str", "  spaced ", "  spaced "),
    ("str", "[not, a, list]", "[not, a, list]"),
    ("int", "007", 7),
    ("int", "-12", -12),
    ("int", "1_000", 1000),
    ("float", "0.5", 0.5),
    ("float", "1e-3", 0.001),
    ("float", "3", 3.0),
    ("float", "-inf", float("-inf")),
    ("complex", "1+2j", 1 + 2j),
    ("bytes", "abc", b"abc"),
    ("bool", "true", True),
    ("bool", "False", False),
    ("bool", "YES", True),
    ("bool", "no", False),
    ("bool", "1", True),
    ("bool", "0", False),
    ("None", "null", None),
    ("None", "None", None),
    ("Path", "data/train.csv", Path("data/train.csv")),
    ("Path", "007", Path("007")),
    ("list[int]", "[1, 2, 3]", [1, 2, 3]),
    ("list[int]", "[]", []),
    ("list[str]", "[007, a b]", ["007", "a b"]),
    ("list[str]", '["x, y", "z"]', ["x, y", "z"]),
    ("list[float]", "- 1\n- 2.5", [1.0, 2.5]),
    ("list[Path]", "[a.csv, b.csv]", [Path("a.csv"), Path("b.csv")]),
    ("set[int]", "[1, 2, 1]", {1, 2}),
    ("frozenset[str]", "[a]", frozenset({"a"})),
    ("tuple[int, str]", "[1, 007]", (1, "007")),
    ("tuple[float, ...]", "[1, 2.5, 3]", (1.0, 2.5, 3.0)),
    ("tuple[()]", "[]", ()),
    ("dict[str, float]", "{a: 0.5, b: 1}", {"a": 0.5, "b": 1.0}),
    ("dict[str, float]", '{"a": 0.5}', {"a": 0.5}),
    ("dict[int, str]", "{1: one, 2: two}", {1: "one", 2: "two"}),
    ("dict[str, list[int]]", "{a: [1, 2]}", {"a": [1, 2]}),
    ("Literal['fast', 'slow']", "slow", "slow"),
    ("Literal[1, 2]", "2", 2),
    ("Literal['1', 1]", "1", "1"),  # the exact string first
    ("Literal[True, None]", "null", None),
    ("int | None", "7", 7),
    ("int | None", "null", None),
    ("Optional[str]", "007", "007"),
    ("Optional[str]", "None", None),  # a null spelling is None for an optional
    ("Path | None", "~", None),
    ("int | str", "007", 7),  # the more specific member first
    ("float | int", "3", 3),
    ("bool | int", "1", True),
    ("list[int] | None", "[1]", [1]),
    ("Literal['auto'] | float", "auto", "auto"),
    ("Literal['auto'] | float", "0.5", 0.5),
    ("Any", "007", "007"),  # not octal, not 7: untyped text stays text unless it is JSON
    ("Any", "12", 12),
    ("Any", "1e-3", 0.001),
    ("Any", "true", True),
    ("Any", "null", None),
    ("Any", "yes", "yes"),
    ("Any", "[1, a, null]", [1, "a", None]),
    ("Any", "{a: [1]}", {"a": [1]}),
    ("Any", "[broken", "[broken"),
]


@pytest.mark.parametrize(("annotation", "text", "expected"), FROM_TEXT)
def test_text_is_converted_by_the_declared_type(annotation: str, text: str, expected: object) -> None:
    value = convert(typed(annotation), Text(text))
    assert value == expected
    assert type(value) is type(expected)
    if isinstance(value, list | tuple):
        assert [type(item) for item in value] == [type(item) for item in expected]  # type: ignore[attr-defined]


BAD_TEXT = [
    ("float", "abc", "not a number"),
    ("float", "", "not a number"),
    ("int", "7.0", "not an integer"),
    ("int", "1e3", "not an integer"),
    ("int", "seven", "not an integer"),
    ("bool", "2", "not a boolean (true/false, yes/no, 1/0)"),
    ("bool", "maybe", "not a boolean"),
    ("None", "nothing", "not None"),
    ("Path", "", "not a path"),
    ("complex", "x", "not a complex number"),
    ("list[int]", "5", "not a list: write it in YAML or JSON"),
    ("list[int]", "[1, x]", "item [1] is not an integer"),
    ("list[int]", "[1, 2", "not a list: not valid YAML: "),
    ("list[int]", "{a: 1}", "not a list"),
    ("dict[str, float]", "{a: heavy}", "item ['a'] is not a number"),
    ("dict[str, float]", "[1]", "not a dict"),
    ("dict[int, str]", "{x: a}", "key 'x' is not an integer"),
    ("list[dict[int, str]]", "[{1: a}, {x: b}]", "key 'x' of item [1] is not an integer"),
    ("list[list[int]]", "[[1], [2, b]]", "item [1][1] is not an integer"),
    ("tuple[int, str]", "[1, a, b]", "not a tuple of 2 items: it has 3"),
    ("tuple[int, str]", "[a, b]", "item [0] is not an integer"),
    ("set[list[int]]", "[[1]]", "not a set: its items cannot be hashed"),
    ("Literal['fast', 'slow']", "medium", "not one of 'fast', 'slow'"),
    ("Literal[1, 2]", "3", "not one of 1, 2"),
    ("int | None", "x", "not an integer or None"),
    ("list[Literal['a', 'b']]", "[a, c]", "item [1] is not one of 'a', 'b'"),
]


@pytest.mark.parametrize(("annotation", "text", "reason"), BAD_TEXT)
def test_text_that_does_not_fit_the_type(annotation: str, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(reason)):
        convert(typed(annotation), Text(text))


# --- Python values (JSON, quoted YAML strings, Python callers) ----------------------------------

FROM_VALUES = [
    ("float", 1, 1.0),
    ("float", 0.5, 0.5),
    ("complex", 2, 2 + 0j),
    ("int", 3, 3),
    ("str", "007", "007"),
    ("Path", "a.csv", Path("a.csv")),
    ("Path", Path("a.csv"), Path("a.csv")),
    ("tuple[int, ...]", [1, 2], (1, 2)),
    ("tuple[int, str]", (1, "a"), (1, "a")),
    ("list[float]", (1, 2), [1.0, 2.0]),
    ("set[str]", ["a", "b"], {"a", "b"}),
    ("dict[int, str]", {"1": "a"}, {1: "a"}),  # JSON keys are strings: read as typed text
    ("dict[str, Path]", {"x": "a"}, {"x": Path("a")}),
    ("Literal['a', 1]", 1, 1),
    ("int | None", None, None),
    ("Any", (1, Path("p")), (1, Path("p"))),
]


@pytest.mark.parametrize(("annotation", "value", "expected"), FROM_VALUES)
def test_python_values_are_checked_and_converted(annotation: str, value: object, expected: object) -> None:
    converted = convert(typed(annotation), value)
    assert converted == expected
    assert type(converted) is type(expected)


BAD_VALUES = [
    ("int", True, "not an integer"),  # a bool given for an int is a mistake at run time
    ("int", 1.5, "not an integer"),
    ("float", "0.5", "not a number"),  # a quoted string is a string
    ("float", True, "not a number"),
    ("bool", 1, "not a boolean"),
    ("str", 7, "not a string"),
    ("Path", 3, "not a path"),
    ("Literal['a', 1]", True, "not one of 'a', 1"),
    ("Literal[1]", 1.0, "not one of 1"),
    ("list[int]", {"a": 1}, "not a list"),
    ("tuple[int, int]", [1], "not a tuple of 2 items: it has 1"),
    ("Any", object(), "not a literal (None, a bool, number, string, bytes, Path, or a list, tuple, set or dict"),
    ("list[Any]", [1, object()], "item [1] is not a literal"),
]


@pytest.mark.parametrize(("annotation", "value", "reason"), BAD_VALUES)
def test_python_values_that_do_not_fit(annotation: str, value: object, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(reason)):
        convert(typed(annotation), value)


@given(st.sampled_from(FROM_TEXT + FROM_VALUES))
def test_conversion_is_idempotent(case: tuple[str, object, object]) -> None:
    """Converting a converted value changes nothing: a batch can validate a grid, then each run again."""
    annotation, raw, _ = case
    declared = typed(annotation)
    once = convert(declared, Text(raw) if isinstance(raw, str) and case in FROM_TEXT else raw)
    twice = convert(declared, once)
    assert twice == once
    assert type(twice) is type(once)


# --- YAML ---------------------------------------------------------------------------------------


def test_parse_yaml_keeps_plain_scalars_as_text() -> None:
    parsed = parse_yaml("a: 007\nb: '007'\nc:\nd: [1, \"2\", yes]\ne: {k: 1.0}\n")
    assert parsed == {
        Text("a"): Text("007"),
        Text("b"): "007",
        Text("c"): None,
        Text("d"): [Text("1"), "2", Text("yes")],
        Text("e"): {Text("k"): Text("1.0")},
    }
    assert parse_yaml("") is None
    assert parse_yaml('{"json": [1, 2]}') == {"json": [Text("1"), Text("2")]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a: [1", "not valid YAML: while parsing a flow sequence, expected ',' or ']', but got '<stream end>' (line 1"),
        ("a: b: c", "not valid YAML: mapping values are not allowed here (line 1, column 5)"),
        ("a: 1\n---\nb: 2", "not valid YAML: expected a single document in the stream"),
        ("{[1]: 2}", "not valid YAML for parameters: a key is a collection"),
    ],
)
def test_parse_yaml_errors_are_one_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(reason)) as caught:
        parse_yaml(text)
    assert "\n" not in str(caught.value)


def test_read_values_precedence_and_problems(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text("alpha: 0.1\nname: 007\nlayers: [1, 2]\n")
    second = tmp_path / "second.yaml"
    second.write_text("alpha: 0.2\n")
    values, problems = read_values(
        files=[first, second],
        documents=["{alpha: 0.3, mode: fast}"],
        pairs=[("mode", "slow"), ("seed", "1"), ("seed", "2")],
    )
    assert values == {
        "alpha": Text("0.3"),
        "name": Text("007"),
        "layers": [Text("1"), Text("2")],
        "mode": Text("slow"),
        "seed": Text("2"),
    }
    assert problems == ()


def test_read_values_reports_bad_sources(tmp_path: Path) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n")
    values, problems = read_values(files=[tmp_path / "missing.yaml", listing, empty], documents=["{a: [1}", "b: 2"])
    assert values == {"b": Text("2")}
    assert [problem.name for problem in problems] == [str(tmp_path / "missing.yaml"), str(listing), "-y '{a: [1}'"]
    assert problems[0].reason.startswith("cannot read the parameters file: ")
    assert problems[1].reason == "not a YAML mapping of parameter names to values"
    assert problems[2].reason.startswith("not valid YAML: ")


# --- checking a whole run ----------------------------------------------------------------------

CELL = """from pathlib import Path
from typing import Literal
data_path: Path
alpha: float = 0.1
seed: int = 0
name: str = "run"
mode: Literal["fast", "slow"] = "fast"
layers: list[int] = [64, 32]
untyped = 3
"""


@pytest.fixture
def schema(write_notebook) -> ParameterSchema:
    return ParameterSchema.from_notebook(write_notebook(["import x", (CELL, ["parameters"])]))


def test_check_converts_the_given_values_only(schema: ParameterSchema) -> None:
    checked = check(schema, {"data_path": Text("d.csv"), "seed": Text("007"), "layers": [8], "untyped": Text("x")})
    assert checked.problems == ()
    assert checked.values == {"data_path": Path("d.csv"), "seed": 7, "layers": [8], "untyped": "x"}


def test_every_problem_is_reported_together(schema: ParameterSchema) -> None:
    values = {
        "alpha": Text("abc"),
        "sede": Text("1"),
        "mode": Text("medium"),
        "layers": Text("[64, wide]"),
        "zzz": 1,
        "name": 7,
    }
    with pytest.raises(ParameterError) as caught:
        validate(schema, values, problems=[ParameterProblem("params.yaml", "not valid YAML: oops")])
    error = caught.value
    assert error.notebook == schema.notebook
    assert error.exit_code == 2
    assert error.problems == (
        ParameterProblem("params.yaml", "not valid YAML: oops"),
        ParameterProblem("alpha", "not a number", expected="float", given="'abc'"),
        ParameterProblem("sede", "unknown parameter; did you mean 'seed'?"),
        ParameterProblem("mode", "not one of 'fast', 'slow'", expected="Literal['fast', 'slow']", given="'medium'"),
        ParameterProblem("layers", "item [1] is not an integer", expected="list[int]", given="'[64, wide]'"),
        ParameterProblem(
            "zzz",
            "unknown parameter; the notebook's parameters are: data_path, alpha, seed, name, mode, layers, untyped",
        ),
        ParameterProblem("name", "not a string", expected="str", given="7"),
        ParameterProblem("data_path", "required (the notebook gives no default) but not given", expected="Path"),
    )
    message = str(error)
    assert message.startswith(f"{schema.notebook}: 8 invalid parameters: params.yaml: not valid YAML: oops; ")
    assert "alpha: not a number (expected float, got 'abc')" in message
    assert "\n" not in message


def test_unknown_names_without_a_parameters_cell(write_notebook) -> None:
    schema = ParameterSchema.from_notebook(write_notebook(["x = 1"]))
    checked = check(schema, {"alpha": Text("1")})
    assert checked.problems == (
        ParameterProblem("alpha", "unknown parameter: the notebook has no code cell tagged `parameters`"),
    )
    assert validate(schema, {}) == {}


def test_non_python_notebooks_are_not_checked(tmp_path: Path) -> None:
    schema = ParameterSchema(tmp_path / "r.ipynb", language="r")
    assert validate(schema, {"alpha": Text("0.5"), "name": Text("007"), "v": [Text("1")]}) == {
        "alpha": 0.5,
        "name": "007",
        "v": [1],
    }


def test_validate_grid_reports_every_problem_of_every_run_once(schema: ParameterSchema) -> None:
    runs = [
        {"data_path": "a", "alpha": 0.1, "sede": 1},
        {"data_path": "a", "alpha": "high", "sede": 1},
        {"data_path": "a", "alpha": 0.3, "sede": 1, "mode": "medium"},
        {"alpha": "high", "sede": 1},
    ]
    with pytest.raises(ParameterError) as caught:
        validate_grid(schema, runs)
    assert caught.value.problems == (
        ParameterProblem("all 4 runs: sede", "unknown parameter; did you mean 'seed'?"),
        ParameterProblem("run 2, run 4: alpha", "not a number", expected="float", given="'high'"),
        ParameterProblem(
            "run 3: mode", "not one of 'fast', 'slow'", expected="Literal['fast', 'slow']", given="'medium'"
        ),
        ParameterProblem("run 4: data_path", "required (the notebook gives no default) but not given", expected="Path"),
    )


def test_validate_grid_returns_converted_runs_and_uses_labels(schema: ParameterSchema) -> None:
    runs = [{"data_path": "a", "alpha": 1}, {"data_path": Text("b"), "seed": Text("2")}]
    assert validate_grid(schema, runs, labels=["a-1", "b-2"]) == [
        {"data_path": Path("a"), "alpha": 1.0},
        {"data_path": Path("b"), "seed": 2},
    ]
    with pytest.raises(ParameterError) as caught:
        validate_grid(schema, [{"data_path": "a", "seed": "x"}], labels=["fast-3f2a"])
    assert caught.value.problems[0].name == "fast-3f2a: seed"
    with pytest.raises(ValueError, match="1 labels for 2 runs"):
        validate_grid(schema, runs, labels=["one"])


def test_validate_grid_shortens_long_run_lists(schema: ParameterSchema) -> None:
    runs = [{"data_path": "a", "seed": "x" if index % 2 else 1} for index in range(1, 15)]
    with pytest.raises(ParameterError) as caught:
        validate_grid(schema, runs)
    assert caught.value.problems[0].name == "run 1, run 3, run 5, run 7, run 9, … (7 runs): seed"
