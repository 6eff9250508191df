"""Reading and writing notebooks: one parse per file, raw bytes kept, atomic writes.

:func:`read_notebook` parses a file once with :mod:`json` (several times faster than
``nbformat.read``), upgrades nbformat 3 in memory (as nbformat does, without importing it for
well-formed files), and checks the structure the rest of dsquality relies on, raising
:class:`~dsquality.errors.NotebookFormatError` with the reason otherwise.

Cells are numbered from 1 among **all** cells, the one numbering used everywhere in dsquality.
:meth:`Notebook.file_line` maps a cell's source line to the line of the ``.ipynb`` file where it
sits, for SARIF and GitHub annotations; it locates cells only as far as asked.

:func:`write_notebook` serialises a changed notebook in the style of the original file (indent,
key order, ASCII escaping, final newline) and writes it atomically; an unchanged notebook is not
written at all, so it stays byte-identical with its mtime.
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsquality.atomic import atomic_write_bytes
from dsquality.errors import NotebookFormatError
from dsquality.fastnew import maker
from dsquality.nbformat3 import short_repr, upgrade_v3

__all__ = ["Cell", "Notebook", "dump_notebook", "parse_notebook", "read_notebook", "source_text", "write_notebook"]

CELL_TYPES = frozenset({"code", "markdown", "raw"})
# Line breaks as Python (and ruff, and the ast line numbers) count them; ``str.splitlines`` also
# splits at form feeds, ``\x1c``-``\x1e``, ``\x85`` and ``\u2028``, which Python does not.
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[str]:
    """``text`` split at Python's line breaks (LF, CRLF, CR), without an empty last line."""
    lines = _NEWLINE.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def source_text(source: object) -> str:
    """A cell's ``source`` (a string or a list of strings in nbformat) as one string."""
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return ""


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell, read-only. ``index`` is 1-based among all cells of the notebook."""

    index: int
    cell_type: str
    source: str
    cell_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    outputs: Sequence[Mapping[str, Any]] = ()
    execution_count: int | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """The cell's tags (``metadata.tags``), ignoring anything that is not a string."""
        tags = self.metadata.get("tags")
        return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else ()

    @property
    def is_code(self) -> bool:
        """True for code cells."""
        return self.cell_type == "code"

    @property
    def lines(self) -> list[str]:
        """Source lines without line endings (line N of the cell is ``lines[N - 1]``).

        Lines are counted as Python counts them, so ``N`` is the line number of the cell's AST.
        """
        return _split_lines(self.source)


@dataclass(frozen=True, slots=True, eq=False)
class Notebook:
    """A parsed notebook.

    ``data`` is the JSON document as read (for nbformat 3 files, the in-memory upgrade to 4);
    fixes edit a deep copy of it and hand it to :func:`write_notebook`.
    """

    path: Path
    raw: bytes
    data: dict[str, Any]
    cells: tuple[Cell, ...]
    original_nbformat: int
    _line_maps: dict[int, Sequence[int]] = field(default_factory=dict, repr=False)
    # Not init fields: dataclasses.replace gives a copy its own (of its own raw bytes).
    _mapper: _LineMapper | None = field(default=None, init=False, repr=False, compare=False)
    _text: str | None = field(default=None, init=False, repr=False, compare=False)  # ``raw`` decoded, when it was
    # Whether every cell has a "source" key, known for nbformat-4 files parsed from ``raw`` (for file_line).
    _keyed: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def metadata(self) -> Mapping[str, Any]:
        """Notebook-level metadata."""
        metadata = self.data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        """Code cells, in order."""
        return tuple(cell for cell in self.cells if cell.is_code)

    @property
    def language(self) -> str:
        """The kernel language in lower case; ``python`` when the metadata does not say."""
        kernelspec = self.metadata.get("kernelspec")
        language_info = self.metadata.get("language_info")
        for value in (
            kernelspec.get("language") if isinstance(kernelspec, dict) else None,
            language_info.get("name") if isinstance(language_info, dict) else None,
        ):
            if isinstance(value, str) and value:
                return value.lower()
        return "python"

    def file_line(self, cell: int, line: int) -> int | None:
        """The 1-based line of the ``.ipynb`` file holding source ``line`` of ``cell``.

        ``None`` when the file's layout cannot be mapped (e.g. an in-memory notebook).
        """
        lines = self._line_maps.get(cell)
        if lines is None:
            if not self.raw or not 1 <= cell <= len(self.cells):
                return None
            mapper = self._mapper
            if mapper is None:
                mapper = _LineMapper(self)
                object.__setattr__(self, "_mapper", mapper)
            lines = self._line_maps[cell] = mapper.lines(cell)
        if not lines:
            return None
        return lines[min(max(line, 1), len(lines)) - 1]


