"""The module and the tests a notebook generates: deterministic text, formatted by ruff.

The **module** holds, in this order: a docstring (the notebook's H1 title, the notebook it comes
from, and that edits belong in the notebook), the import statements its code reads (taken from
the notebook's imports, wherever they are; ``from __future__`` first), ``__all__`` with the public
names it defines (sorted the way ruff's RUF022 wants), then the exported cells in notebook order,
without their ``# dsq: export`` marker and with their own imports moved into the import block.

The **tests** file holds a docstring, the imports the tests read, ``from <module> import …`` for
the module names they use, and one ``def test_<slug>() -> None:`` per test cell, whose body is the
cell as it is (asserts included). The slug comes from a first-line comment (``# scales to unit
variance`` gives ``test_scales_to_unit_variance``), else from the cell index (``test_cell_7``).

Both are import-sorted (ruff's isort, I001) and formatted (``ruff format``) through stdin, with the
configuration that applies to their path; then a first line is put above them::

    # dsq-promote: source=<16 hex> output=<16 hex>

``source`` hashes the text before ruff (what the notebook contributes), ``output`` the rest of
the file as written. ``dsq promote --check`` uses them to tell who changed what: a file whose
content no longer matches ``output`` was edited by hand; a ``source`` that differs from the
notebook's current one means the notebook was edited.
"""

from __future__ import annotations

import ast
import hashlib
import re
import shlex
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dsquality.analysis.model import CodeCell
from dsquality.promote.extract import Extraction, ImportEntry, free_reads, notebook_title, used_imports
from dsquality.promote.markers import marker_line
from dsquality.promote.positions import Origin, PositionMap
from dsquality.promote.targets import Targets
from dsquality.promote.tools import format_source

__all__ = [
    "HEADER",
    "Generated",
    "GeneratedFile",
    "Header",
    "generate",
    "generate_tests",
    "output_hash",
    "parse_header",
    "sort_dunder_all",
    "test_function_name",
]

HEADER = "# dsq-promote:"
_HEADER = re.compile(r"\A# dsq-promote: source=(?P<source>[0-9a-f]{16}) output=(?P<output>[0-9a-f]{16})\r?\n")
_DOC_WIDTH = 88  # ruff's default line length: the docstring fits any project's limit
_SLUG_LENGTH = 60
_INDENT = 4


@dataclass(frozen=True, slots=True)
class Header:
    """The hashes in a generated file's first line."""

    source: str
    output: str


def _hash(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:16]


def parse_header(text: str) -> tuple[Header | None, str]:
    """The header of a generated file (None if it has none) and the text below it."""
    match = _HEADER.match(text)
    if match is None:
        return None, text
    return Header(match["source"], match["output"]), text[match.end() :]


def output_hash(body: str) -> str:
    """The ``output`` hash of the text below the header (line endings do not count)."""
    return _hash(body)


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """One generated file: where it goes, its complete text, and how its lines map to cells."""

    path: Path
    key: str  # path relative to the project root, POSIX
    text: str
    source_hash: str
    assembled: str = field(repr=False)
    origins: tuple[Origin | None, ...] = field(repr=False)
    import_origins: dict[str, Origin] = field(repr=False)

    def positions(self) -> PositionMap:
        """Map lines of :attr:`text` back to notebook cells and lines."""
        return PositionMap(self.assembled, self.origins, self.import_origins, self.text)


@dataclass(frozen=True, slots=True)
class Generated:
    """What a notebook generates: the module, and the tests when it has test cells."""

    module: GeneratedFile
    tests: GeneratedFile | None
    test_names: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[GeneratedFile, ...]:
        """The module, then the tests if any."""
        return (self.module,) if self.tests is None else (self.module, self.tests)


def generate(extraction: Extraction, targets: Targets, notebook_key: str) -> Generated:
    """Generate the module and tests of a notebook that passed :func:`~dsquality.promote.check.check_cells`.

    ``notebook_key`` is the notebook's path relative to the project root, for the headers.

    Raises:
        ToolError: ruff is missing or fails.
    """
    module = _Writer()
    title = notebook_title(extraction.model)
    summary = title or f"Code promoted from the notebook {PurePosixPath(notebook_key).name}"
    module.docstring(summary, notebook_key, "exported")
    module.imports(used_imports(extraction, extraction.exported))
    names = sort_dunder_all(extraction.public_names)
    module.add("__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]")
    for code in extraction.exported:
        module.blank(2)
        module.cell(code)
    generated_module = module.finish(targets.module, targets.module_key, targets.root)
    tests, test_names = generate_tests(extraction, targets, notebook_key)
    return Generated(generated_module, tests, test_names)


def generate_tests(
    extraction: Extraction, targets: Targets, notebook_key: str
) -> tuple[GeneratedFile | None, tuple[str, ...]]:
    """The tests file (None without test cells) and its test function names.

    ruff's isort counts ``from pkg.mod import …`` as first-party only once ``pkg/mod.py`` exists, so
    the tests are generated again after a module is written for the first time.

    Raises:
        ToolError: ruff is missing or fails.
    """
    if not extraction.tests:
        return None, ()
    tests = _Writer()
    tests.docstring(f"Tests of {targets.import_name}, promoted from the notebook's test cells", notebook_key, "test")
    tests.imports(used_imports(extraction, extraction.tests))
    from_module = sorted(
        {event.name for code in extraction.tests for event in free_reads(code) if event.name in extraction.module_names}
    )
    if from_module:
        tests.add(f"from {targets.import_name} import {', '.join(from_module)}")
    names: list[str] = []
    for code in extraction.tests:
        name = test_function_name(code, names)
        names.append(name)
        tests.blank(2)
        tests.add(f"def {name}() -> None:")
        tests.cell(code, indent=_INDENT)
    return tests.finish(targets.tests, targets.tests_key, targets.root), tuple(names)


