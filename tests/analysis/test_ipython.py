"""Tests for dsquality.analysis.ipython: IPython syntax to Python with the same line numbers."""

from __future__ import annotations

import ast
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsquality.analysis.ipython import (
    Magic,
    ParsedCell,
    PythonSource,
    SyntaxProblem,
    parse_cell,
    quiet_parsing,
    to_python,
)


def names_bound(tree: ast.Module | None) -> set[str]:
    assert tree is not None
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


# --- the constructs of the module docstring -------------------------------------------------------------


def test_plain_python_is_returned_as_is() -> None:
    source = "x = 1\ny = x * 2\n"
    assert to_python(source) == PythonSource(source)
    parsed = parse_cell(source)
    assert parsed.python == PythonSource(source)
    assert parsed.problem is None
    assert names_bound(parsed.tree) == {"x", "y"}


@pytest.mark.parametrize(
    ("line", "magic"),
    [
        ("%matplotlib inline", Magic(1, "line", "matplotlib", "%matplotlib inline")),
        ("%load_ext autoreload", Magic(1, "line", "load_ext", "%load_ext autoreload")),
        ("%pip install numpy", Magic(1, "line", "pip", "%pip install numpy")),
        (
            "%config InlineBackend.figure_format = 'retina'",
            Magic(1, "line", "config", "%config InlineBackend.figure_format = 'retina'"),
        ),
        ("%", Magic(1, "line", "", "%")),
        ("!pip install -q pandas", Magic(1, "shell", "pip", "!pip install -q pandas")),
        ("!!ls -la", Magic(1, "shell", "ls", "!!ls -la")),
        ("! pip install x", Magic(1, "shell", "pip", "! pip install x")),
        ("!", Magic(1, "shell", "", "!")),
        ("obj?", Magic(1, "help", "", "obj?")),
        ("obj??", Magic(1, "help", "", "obj??")),
        ("?obj", Magic(1, "help", "", "?obj")),
        ("??np.mean", Magic(1, "help", "", "??np.mean")),
        ("np.*load*?", Magic(1, "help", "", "np.*load*?")),
        ("df.head()?", Magic(1, "help", "", "df.head()?")),
        ("%%time", Magic(1, "cell", "time", "%%time")),  # a cell magic on a later line is not one
    ],
)
def test_ipython_only_lines_become_pass(line: str, magic: Magic) -> None:
    source = f"x = 1\n{line}\ny = 2" if magic.kind != "cell" else f"x = 1\n{line}"
    python = to_python(source)
    expected_line = 2
    assert python.code == ("x = 1\npass\ny = 2" if magic.kind != "cell" else "x = 1\npass")
    assert python.magics == (Magic(expected_line, magic.kind, magic.name, magic.text),)
    assert python.column_shift == {}
    assert parse_cell(source).problem is None


def test_magics_inside_indented_blocks_keep_the_indentation() -> None:
    source = "for i in range(3):\n    !echo $i\n    %time f(i)\n    if i:\n        df?\nelse:\n  %matplotlib inline"
    python = to_python(source)
    assert python.code == "for i in range(3):\n    pass\n    f(i)\n    if i:\n        pass\nelse:\n  pass"
    assert [(m.line, m.kind, m.name) for m in python.magics] == [
        (2, "shell", "echo"),
        (3, "line", "time"),
        (5, "help", ""),
        (7, "line", "matplotlib"),
    ]
    assert python.column_shift == {3: 6}
    assert parse_cell(source).tree is not None


@pytest.mark.parametrize(
    ("source", "code", "magic"),
    [
        ("files = !ls -la", "files = None", Magic(1, "shell", "ls", "files = !ls -la")),
        ("x = %sx ls", "x = None", Magic(1, "line", "sx", "x = %sx ls")),
        ("if x:\n    out = %time f()", "if x:\n    out = None", Magic(2, "line", "time", "out = %time f()")),
        ("a, b = !echo 1 2", "a, b = None", Magic(1, "shell", "echo", "a, b = !echo 1 2")),
        ("self.files = !ls", "self.files = None", Magic(1, "shell", "ls", "self.files = !ls")),
    ],
)
def test_assignment_from_a_magic_keeps_the_name_defined(source: str, code: str, magic: Magic) -> None:
    python = to_python(source)
    assert python.code == code
    assert python.magics == (magic,)
    assert parse_cell(source).problem is None