def read_notebook(path: Path) -> Notebook:
    """Read and parse the notebook at ``path``.

    Raises:
        NotebookFormatError: unreadable, not JSON, or not a notebook (the reason says which).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookFormatError(path, exc.strerror or str(exc)) from exc
    return parse_notebook(raw, path)


def parse_notebook(raw: bytes, path: Path) -> Notebook:
    """Parse notebook bytes (see :func:`read_notebook`); ``path`` is used in messages."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookFormatError(path, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookFormatError(path, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise NotebookFormatError(path, "JSON nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python's digit limit
        raise NotebookFormatError(path, f"not JSON: {exc}") from exc
    # The parse is ours: an nbformat-3 upgrade may change it rather than a copy.
    notebook = _notebook_from_dict(data, path, raw, reparse=lambda: json.loads(text))
    object.__setattr__(notebook, "_text", text)  # for file_line: decoding once is enough
    if notebook.original_nbformat == 4:  # noqa: PLR2004
        # Read now, the cells just made from them: file_line, much later, would find them out of the cache.
        keyed = all(map(operator.contains, notebook.data["cells"], itertools.repeat("source")))
        object.__setattr__(notebook, "_keyed", keyed)
    return notebook


def notebook_from_dict(data: object, path: Path, raw: bytes = b"") -> Notebook:
    """Build a :class:`Notebook` from already-parsed JSON (e.g. from the JupyterLab frontend).

    ``data`` is left as it is (an nbformat-3 notebook is upgraded in a copy).
    """
    return _notebook_from_dict(data, path, raw, reparse=None)


def _notebook_from_dict(
    data: object, path: Path, raw: bytes, *, reparse: Callable[[], dict[str, Any]] | None
) -> Notebook:
    """:func:`notebook_from_dict`; ``reparse`` as for :func:`~dsquality.nbformat3.upgrade_v3`."""
    if not isinstance(data, dict):
        raise NotebookFormatError(path, "the top level is not a JSON object")
    version = data.get("nbformat")
    if version == 3 or (version is None and "worksheets" in data):  # noqa: PLR2004 - nbformat 3
        data = upgrade_v3(data, path, reparse=reparse)
        original = 3
    elif version == 4:  # noqa: PLR2004
        original = 4
    else:
        raise NotebookFormatError(path, f"unsupported nbformat version {short_repr(version)} (dsquality reads 3 and 4)")
    cells_data = data.get("cells")
    if not isinstance(cells_data, list):
        raise NotebookFormatError(path, "'cells' is missing or not a list")
    # nbformat gives upgraded v3 cells random ids; the file has none, and reporting random ids
    # would make findings (and baselines keyed on them) differ from one run to the next.
    keep_ids = original == 4  # noqa: PLR2004
    cells = tuple([_make_cell(index, cell, path, keep_id=keep_ids) for index, cell in enumerate(cells_data, start=1)])
    return Notebook(path=path, raw=raw, data=data, cells=cells, original_nbformat=original)