def test_function_name(code: CodeCell, taken: Sequence[str]) -> str:
    """``test_<slug>`` from the cell's first-line comment, else ``test_cell_<index>``; unique among ``taken``."""
    first = next((line.strip() for line in code.cell.lines if line.strip()), "")
    slug = ""
    if first.startswith("#"):
        text = unicodedata.normalize("NFKD", first.lstrip("#")).encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
        slug = re.sub(r"\Atest(?:_|\Z)", "", slug)
        if len(slug) > _SLUG_LENGTH:
            slug = slug[: _SLUG_LENGTH + 1].rsplit("_", 1)[0]
    name = f"test_{slug}" if slug else f"test_cell_{code.index}"
    return name if name not in taken else f"{name}_cell_{code.index}"


def sort_dunder_all(names: Iterable[str]) -> list[str]:
    """``names`` in ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest; natural sort within."""

    def key(name: str) -> tuple[int, list[tuple[int, int | str]]]:
        if len(name) > 1 and name.isupper():
            group = 0
        elif name[:1].isupper():
            group = 1
        else:
            group = 2
        parts = re.split(r"(\d+)", name)
        return group, [(1, int(part)) if part.isdigit() else (0, part) for part in parts if part]

    return sorted(dict.fromkeys(names), key=key)


class _Writer:
    """Assembles a generated file line by line, remembering each line's origin."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origins: list[Origin | None] = []
        self.import_origins: dict[str, Origin] = {}

    def add(self, text: str, origin: Origin | None = None) -> None:
        for line in text.split("\n"):
            self.lines.append(line)
            self.origins.append(origin)

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.add("")

    def docstring(self, summary: str, notebook_key: str, kind: str) -> None:
        summary = summary.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
        if not summary.endswith((".", "!", "?")):
            summary += "."
        command = f"`dsq promote {shlex.quote(notebook_key)}`".replace(" ", "\0")  # wrapped as one word
        note = (
            f"Generated by `dsq promote` from {notebook_key}. Do not edit this file: edit the notebook's {kind} "
            f"cells, then run {command}."
        )
        wrap = textwrap.TextWrapper(width=_DOC_WIDTH, break_long_words=False, break_on_hyphens=False)
        self.add('"""' + summary)
        self.blank()
        for line in wrap.wrap(note):
            self.add(line.replace("\0", " "))
        self.add('"""')
        self.blank()

    def imports(self, entries: Iterable[ImportEntry]) -> None:
        for entry in entries:
            origin = Origin(entry.cell, entry.line)
            self.add(entry.statement, origin)
            self.import_origins.setdefault(entry.bound, origin)
        self.blank()

    def cell(self, code: CodeCell, *, indent: int = 0) -> None:
        """Add a cell's lines, without its marker and its top-level imports, indented by ``indent``."""
        lines = code.cell.lines
        dropped = _import_lines(code)
        marker = marker_line(code.cell)
        if marker is not None:
            dropped.add(marker)
        in_strings = _string_continuations(code) if indent else set()
        kept = [(number, text) for number, text in enumerate(lines, start=1) if number not in dropped]
        while kept and not kept[0][1].strip():
            kept.pop(0)
        while kept and not kept[-1][1].strip():
            kept.pop()
        if not kept and indent:
            self.add(" " * indent + "pass")
        for number, text in kept:
            shift = indent if indent and text.strip() and number not in in_strings else 0
            self.add(" " * shift + text, Origin(code.index, number, shift))

    def finish(self, path: Path, key: str, root: Path) -> GeneratedFile:
        assembled = "\n".join(self.lines).rstrip("\n") + "\n"
        body = format_source(assembled, path, cwd=root)
        source = _hash(assembled)
        text = f"{HEADER} source={source} output={output_hash(body)}\n{body}"
        return GeneratedFile(path, key, text, source, assembled, tuple(self.origins), dict(self.import_origins))


def _import_lines(code: CodeCell) -> set[int]:
    """Lines of the cell's top-level import statements that share no line with another statement."""
    tree = code.parsed.tree
    if tree is None:
        return set()
    spans = [
        (statement, range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)) for statement in tree.body
    ]
    dropped: set[int] = set()
    for statement, span in spans:
        if not isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        shared = any(
            other is not statement and (other.lineno in span or (other.end_lineno or other.lineno) in span)
            for other, _ in spans
        )
        if not shared:
            dropped.update(span)
    return dropped


def _string_continuations(code: CodeCell) -> set[int]:
    """Lines that continue a string spanning several lines: indenting them would change the string."""
    tree = code.parsed.tree
    if tree is None:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        is_string = isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
        )
        if is_string and isinstance(node, ast.expr) and node.end_lineno and node.end_lineno > node.lineno:
            lines.update(range(node.lineno + 1, node.end_lineno + 1))
    return lines
