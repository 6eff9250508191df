"""IPython syntax in a code cell, turned into plain Python with the same line numbers.

Notebook cells contain ``%magics``, ``%%cell magics``, ``!shell`` lines, ``x = !cmd`` and ``obj?``
help. Python's parser rejects them, so every analysis first calls :func:`to_python`, which
returns Python source where:

- each IPython-only line becomes ``pass`` at the same indentation (so blocks stay valid);
- ``x = !cmd`` and ``x = %magic …`` become ``x = None``, so ``x`` is still defined;
- ``%time stmt`` / ``%timeit stmt`` (and friends) keep ``stmt``, since IPython runs it in the
  user namespace (``%time x = f()`` defines ``x``); the column shift is recorded;
- a cell whose body is Python under a cell magic (``%%time``, ``%%capture``…) keeps the body;
  other cell magics (``%%bash``, ``%%writefile``, ``%%sql``…) mean the cell is not Python.

As in IPython, only a line that starts a logical line is read as IPython syntax: a line inside
brackets, a multi-line string or after a backslash continuation is Python (``% args`` continuing
a ``"..." % args`` expression is not a magic).

Line ``N`` of the result is line ``N`` of the cell (line breaks, LF, CRLF or CR, are kept as they
are), so findings map back without a table.
"""

from __future__ import annotations

import ast
import contextlib
import re
import warnings
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "Magic",
    "ParsedCell",
    "PythonSource",
    "SyntaxProblem",
    "parse_cell",
    "parse_cell_quietly",
    "quiet_parsing",
    "to_python",
]

# Cell magics whose body is Python run in the user namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "skip", "cache"})
# Line magics followed by a Python statement run in the user namespace.
STATEMENT_LINE_MAGICS = frozenset({"time", "timeit", "prun", "debug", "memit", "mprun", "snakeviz"})

_LINE_MAGIC = re.compile(r"^(?P<indent>[ \t]*)(?P<kind>%{1,2}|!{1,2})(?P<name>[\w.-]*)(?P<rest>.*)$")
_ASSIGN_MAGIC = re.compile(
    r"^(?P<indent>[ \t]*)(?P<target>[A-Za-z_][\w.,\s\[\]'\"]*?)\s*=\s*(?P<kind>%|!)(?P<name>[\w.-]*)(?P<rest>.*)$"
)
_HELP = re.compile(r"^(?P<indent>[ \t]*)(\?{1,2}[\w.*]+|[\w.*\[\]()]+\?{1,2})\s*$")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")  # Python's line breaks, captured so they are kept
# What decides where logical lines start: escapes, quotes, comments and brackets.
_TOKEN = re.compile(r"""\\.?|'''|\"\"\"|['"#()\[\]{}]""")
_QUOTES = frozenset({"'", '"', "'''", '"""'})


# Plain records are named tuples: every ``dsq lint`` imports this module, and a named tuple costs
# about a fifth of a dataclass to create. Made for every cell, they are also quicker to make than
# a dataclass, even through ``maker``.
class Magic(NamedTuple):
    """An IPython construct found in a cell: where, what kind, which magic, and its text."""

    line: int
    kind: str  # "line" (%name), "cell" (%%name), "shell" (!cmd) or "help" (obj?)
    name: str
    text: str


_NO_SHIFT: Mapping[int, int] = MappingProxyType({})  # shared by every cell without a shift: read-only


class PythonSource(NamedTuple):
    """The cell as Python. ``code`` is ``None`` when the cell is not Python (``%%bash``…)."""

    code: str | None
    magics: tuple[Magic, ...] = ()
    # line -> how many characters were removed after its indentation (``%time `` prefixes), so a
    # column of the code plus the shift is the column in the cell.
    column_shift: Mapping[int, int] = _NO_SHIFT