def _make_cell(index: int, cell: object, path: Path, *, keep_id: bool = True) -> Cell:
    if not isinstance(cell, dict):
        raise NotebookFormatError(path, "a cell is not a JSON object", cell=index)
    cell_type = cell.get("cell_type")
    if not isinstance(cell_type, str) or cell_type not in CELL_TYPES:
        raise NotebookFormatError(path, f"unknown cell_type {cell_type!r}", cell=index)
    source = cell.get("source", "")
    if isinstance(source, list):
        try:
            source = "".join(source)
        except TypeError:  # an element that is not a string
            source = None
    if not isinstance(source, str):
        raise NotebookFormatError(path, "'source' is neither a string nor a list of strings", cell=index)
    metadata = cell.get("metadata", {})
    outputs = cell.get("outputs")
    kept: tuple[dict[str, Any], ...] = ()
    if isinstance(outputs, list) and outputs:
        kept = tuple(output for output in outputs if isinstance(output, dict))
    count = cell.get("execution_count")
    cell_id = cell.get("id") if keep_id else None
    return _new_cell(
        index,
        cell_type,
        source,
        cell_id if isinstance(cell_id, str) else None,
        metadata if isinstance(metadata, dict) else {},
        kept,
        count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


_new_cell = maker(Cell)  # Cell(...) for every cell of every notebook read, at half the cost


# --- mapping cell source lines to lines of the .ipynb file ------------------------------------

# nbformat 3 code cells keep their source under "input"; nbformat 4 cells have "source" only, and
# not searching the file for a key it cannot hold halves the scanning.
_KEYS_V4 = ('"source"',)
_KEYS_V3 = ('"source"', '"input"')
_SOURCE_KEY = _KEYS_V4[0]
_COLON = re.compile(r"\s*:\s*")
_DECODER = json.JSONDecoder()
# The decoder's own scanner: ``raw_decode`` without its wrapping (a value and its end, or StopIteration).
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]  # set by __init__
# Keys are searched for a window at a time; a window without one ends in a run of text without a
# quote, where no key can start, and one memchr crosses it: base64 images, mostly.
_WINDOW = 2048
_RUN = 256  # runs at least this long without a line break are crossed when counting lines
# The characters valid JSON has outside strings: any other one is inside a string.
_OUTSIDE_STRINGS = frozenset(" \t\n\r{}[],:0123456789+-.eEtrufalsn")
# A \\u escape of a letter of "source" (s, u, r: 0x7X; o, c, e: 0x6X). Without one a key that is
# "source" is written "source". A key is at most 38 characters long (6 escapes and 2 quotes), so
# it can only end a run without quotes: runs but for their last characters are not searched.
_LETTER_ESCAPE = re.compile(r"\\u00[67]")
_KEY_ROOM = 40
# Where a cell's source is: where its value starts and ends, the value, the separator nbformat 3
# joins its elements with, and whether it is the source (not a v3 heading's).
_Located = tuple[int, int, str | list[str], str, bool]