def test_time_keeps_the_statement_and_records_the_column_shift() -> None:
    parsed = parse_cell("%time x = f()\n%timeit -n 10 g()\n%timeit h(x)\n%prun  y = k()  \n%time")
    assert parsed.python.code == "x = f()\npass\nh(x)\ny = k()\npass"
    assert parsed.python.column_shift == {1: 6, 3: 8, 4: 7}
    assert names_bound(parsed.tree) == {"x", "y"}  # %time runs the statement in the user namespace
    assert [m.name for m in parsed.python.magics] == ["time", "timeit", "timeit", "prun", "time"]


def test_column_shift_maps_syntax_errors_back_to_the_cell() -> None:
    source = "%time  x = = 1   "  # two spaces before the statement, trailing spaces after it
    parsed = parse_cell(source)
    assert parsed.python.column_shift == {1: 7}
    assert parsed.problem == SyntaxProblem("invalid syntax", 1, 12)
    assert source[12 - 1] == "="  # the second "=", where the error is


def test_python_2_print_under_time() -> None:
    parsed = parse_cell("%time print x")
    assert parsed.problem is not None
    assert (parsed.problem.line, parsed.problem.column) == (1, 7)  # where "print" is in the cell
    assert parsed.problem.message.startswith("Missing parentheses in call to 'print'")


@pytest.mark.parametrize("magic", ["time", "timeit", "capture", "prun"])
def test_python_cell_magics_keep_the_body(magic: str) -> None:
    source = f"%%{magic}\nx = 1\nfor i in range(x):\n    y = i\n"
    parsed = parse_cell(source)
    assert parsed.python.code == "\nx = 1\nfor i in range(x):\n    y = i\n"
    assert parsed.python.magics == (Magic(1, "cell", magic, f"%%{magic}"),)
    assert parsed.problem is None
    assert names_bound(parsed.tree) == {"x", "i", "y"}


def test_capture_with_options_and_an_output_name() -> None:
    parsed = parse_cell("%%capture --no-stderr out\nprint(1)")
    assert parsed.python.code == "\nprint(1)"
    assert parsed.python.magics == (Magic(1, "cell", "capture", "%%capture --no-stderr out"),)
    assert parsed.problem is None


def test_cell_magic_after_blank_lines_and_magics_in_its_body() -> None:
    parsed = parse_cell("\n  \n%%time\n%matplotlib inline\nx = 1")
    assert parsed.python.code == "\n  \n\npass\nx = 1"
    assert [(m.line, m.kind, m.name) for m in parsed.python.magics] == [(3, "cell", "time"), (4, "line", "matplotlib")]
    assert parsed.problem is None


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("%%bash\nls -la\nfor f in *; do echo $f; done", "bash"),
        ("%%writefile script.py\nimport os\nprint(os.getcwd())", "writefile"),
        ("%%sql\nSELECT * FROM t", "sql"),
        ("%%html\n<b>hi</b>", "html"),
        ("%%", ""),
    ],
)
def test_other_cell_magics_are_not_python(source: str, name: str) -> None:
    first_line = source.split("\n", maxsplit=1)[0]
    assert parse_cell(source) == ParsedCell(PythonSource(None, (Magic(1, "cell", name, first_line),)), None, None)


# --- what is not IPython syntax --------------------------------------------------------------------------


def test_not_equal_is_not_a_shell_line() -> None:
    python = to_python("%matplotlib inline\n!= b")
    assert python.code == "pass\n!= b"
    assert len(python.magics) == 1


def test_not_equal_continuation_inside_brackets() -> None:
    source = "%matplotlib inline\nok = (a\n      != b)"
    python = to_python(source)
    assert python.code == "pass\nok = (a\n      != b)"
    assert parse_cell(source).problem is None


def test_modulo_is_untouched() -> None:
    python = to_python("y = a % b\nz = '%d' % 3\n%matplotlib inline\nw = a %b")
    assert python.code == "y = a % b\nz = '%d' % 3\npass\nw = a %b"