def to_python(source: str) -> PythonSource:
    """Translate one cell's IPython source to Python with identical line numbers."""
    if not any(marker in source for marker in "%!?"):
        return PythonSource(source)
    parts = _LINE_BREAK.split(source)
    lines, breaks = parts[::2], parts[1::2]
    magics: list[Magic] = []
    shift: dict[int, int] = {}
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].strip()[2:].split(maxsplit=1)[0] if lines[first].strip()[2:] else ""
        magics.append(Magic(first + 1, "cell", name, lines[first].strip()))
        if name not in PYTHON_CELL_MAGICS:
            return PythonSource(None, tuple(magics))
        lines[first] = ""
    continued = False  # the previous line was a magic or shell command ending in a backslash
    state = _ScanState()
    # Past the last line that could be translated (and its continuation lines) nothing is, and
    # scanning for brackets and strings would be wasted: in most cells that is every line.
    last_line = len(lines)
    while last_line and not _may_translate(lines[last_line - 1]):
        last_line -= 1
    for number, line in enumerate(lines, start=1):
        if number > last_line and not continued:
            break
        if continued:  # a continuation line of a magic or shell command
            continued = line.rstrip().endswith("\\")
            lines[number - 1] = ""
            continue
        translated = _translate_line(number, line, magics, shift) if state.at_line_start else None
        if translated is None:
            state.scan(line)
            continue
        lines[number - 1] = translated
        if number in shift:  # ``%time stmt``: the statement is Python and continues as Python
            state.scan(translated)
        else:
            continued = line.rstrip().endswith("\\")
    code = "".join(line + end for line, end in zip(lines, [*breaks, ""], strict=True))
    return PythonSource(code, tuple(magics), shift)


_ASSIGNED_IPYTHON = re.compile(r"=\s*[%!]")


def _may_translate(line: str) -> bool:
    """False for a line that :func:`_translate_line` leaves as it is whatever comes before it.

    A quick test, true for every line it translates: a magic, shell or help line starts with
    ``%``, ``!`` or ``?`` or ends with ``?``; ``x = !cmd`` and ``x = %magic`` hold ``= !`` or ``= %``.
    """
    stripped = line.lstrip()
    return stripped[:1] in {"%", "!", "?"} or stripped.endswith("?") or _ASSIGNED_IPYTHON.search(stripped) is not None


class _ScanState:
    """Whether the next physical line starts a logical line: not in brackets, a string, or after a backslash."""

    __slots__ = ("backslash", "depth", "quote")

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.backslash = False

    @property
    def at_line_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.backslash

    def scan(self, line: str) -> None:
        """Advance the state over one physical line of Python."""
        ends_in_backslash = False
        for match in _TOKEN.finditer(line):
            piece = match.group()
            ends_in_backslash = piece == "\\"  # only a backslash with nothing after it is one character
            if self.quote is not None:
                if piece in {self.quote, self.quote * 3}:  # ``'a'''`` is ``'a'`` followed by ``''``
                    self.quote = None
            elif piece == "#":
                ends_in_backslash = False
                break
            elif piece in _QUOTES:
                self.quote = piece
            elif piece in {"(", "[", "{"}:
                self.depth += 1
            elif piece in {")", "]", "}"}:
                self.depth = max(0, self.depth - 1)
        if self.quote is not None and len(self.quote) == 1 and not ends_in_backslash:
            self.quote = None  # an unterminated one-line string: the line is broken; go on
        self.backslash = ends_in_backslash and self.quote is None


def _translate_line(number: int, line: str, magics: list[Magic], shift: dict[int, int]) -> str | None:
    """The Python replacement for an IPython-only line, or ``None`` to keep the line as it is."""
    stripped = line.lstrip()
    if not stripped or (stripped[0] not in "%!?" and "=" not in stripped and not stripped.endswith("?")):
        return None
    if stripped.startswith("!="):
        return None
    match = _LINE_MAGIC.match(line)
    if match and match["kind"]:
        indent, kind, name, rest = match["indent"], match["kind"], match["name"], match["rest"]
        if kind.startswith("!"):
            name = name or (rest.split() or [""])[0]  # ``! pip install x``: the command is ``pip``
            magics.append(Magic(number, "shell", name, stripped))
            return f"{indent}pass"
        magics.append(Magic(number, "line" if kind == "%" else "cell", name, stripped))
        statement = rest.strip()
        if kind == "%" and name in STATEMENT_LINE_MAGICS and statement and not statement.startswith("-"):
            shift[number] = len(kind) + len(name) + len(rest) - len(rest.lstrip())
            return indent + statement
        return f"{indent}pass"
    match = _ASSIGN_MAGIC.match(line)
    if match and not match["rest"].startswith("="):
        kind = "shell" if match["kind"] == "!" else "line"
        magics.append(Magic(number, kind, match["name"], stripped))
        return f"{match['indent']}{match['target'].strip()} = None"
    match = _HELP.match(line)
    if match:
        magics.append(Magic(number, "help", "", stripped))
        return f"{match['indent']}pass"
    return None


class SyntaxProblem(NamedTuple):
    """Why a cell does not parse, at a 1-based line and column of the cell."""

    message: str
    line: int
    column: int