class _LineMapper:
    """Finds the file line of each source line of a cell.

    The answers are those of one search: for each cell in turn, the first ``"source"`` key (for
    nbformat-3 code cells, ``"input"``) after the previous cell's source value whose value decodes
    to the cell's source, so that a metadata key of the same name cannot mislead it.

    One scan finds every key, crossing long runs without a quote (images) with memchr. When the
    keys are provably the cells' own (see ``_keys_are_the_cells``), cell k's key is the k-th key and
    only the cells asked for are decoded; else cells are searched for in turn, decoding each
    candidate. Lines are counted only for the cells asked for, crossing runs without line breaks;
    a source in Jupyter's layout (one line an element) takes consecutive lines, which two cheap
    tests prove (``_one_line_each``, ``_one_per_line``), else its elements are scanned.
    """

    __slots__ = (
        "_aligned",
        "_cells",
        "_hits",
        "_keyed",
        "_keys",
        "_located",
        "_marks",
        "_merged",
        "_next",
        "_position",
        "_runs",
        "_text",
        "_trusted",
        "_v3",
    )

    def __init__(self, notebook: Notebook) -> None:
        text = notebook._text  # noqa: SLF001 - the same module
        # The text json.loads parsed is valid JSON, which ``_keys_are_the_cells`` and
        # ``_no_line_break`` rely on, and ``data`` is its parse.
        self._trusted = text is not None
        self._text = text if text is not None else notebook.raw.decode("utf-8-sig", errors="replace")
        self._cells = notebook.cells
        self._keyed = notebook._keyed  # noqa: SLF001 - the same module
        self._v3 = notebook.original_nbformat == 3  # noqa: PLR2004
        self._keys = _KEYS_V3 if self._v3 else _KEYS_V4
        self._next = 0  # index into cells of the next cell to locate
        self._position = 0  # where the search for the next cell's key starts
        self._hits: dict[str, list[int]] = {}  # key -> every offset where it occurs
        self._merged: list[tuple[int, int]] | None = None  # see _candidates
        self._runs: list[tuple[int, int]] | None = None  # runs without a quote or a line break
        # Offsets whose line is known, and for each the line and the first run not behind it.
        self._marks: tuple[list[int], list[tuple[int, int]]] = ([0], [(1, 0)])
        self._located: dict[int, _Located] = {}  # 1-based cell index -> where its source is
        self._aligned: bool | None = None  # whether cell k's key is the k-th (None: not known yet)

    def lines(self, cell: int) -> Sequence[int]:
        """The file line of each source line of ``cell`` (1-based); ``()`` when it is not found."""
        cells = self._cells
        if not 1 <= cell <= len(cells):
            return ()
        if self._aligned is None:
            self._aligned = self._trusted and not self._v3 and self._keys_are_the_cells()
        if self._aligned:
            located = self._at_key(cell)
            if located is not None:
                return self._source_lines(cell, located)
            self._aligned = False  # cannot be (the key is the cell's): search for the cells after all
        while self._next < cell:
            self._next += 1
            self._seek(cells[self._next - 1])
        found = self._located.get(cell)
        return () if found is None else self._source_lines(cell, found)

    def _source_lines(self, cell: int, located: _Located) -> Sequence[int]:
        """The file lines of ``cell``'s source lines, its value being ``located``."""
        start, end, value, separator, exact = located
        line = self._line_at(start)
        if isinstance(value, list) and value:
            # Jupyter's layout, the content tested first: line k is element k, on the k-th line after the "[".
            if exact and _one_line_each(value) and _one_per_line(self._text, start, end, len(value)):
                return range(line + 1, line + 1 + len(value))
            expected = self._cells[cell - 1].source
            return self._list_lines(
                line,
                start,
                end,
                value,
                separator=separator,
                expected=expected if exact else None,
                count=_line_count(expected),
            )
        return (line,) * _line_count(self._cells[cell - 1].source)

    # -- finding keys, counting lines ----------------------------------------------------------------

    def _find_all(self, key: str) -> list[int]:
        """Every offset of ``key`` (which starts with a quote) in the text, in order.

        Keys are searched for a window at a time; a window without one ends in a run without a
        quote, where no key can start, and the search goes on at the quote that ends it. The first
        scan also records the long runs without a quote or a line break (from the last quote before
        them), which ``_line_at`` and ``_keys_are_the_cells`` cross.
        """
        hits = self._hits.get(key)
        if hits is not None:
            return hits
        text = self._text
        find, size, record = text.find, len(text), self._runs is None
        runs: list[tuple[int, int]] = []
        hits = []
        position = 0
        while True:
            end = position + _WINDOW
            at = find(key, position, end)
            if at >= 0:
                hits.append(at)
                position = at + 1
                continue
            if end >= size:
                break
            run = end - len(key) + 1  # the first offset where the window had no room for the key
            position = find('"', run)
            if position < 0:
                break
            if record and position - run >= _RUN:
                # The run starts after the window's last quote (often an image's opening quote).
                last_quote = text.rfind('"', end - _WINDOW, run)
                if last_quote >= 0:
                    run = last_quote + 1
                if self._no_line_break(run, position):
                    runs.append((run, position))
        if record:
            self._runs = runs
        self._hits[key] = hits
        return hits

    def _no_line_break(self, start: int, end: int) -> bool:
        """True if the text from ``start`` to ``end``, which holds no quote, holds no line break."""
        # A character valid JSON has only in strings puts the run in one string, which holds no
        # raw line break.
        if self._trusted and self._text[start] not in _OUTSIDE_STRINGS:
            return True
        return self._text.find("\n", start, end) < 0

    def _line_at(self, offset: int) -> int:
        """The 1-based line of ``offset``, counted on from the nearest offset counted before it."""
        offsets, states = self._marks
        mark = bisect.bisect_right(offsets, offset) - 1
        at = offsets[mark]
        line, run = states[mark]
        if at == offset:
            return line
        runs = self._runs or ()
        count = self._text.count
        while run < len(runs) and runs[run][0] < offset:
            start, end = runs[run]
            line += count("\n", at, start)  # nothing when at is in the run already
            if end > offset:
                at = offset
                break
            at = end
            run += 1
        line += count("\n", at, offset)
        offsets.insert(mark + 1, offset)
        states.insert(mark + 1, (line, run))
        return line

    def _candidates(self) -> list[tuple[int, int]]:
        """Every ``"source"`` (and for nbformat 3 ``"input"``) in the text, in order: where it starts and ends."""
        if self._merged is None:
            self._merged = sorted((at, at + len(key)) for key in self._keys for at in self._find_all(key))
        return self._merged

    # -- locating cells ------------------------------------------------------------------------------

    def _keys_are_the_cells(self) -> bool:
        """True if the k-th ``"source"`` in the text is cell k's key (nbformat 4, valid JSON).

        That holds when every cell has a "source" key (``Notebook._keyed``, read at parse time), no
        key named "source" is written with an escape (so each cell's key is a ``"source"`` of the
        text) and the text holds as many ``"source"`` as there are cells (so there is no other).
        Then the search finds cell k at the k-th, the first after cell k - 1's value, whose value is
        the cell's parsed source.
        """
        text = self._text
        if not self._keyed or len(self._find_all(_SOURCE_KEY)) != len(self._cells):
            return False
        # Search all but the runs without quotes, keys can only end them.
        start = 0
        for run, end in self._runs or ():
            if end - _KEY_ROOM > run:
                if _LETTER_ESCAPE.search(text, start, run + _KEY_ROOM) is not None:
                    return False
                start = end - _KEY_ROOM
        return _LETTER_ESCAPE.search(text, start) is None

    def _at_key(self, cell: int) -> _Located | None:
        """Where cell ``cell``'s source is, its key being the k-th ``"source"`` (None: it is not)."""
        text = self._text
        colon = _COLON.match(text, self._find_all(_SOURCE_KEY)[cell - 1] + len(_SOURCE_KEY))
        if colon is None:
            return None
        start = colon.end()
        # Scanned for where the value ends, which the test of Jupyter's layout needs. The value is
        # the cell's parsed source, not compared (reading the parse costs more than the rest):
        # json.loads parsed this text, and the value after the cell's key is what it made of it.
        try:
            value, end = _SCAN(text, start)
        except (StopIteration, json.JSONDecodeError):  # cannot be, but then the search decides
            return None
        return start, end, value, "", True

    def _seek(self, current: Cell) -> None:
        """Locate ``current`` by the search the class describes."""
        text = self._text
        heading = self._v3 and current.cell_type == "markdown"
        candidates = self._candidates()
        for index in range(bisect.bisect_left(candidates, (self._position,)), len(candidates)):
            colon = _COLON.match(text, candidates[index][1])
            if colon is not None:
                located = self._match(colon.end(), current.source, heading=heading)
                if located is not None:
                    self._located[current.index] = located
                    # No key can start inside a list of strings or a string: search on after it.
                    self._position = located[1]
                    return

    def _match(self, start: int, expected: str, *, heading: bool) -> _Located | None:
        """Where the JSON value at ``start`` is, if it is the source ``expected``."""
        try:
            value, end = _SCAN(self._text, start)
        except (StopIteration, json.JSONDecodeError):
            return None
        if isinstance(value, str):
            found = value
            separator = ""
        elif isinstance(value, list):
            # nbformat 3 joins a list whose lines lack their line breaks with "\n" (nbformat.v3.rwbase).
            first = value[0] if value else None
            separator = "\n" if self._v3 and isinstance(first, str) and not first.endswith(("\n", "\r")) else ""
            try:
                found = separator.join(value)
            except TypeError:
                return None  # not a list of strings
        else:
            return None  # e.g. a metadata key "source" holding an object
        if found == expected:
            return start, end, value, separator, True
        if heading and _is_v3_heading(expected, found):
            return start, end, value, separator, False
        return None

    def _list_lines(
        self,
        line: int,
        start: int,
        end: int,
        value: list[str],
        *,
        separator: str,
        expected: str | None,
        count: int,
    ) -> tuple[int, ...]:
        """The lines of a source stored as a list, whose ``[`` is at ``start``, on ``line``.

        The line of each element's opening quote, then each cell line takes the line of the
        element its first character is in. ``expected`` is None for a v3 heading.
        """
        text = self._text
        element_lines: Sequence[int]
        if _one_per_line(text, start, end, len(value)):
            element_lines = range(line + 1, line + 1 + len(value))
        else:
            element_lines = []
            offset = start + 1
            for _ in value:
                quote = text.index('"', offset)
                line += text.count("\n", offset, quote)
                element_lines.append(line)
                offset = _string_end(text, quote)
        if expected is None:  # a v3 heading, upgraded to one markdown line
            return (element_lines[0],)
        element_offsets: list[int] = []
        joined = 0
        for element in value:
            element_offsets.append(joined)
            joined += len(element) + len(separator)
        line_offsets = [0] + [match.end() for match in _NEWLINE.finditer(expected)]
        return tuple(
            element_lines[max(0, bisect.bisect_right(element_offsets, line_offset) - 1)]
            for line_offset in line_offsets[:count]
        )