def test_percent_line_in_a_string_of_a_valid_cell_is_untouched() -> None:
    source = 's = """\n%d items\n!not a shell command\nwhat?\n"""\nprint(s % 3)'
    parsed = parse_cell(source)
    assert parsed.python == PythonSource(source)  # valid Python: never translated
    assert parsed.problem is None


def test_percent_line_in_a_string_of_a_cell_with_magics_is_untouched() -> None:
    source = '%matplotlib inline\ns = """\n%d items\n!not a shell command\n"""\nn = len(s)'
    parsed = parse_cell(source)
    assert parsed.python.code == 'pass\ns = """\n%d items\n!not a shell command\n"""\nn = len(s)'
    assert len(parsed.python.magics) == 1
    assert parsed.tree is not None
    assign = parsed.tree.body[1]
    assert isinstance(assign, ast.Assign)
    assert isinstance(assign.value, ast.Constant)
    assert assign.value.value == "\n%d items\n!not a shell command\n"


def test_string_formatting_continued_on_a_line_starting_with_percent() -> None:
    # Python 2 era code: "…" on one line, "% (args)" on the next, in a cell that also has a magic.
    source = "%matplotlib inline\nmessage = ('%s %s'\n           % (first, last))\ntotal = 10 \\\n    % 3"
    parsed = parse_cell(source)
    assert parsed.python.code == "pass\nmessage = ('%s %s'\n           % (first, last))\ntotal = 10 \\\n    % 3"
    assert parsed.problem is None


def test_scanner_handles_quotes_escapes_and_comments() -> None:
    source = "\n".join(
        [
            "a = 'it\\'s ('  # ( in a comment",
            "%matplotlib inline",  # 2: still a line start
            "b = '''x'''",
            "!ls",  # 4
            "c = 'a'''",  # 'a' then '': closed
            "?c",  # 6
            'd = "unterminated',  # a broken line: the scanner moves on
            "%time e = 1",  # 8
            "f = 'abc\\",  # a backslash at the end: the string goes on
            "%who'",  # 10: inside the string
            "%who",  # 11
        ]
    )
    python = to_python(source)
    assert [magic.line for magic in python.magics] == [2, 4, 6, 8, 11]
    assert python.code is not None
    assert python.code.split("\n")[9] == "%who'"


def test_continuation_lines_of_a_shell_command_are_blanked() -> None:
    source = "!echo a \\\n  b \\\n  c\nx = 1\n%time y = f(1, \\\n    2)"
    parsed = parse_cell(source)
    assert parsed.python.code == "pass\n\n\nx = 1\ny = f(1, \\\n    2)"
    assert [(m.line, m.name) for m in parsed.python.magics] == [(1, "echo"), (5, "time")]
    assert parsed.problem is None
    assert names_bound(parsed.tree) == {"x", "y"}


# --- syntax problems ------------------------------------------------------------------------------------


def test_python_2_print_is_a_syntax_problem_at_its_line() -> None:
    parsed = parse_cell("%matplotlib inline\nx = 1\nprint x")
    assert parsed.tree is None
    assert parsed.problem is not None
    assert (parsed.problem.line, parsed.problem.column) == (3, 1)
    assert parsed.problem.message == "Missing parentheses in call to 'print'. Did you mean print(...)?"


def test_python_2_except_in_a_cell_without_magics() -> None:
    parsed = parse_cell("try:\n    f()\nexcept Exception, e:\n    pass")
    assert parsed.python == PythonSource("try:\n    f()\nexcept Exception, e:\n    pass")
    assert parsed.problem == SyntaxProblem("multiple exception types must be parenthesized", 3, 8)


@pytest.mark.parametrize("source", ["x = 1\x00", "\x00", "%matplotlib inline\n\x00"])
def test_null_bytes_are_a_syntax_problem(source: str) -> None:
    parsed = parse_cell(source)
    assert parsed.tree is None
    assert parsed.problem is not None
    assert parsed.problem.message == "source code string cannot contain null bytes"


@pytest.mark.parametrize(
    "source",
    ["x = " + "-" * 200_000 + "1", "x = " + "(" * 300 + ")" * 300, "y = " + "+".join(["a"] * 5000)],
)
def test_absurd_nesting_is_a_syntax_problem(source: str) -> None:
    parsed = parse_cell(source)
    assert parsed.tree is None
    assert parsed.problem is not None
    assert parsed.problem.line == 1


