"""Reading and writing notebooks: one parse per file, raw bytes kept, atomic writes.

:func:`read_notebook` parses a file once with :mod:`json` (several times faster than
``nbformat.read``), upgrades nbformat 3 in memory, and checks the structure the rest of dsquality
relies on, raising :class:`~dsquality.errors.NotebookFormatError` with the reason otherwise.

Cells are numbered from 1 among **all** cells, the one numbering used everywhere in dsquality.
:meth:`Notebook.file_line` maps a cell's source line to the line of the ``.ipynb`` file where it
sits, for SARIF and GitHub annotations.

:func:`write_notebook` serialises a changed notebook in the style of the original file (indent,
key order, ASCII escaping, final newline) and writes it atomically; an unchanged notebook is not
written at all, so it stays byte-identical with its mtime.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsquality.atomic import atomic_write_bytes
from dsquality.errors import NotebookFormatError

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
    _line_maps: dict[int, tuple[int, ...]] = field(default_factory=dict, repr=False)

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
        if 1 <= cell <= len(self.cells) and cell not in self._line_maps:
            self._line_maps.update(_map_source_lines(self))
            for index in range(1, len(self.cells) + 1):
                self._line_maps.setdefault(index, ())
        lines = self._line_maps.get(cell, ())
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
    return notebook_from_dict(data, path, raw)


def notebook_from_dict(data: object, path: Path, raw: bytes = b"") -> Notebook:
    """Build a :class:`Notebook` from already-parsed JSON (e.g. from the JupyterLab frontend)."""
    if not isinstance(data, dict):
        raise NotebookFormatError(path, "the top level is not a JSON object")
    version = data.get("nbformat")
    if version == 3 or (version is None and "worksheets" in data):  # noqa: PLR2004 - nbformat 3
        data = _upgrade_v3(data, path)
        original = 3
    elif version == 4:  # noqa: PLR2004
        original = 4
    else:
        raise NotebookFormatError(path, f"unsupported nbformat version {version!r} (dsquality reads 3 and 4)")
    cells_data = data.get("cells")
    if not isinstance(cells_data, list):
        raise NotebookFormatError(path, "'cells' is missing or not a list")
    # nbformat gives upgraded v3 cells random ids; the file has none, and reporting random ids
    # would make findings (and baselines keyed on them) differ from one run to the next.
    keep_ids = original == 4  # noqa: PLR2004
    cells = tuple(_make_cell(index, cell, path, keep_id=keep_ids) for index, cell in enumerate(cells_data, start=1))
    return Notebook(path=path, raw=raw, data=data, cells=cells, original_nbformat=original)


def _make_cell(index: int, cell: object, path: Path, *, keep_id: bool = True) -> Cell:
    if not isinstance(cell, dict):
        raise NotebookFormatError(path, "a cell is not a JSON object", cell=index)
    cell_type = cell.get("cell_type")
    if not isinstance(cell_type, str) or cell_type not in CELL_TYPES:
        raise NotebookFormatError(path, f"unknown cell_type {cell_type!r}", cell=index)
    source = cell.get("source", "")
    if not isinstance(source, str) and not (isinstance(source, list) and all(isinstance(s, str) for s in source)):
        raise NotebookFormatError(path, "'source' is neither a string nor a list of strings", cell=index)
    metadata = cell.get("metadata", {})
    outputs = cell.get("outputs", [])
    count = cell.get("execution_count")
    return Cell(
        index=index,
        cell_type=cell_type,
        source=source_text(source),
        cell_id=cell.get("id") if keep_id and isinstance(cell.get("id"), str) else None,
        metadata=metadata if isinstance(metadata, dict) else {},
        outputs=tuple(output for output in outputs if isinstance(output, dict)) if isinstance(outputs, list) else (),
        execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


def _upgrade_v3(data: dict[str, Any], path: Path) -> dict[str, Any]:
    import nbformat  # noqa: PLC0415 - only nbformat-3 files need it
    import nbformat.v3  # noqa: PLC0415

    try:
        # ``to_notebook_json`` rejoins multi-line strings stored as lists (``"input": [...]``),
        # which nbformat's v3 -> v4 upgrade cannot handle; ``nbformat.read`` does the same.
        notebook = nbformat.v3.to_notebook_json(data)
        notebook.setdefault("nbformat", 3)  # a v3 file recognised by its worksheets alone
        upgraded = nbformat.convert(notebook, 4)
    except Exception as exc:  # nbformat raises many kinds of errors on malformed v3 input
        raise NotebookFormatError(path, f"nbformat 3 notebook could not be upgraded: {exc}") from exc
    result: dict[str, Any] = json.loads(json.dumps(upgraded))
    return result


# --- mapping cell source lines to lines of the .ipynb file ------------------------------------

_KEY = re.compile(r'"(source|input)"\s*:\s*')
_DECODER = json.JSONDecoder()


def _map_source_lines(notebook: Notebook) -> dict[int, tuple[int, ...]]:
    """Find, for every cell, the file line of each of its source lines.

    Scans the raw text for each cell's ``"source"`` (``"input"`` for nbformat-3 code cells) in
    order, and accepts a match only if it decodes to that cell's source, so a metadata key of the
    same name cannot mislead it.
    """
    if not notebook.raw:
        return {}
    text = notebook.raw.decode("utf-8-sig", errors="replace")
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    v3 = notebook.original_nbformat == 3  # noqa: PLR2004
    position = 0
    found: dict[int, tuple[int, ...]] = {}
    for cell in notebook.cells:
        heading = v3 and cell.cell_type == "markdown"
        for match in _KEY.finditer(text, position):
            located = _element_lines(text, match.end(), cell.source, line_starts, v3=v3, heading=heading)
            if located is not None:
                found[cell.index] = located
                position = match.end()
                break
    return found


def _is_v3_heading(expected: str, found: str) -> bool:
    """True if ``expected`` is nbformat's v4 upgrade of the v3 heading cell text ``found``."""
    text = expected.lstrip("#")
    return text != expected and text.startswith(" ") and text[1:] == " ".join(found.splitlines())