def _line_count(text: str) -> int:
    """How many lines ``text`` has as Python counts them; an empty text has its line 1."""
    if "\r" in text:
        return max(1, len(_split_lines(text)))
    return max(1, text.count("\n") + (text[-1:] not in ("\n", "")))


# A list's "[", then one line break and the indentation before its first element's quote.
_FIRST_ELEMENT = re.compile(r'\[(\r?\n[ \t]*)"')


def _one_per_line(text: str, bracket: int, end: int, elements: int) -> bool:
    """True when the k-th element of the JSON list from ``bracket`` to ``end`` is on the k-th line after the ``[``.

    The list's line breaks are in the gaps between its tokens (a JSON string holds none), and it
    is so when the gap after the ``[`` (``_FIRST_ELEMENT``) and each gap between two elements hold
    exactly one. The gaps between elements are tested by counting ``",`` + the first gap + ``"``:
    a comma followed by a raw line break is outside strings, so each occurrence is an element's
    closing quote, the comma after it and the next one's opening quote, a gap's whole text; and
    ``elements - 1`` of them are every gap. (The gap before the ``]`` moves no element.) A list
    laid out otherwise is scanned element by element.
    """
    first = _FIRST_ELEMENT.match(text, bracket)
    return first is not None and (elements == 1 or text.count(f'",{first.group(1)}"', bracket, end) == elements - 1)