class ParsedCell(NamedTuple):
    """A cell parsed as Python: its translation, its AST (or ``None``) and any syntax problem."""

    python: PythonSource
    tree: ast.Module | None
    problem: SyntaxProblem | None = None


def parse_cell(source: str) -> ParsedCell:
    """Parse a cell; IPython syntax is translated only when plain Python does not parse.

    Trying plain Python first keeps valid cells exact (a ``%`` at the start of a line inside a
    multi-line string is not a magic) and fast.
    """
    with quiet_parsing():
        return parse_cell_quietly(source)


@contextlib.contextmanager
def quiet_parsing() -> Iterator[None]:
    """A context in which parsing warns of nothing (invalid escape sequences etc. are not findings).

    One context around a loop over many cells, with :func:`parse_cell_quietly` inside, costs less
    than one per cell.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def parse_cell_quietly(source: str) -> ParsedCell:
    """:func:`parse_cell` for use inside :func:`quiet_parsing` (one warnings context for many cells)."""
    python = None
    # IPython syntax holds a %, ! or ?: three scans (in C) spare most cells the regex and the others.
    if ("%" in source or "!" in source or "?" in source) and (
        _IPYTHON_START.match(source) or "\n%" in source or "\n!" in source
    ):
        python = to_python(source)
        if _fails_as_python(source, python):
            return _parse_translation(python)  # what parsing the cell first would have come to
    try:
        return ParsedCell(PythonSource(source), ast.parse(source))  # most cells
    except SyntaxError as exc:
        # What it says, not the exception: kept, it would tie up a reference cycle with this frame.
        problem = _syntax_problem(exc, _NO_SHIFT)
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return ParsedCell(PythonSource(source), None, SyntaxProblem(str(exc) or type(exc).__name__, 1, 1))
    if python is None:
        python = to_python(source)
    if python.code == source:  # nothing to translate (nor any column shift): the same text fails the same way
        return ParsedCell(python, None, problem)
    return _parse_translation(python)


# A cell that may start with IPython syntax: its first character, or a line's, is %, ! or ?.
_IPYTHON_START = re.compile(r"\s*[%!?]")


def _fails_as_python(source: str, python: PythonSource) -> bool:
    """True if parsing ``source`` as plain Python certainly fails with a ``SyntaxError``.

    A cell with IPython syntax fails the plain parse, which costs about as much as a successful
    one: when the failure is certain, the parse is skipped. It is certain when the cell's first
    token is on its first translated line (only blank and comment lines come before it), that
    line starts with ``%`` or ``!`` (no statement does) or is a help line (``?`` is no Python
    token, and the line holds no quote that could open a string), and the cell can be compiled
    at all: no null byte or lone surrogate (a ``ValueError``). Other cells are parsed as plain
    Python first: after other code, the parser's second (error-message) pass over that code can
    fail otherwise, with a ``MemoryError`` where the first pass does not run out of stack; and
    ``x = !cmd`` can be Python (``x, ''' = %s`` opens a string).
    """
    if not python.magics or "\0" in source or (not source.isascii() and _has_surrogate(source)):
        return False
    first = python.magics[0]
    if first.kind != "help" and first.text[:1] not in {"%", "!"}:
        return False
    if first.line == 1:
        return True
    before = _LINE_BREAK.split(source, maxsplit=first.line - 1)[:-1:2]  # the lines before it
    return all(not line.strip() or line.lstrip().startswith("#") for line in before)


def _has_surrogate(text: str) -> bool:
    """True if ``text`` holds a surrogate code point, the only kind UTF-8 cannot encode.

    No regex: compiled at import, it would cost every run for the rare non-ASCII cell with magics.
    """
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _parse_translation(python: PythonSource) -> ParsedCell:
    """The parse of a cell's translation to Python (once plain Python has failed)."""
    if python.code is None:
        return ParsedCell(python, None)
    try:
        return ParsedCell(python, ast.parse(python.code))
    except SyntaxError as exc:
        return ParsedCell(python, None, _syntax_problem(exc, python.column_shift))
    except (ValueError, RecursionError, MemoryError) as exc:
        return ParsedCell(python, None, SyntaxProblem(str(exc) or type(exc).__name__, 1, 1))


def _syntax_problem(error: SyntaxError, column_shift: Mapping[int, int]) -> SyntaxProblem:
    """``error`` at its line and column of the cell (see :attr:`PythonSource.column_shift`)."""
    line = error.lineno or 1
    return SyntaxProblem(error.msg, line, (error.offset or 1) + column_shift.get(line, 0))