def _element_lines(
    text: str, start: int, expected: str, line_starts: list[int], *, v3: bool = False, heading: bool = False
) -> tuple[int, ...] | None:
    try:
        value, _ = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return None  # e.g. a metadata key "source" holding an object
    # nbformat 3 joins a list whose lines lack their line breaks with "\n" (see nbformat.v3.rwbase).
    separator = "\n" if v3 and isinstance(value, list) and value and not value[0].endswith(("\n", "\r")) else ""
    found = separator.join(value) if isinstance(value, list) else value
    if found != expected and not (heading and _is_v3_heading(expected, found)):
        return None

    def line_of(offset: int) -> int:
        return bisect.bisect_right(line_starts, offset)

    count = max(1, len(_split_lines(expected)))  # an empty cell still has its line 1
    if isinstance(value, str) or not value:
        return (line_of(start),) * count
    # A list: the line of each element's opening quote, then each cell line takes the line of
    # the element its first character is in (one element per line when Jupyter wrote it).
    element_lines: list[int] = []
    element_offsets: list[int] = []
    offset = text.index("[", start) + 1
    joined = 0
    for element in value:
        offset = text.index('"', offset)
        element_lines.append(line_of(offset))
        element_offsets.append(joined)
        joined += len(element) + len(separator)
        offset = _string_end(text, offset)
    if found != expected:  # a v3 heading, upgraded to one markdown line
        return (element_lines[0],)
    line_offsets = [0] + [match.end() for match in _NEWLINE.finditer(expected)]
    return tuple(
        element_lines[max(0, bisect.bisect_right(element_offsets, line_offset) - 1)]
        for line_offset in line_offsets[:count]
    )


def _string_end(text: str, quote: int) -> int:
    """Offset just past the JSON string literal whose opening quote is at ``quote``."""
    _, end = _DECODER.raw_decode(text, quote)
    return int(end)


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