_LAST = operator.itemgetter(-1)


def _one_line_each(elements: list[str]) -> bool:
    """True if each element is one line of their concatenation (the source), with its line break.

    The last element may lack its line break, and be empty only as the only one (an empty cell).
    """
    # The elements are at hand (just decoded): the source is joined from them again rather than
    # read from the cell, further away in memory.
    joined = "".join(elements)
    if "\r" in joined:
        return False
    breaks = joined.count("\n")
    if len(elements) == 1:
        return breaks == joined.endswith("\n")
    try:
        ends = "".join(map(_LAST, elements))
    except IndexError:  # an empty element, which is no line
        return False
    # Every element but the last ends in a line break, and there are no others.
    others = len(elements) - 1
    return ends.count("\n", 0, others) == others and ends.count("\n") == breaks


def _is_v3_heading(expected: str, found: str) -> bool:
    """True if ``expected`` is nbformat's v4 upgrade of the v3 heading cell text ``found``."""
    text = expected.lstrip("#")
    return text != expected and text.startswith(" ") and text[1:] == " ".join(found.splitlines())


def _string_end(text: str, quote: int) -> int:
    """Offset just past the JSON string literal whose opening quote is at ``quote``."""
    _, end = _SCAN(text, quote)
    return end


# --- writing ----------------------------------------------------------------------------------