def test_absurd_nesting_with_magics_is_a_syntax_problem() -> None:
    parsed = parse_cell("%matplotlib inline\nx = " + "-" * 200_000 + "1")
    assert parsed.tree is None
    assert parsed.problem is not None


@pytest.mark.parametrize("source", ["", "\n\n", "   ", "# only a comment\n"])
def test_empty_cells(source: str) -> None:
    parsed = parse_cell(source)
    assert parsed.problem is None
    assert parsed.tree is not None
    assert parsed.tree.body == []
    assert parsed.python == PythonSource(source)


# --- line breaks -------------------------------------------------------------------------------------------


def test_crlf_line_breaks_are_kept() -> None:
    python = to_python("%matplotlib inline\r\nx = 1\r\n!ls\r\n")
    assert python.code == "pass\r\nx = 1\r\npass\r\n"
    assert [m.line for m in python.magics] == [1, 3]


def test_a_lone_carriage_return_ends_a_line_as_in_python() -> None:
    parsed = parse_cell("!ls\rx = 1\ry = x")
    assert parsed.python.code == "pass\rx = 1\ry = x"
    assert names_bound(parsed.tree) == {"x", "y"}
    assert parsed.tree is not None
    assert [statement.lineno for statement in parsed.tree.body] == [1, 2, 3]


def test_syntax_problem_lines_count_lone_carriage_returns() -> None:
    parsed = parse_cell("%matplotlib inline\rx = 1\rprint x")
    assert parsed.problem is not None
    assert parsed.problem.line == 3


# --- properties -------------------------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "%time x = (1,",
        "%time y = f()",
        "!ls \\",
        "x = !ls",
        "  %matplotlib inline",
        "%%time",
        "%%bash",
        "%%capture out",
        "'''",
        '"',
        "(",
        ")",
        "print x",
        "obj?",
        "\\",
        "if x:",
        "    pass",
        "",
        "# comment",
        "x = 1",
        "%",
        "!",
        "?",
        "\x00",
        "\x0c",
        "\r",
        "def f(:",
        "s = '%d' % 3",
        "    % (a, b)",
    ]
)
_CELLS = st.one_of(
    st.text(),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=6)), max_size=12).map("\n".join),
    st.lists(_FRAGMENTS, max_size=8).map("\r\n".join),
)


def _line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CELLS)
def test_parse_cell_never_raises_and_keeps_line_numbers(source: str) -> None:
    parsed = parse_cell(source)
    assert isinstance(parsed, ParsedCell)
    if parsed.problem is not None:
        assert 1 <= parsed.problem.line <= _line_count(source)
        assert parsed.problem.column >= 1
    python = to_python(source)
    if python.code is not None:
        assert python.code.count("\n") == source.count("\n")
        assert _line_count(python.code) == _line_count(source)
        assert all(1 <= magic.line <= _line_count(source) for magic in python.magics)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_random_text_never_raises(source: str) -> None:
    assert isinstance(parse_cell(source), ParsedCell)
    code = to_python(source).code
    if code is not None:
        assert code.count("\n") == source.count("\n")


# --- parsing a cell with IPython syntax without parsing it as plain Python first ---------------------------