# A \\uXXXX escape (preceded by an even number of backslashes) of a character json.dumps escapes
# only under ensure_ascii: control characters (< 0x20) are escaped in every style.
_ASCII_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[01])[0-9a-fA-F]{4}")
_COMPACT = re.compile(r'\s*\{\s*"(?:[^"\\]|\\.)*":\S')


def dump_notebook(data: Mapping[str, Any], original: bytes = b"") -> bytes:
    """Serialise ``data`` in the style of the ``original`` file (nbformat's style by default).

    The style is the original's indentation (or none, for single-line JSON), its separators,
    whether it escaped non-ASCII characters, its line endings (LF or CRLF), its final newline and
    its byte-order mark; keys keep the order they have in ``data``. Without an original, the
    output is what ``nbformat.write`` produces: indent 1, sorted keys, UTF-8, final newline.
    """
    text = original.decode("utf-8-sig", errors="replace")
    indent: int | str | None = 1
    separators = (",", ": ")
    match = re.search(r"\n([ \t]+)\S", text[:4096])
    if original and match:
        indent = len(match.group(1)) if "\t" not in match.group(1) else match.group(1)
    elif original and "\n" not in text.strip():
        indent = None
        separators = (",", ":") if _COMPACT.match(text) else (", ", ": ")
    ascii_only = bool(original) and text.isascii() and _ASCII_ESCAPE.search(text) is not None
    dumped = json.dumps(data, indent=indent, ensure_ascii=ascii_only, separators=separators, sort_keys=not original)
    if not original or text.endswith("\n"):
        dumped += "\n"
    first_break = text.find("\n")
    if first_break > 0 and text[first_break - 1] == "\r":
        dumped = dumped.replace("\n", "\r\n")  # JSON strings escape their line breaks: only layout changes
    prefix = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    # A lone surrogate (from a "\\udXXX" escape in the file) cannot be encoded as UTF-8; writing it
    # back as the same JSON escape keeps the data and the file valid.
    return prefix + dumped.encode("utf-8", errors="backslashreplace")


def write_notebook(notebook: Notebook, data: Mapping[str, Any]) -> bool:
    """Write ``data`` over ``notebook.path`` atomically, in the file's own style.

    Returns False, writing nothing, when ``data`` equals what was read.

    Raises:
        FileWriteError: the write failed; the original file is untouched.
    """
    if data == notebook.data:
        return False
    return atomic_write_bytes(notebook.path, dump_notebook(data, notebook.raw))