def parsed_in_the_usual_order(source: str) -> ParsedCell:
    """What ``parse_cell`` returns by definition: plain Python first, the translation when that fails."""
    with quiet_parsing():
        try:
            return ParsedCell(PythonSource(source), ast.parse(source))
        except SyntaxError:
            pass
        except (ValueError, RecursionError, MemoryError) as exc:
            return ParsedCell(PythonSource(source), None, SyntaxProblem(str(exc) or type(exc).__name__, 1, 1))
        python = to_python(source)
        if python.code is None:
            return ParsedCell(python, None)
        try:
            return ParsedCell(python, ast.parse(python.code))
        except SyntaxError as exc:
            line = exc.lineno or 1
            return ParsedCell(
                python, None, SyntaxProblem(exc.msg, line, (exc.offset or 1) + python.column_shift.get(line, 0))
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            return ParsedCell(python, None, SyntaxProblem(str(exc) or type(exc).__name__, 1, 1))


def same_parse(first: ParsedCell, second: ParsedCell) -> bool:
    def tree(parsed: ParsedCell) -> str | None:
        return None if parsed.tree is None else ast.dump(parsed.tree, include_attributes=True)

    return (first.python, first.problem, tree(first)) == (second.python, second.problem, tree(second))


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real_parse = ast.parse

    def parse(source: str) -> ast.Module:  # as parse_cell calls it
        parsed.append(source)
        return real_parse(source)

    monkeypatch.setattr(ast, "parse", parse)
    return parsed


@pytest.mark.parametrize(
    "source",
    [
        "%matplotlib inline\nimport numpy as np",
        "!pip install -q pandas\nimport pandas as pd",
        "# set up\n\n%load_ext autoreload\n%autoreload 2\nx = 1",
        "# -*- coding: bogus -*-\n%matplotlib inline",  # a text has no encoding to declare
        "%%time\nx = 1\nfor i in range(x):\n    y = i",
        "%%bash\nls -la",
        "\n  \n%%time\n%matplotlib inline\nx = 1",
        "?np.mean\nx = 1",
        "%time print x",  # a problem in the translation: reported as before
        "%matplotlib inline\nx = (",
        "  %matplotlib inline\nx = 1",  # an unexpected indent in the translation too
        "%matplotlib inline\nx = " + "(" * 195 + "1" + ")" * 195,
        "%matplotlib inline\nx = " + "-" * 200_000 + "1",
    ],
)
def test_a_cell_starting_with_ipython_syntax_is_parsed_once(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parsed_in_the_usual_order(source)
    parsed = counting_parses(monkeypatch)
    assert same_parse(parse_cell(source), expected)
    assert source not in parsed  # the plain parse, certain to fail, was skipped
    assert len(parsed) == (0 if expected.python.code is None else 1)


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\n%matplotlib inline",  # code before the magic: parsed as Python first
        "obj?\nx = 1",  # not guessed to be IPython (the cheap guess looks at the first character of lines)
        "x = " + "(" * 195 + "1" + ")" * 195 + "\n%matplotlib inline",  # ... where the parse fails otherwise
        "x = " + "lambda: " * 2980 + "1\n%matplotlib inline",
        "x = !ls\ny = x",  # `x = !cmd` first: the target could open a string
        "x, ''' = %s\n%d\n'''",  # ... as here, where the cell is Python
        "%matplotlib inline\n\x00",  # not a SyntaxError
        "%matplotlib inline\nx = '\ud800'",  # a lone surrogate: not a SyntaxError either
        "%matplotlib\x00 inline",
        "s = '''\n%d items\n'''",
        "x = (1,\n%d)",
        "x = 1 \\\n%d",
        "\u00a0%matplotlib inline",
    ],
)
def test_other_cells_are_parsed_as_python_first(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parsed_in_the_usual_order(source)
    parsed = counting_parses(monkeypatch)
    assert same_parse(parse_cell(source), expected)
    assert parsed[:1] == [source]


@pytest.mark.parametrize(
    "source", ["print 'a'", "try:\n    f()\nexcept Exception, e:\n    pass", "x = '%d' % 3\nprint x", "def f(:"]
)
def test_a_cell_with_nothing_to_translate_is_parsed_once(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parsed_in_the_usual_order(source)
    parsed = counting_parses(monkeypatch)
    assert same_parse(parse_cell(source), expected)
    assert expected.problem is not None
    assert parsed == [source]  # the same text would fail the same way a second time


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CELLS)
def test_parse_cell_is_the_usual_order(source: str) -> None:
    assert same_parse(parse_cell(source), parsed_in_the_usual_order(source))


def test_lines_after_the_last_magic_are_not_scanned_but_continuations_are_blanked() -> None:
    python = to_python("x = 1\n!pip install a \\\n    b \\\n    c\ny = (2,\n     3)")
    assert python.code == "x = 1\npass\n\n\ny = (2,\n     3)"
    assert [magic.line for magic in python.magics] == [2]
    python = to_python("s = '''\n%who\n'''\n%who\nz = 1\r\nw = 2")
    assert [magic.line for magic in python.magics] == [4]
    assert python.code == "s = '''\n%who\n'''\npass\nz = 1\r\nw = 2"
