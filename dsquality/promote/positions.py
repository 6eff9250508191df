"""From a line of a generated file back to the notebook cell and line it came from.

A generated file is first *assembled* line by line, and every assembled line knows its
:class:`Origin` (cell, line, and how many columns were added in front of it: 4 in a test
function). ruff then sorts the imports and formats the code, which moves, joins and splits lines,
so the assembled line table alone no longer fits the written file. :class:`PositionMap` pairs the
two versions through their syntax trees, which formatting leaves unchanged:

- statements other than imports keep their order, and within a statement ``ast.walk`` visits
  the same nodes in the same order, so each node of the written file is paired with its node in
  the assembled text (and so with a cell, line and column);
- import statements are sorted and merged, so they are paired by the names they bind;
- a line that starts no node (a comment, a closing bracket, a docstring line) is matched by its
  text, else it takes the position of the nearest line above it.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dsquality.lint.external.mapping import python_lines

__all__ = ["Location", "Origin", "PositionMap"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an assembled line comes from: 1-based cell (among all cells) and line, and the indent added."""

    cell: int
    line: int
    shift: int = 0


@dataclass(frozen=True, slots=True)
class Location:
    """A position in the notebook: 1-based cell among all cells, line and column within it."""

    cell: int
    line: int
    column: int | None = None


@dataclass(frozen=True, slots=True)
class _Anchor:
    column: int  # 0-based column in the written file
    origin: Origin | None
    assembled_column: int | None  # 0-based column in the assembled line, when known


_IMPORTS = (ast.Import, ast.ImportFrom)


class PositionMap:
    """Maps 1-based lines and columns of a written file to notebook locations.

    ``assembled`` is the text before ruff, ``origins[i]`` the origin of its line ``i + 1`` (None for
    lines dsquality wrote, such as the docstring), ``imports`` the origin of each name an import
    binds, and ``written`` the file as written.
    """

    def __init__(
        self,
        assembled: str,
        origins: Sequence[Origin | None],
        imports: Mapping[str, Origin],
        written: str,
    ) -> None:
        self._origins = list(origins)
        self._assembled_lines = python_lines(assembled)
        self._written_lines = python_lines(written)
        self._anchors: dict[int, list[_Anchor]] = {}
        try:
            before, after = ast.parse(assembled), ast.parse(written)
        except SyntaxError:
            self._written_lines = []  # nothing can be paired, not even by text
            return
        self._pair_statements(before, after)
        self._pair_imports(after, imports)
        for anchors in self._anchors.values():
            anchors.sort(key=lambda anchor: anchor.column)

    def locate(self, line: int, column: int | None = None) -> Location | None:
        """The notebook location of ``line`` (and 1-based ``column``) of the written file.

        None for lines dsquality wrote (the header, the docstring, ``__all__``, test signatures).
        """
        anchors = self._anchors.get(line)
        if anchors:
            index = 0
            if column is not None:
                index = max(0, bisect.bisect_right([anchor.column for anchor in anchors], column - 1) - 1)
            return self._location(anchors[index], column)
        return self._by_text(line)

    def _location(self, anchor: _Anchor, column: int | None) -> Location | None:
        origin = anchor.origin
        if origin is None:
            return None
        if column is None or anchor.assembled_column is None:
            return Location(origin.cell, origin.line)
        within = max(0, column - 1 - anchor.column)
        return Location(origin.cell, origin.line, max(1, anchor.assembled_column + within - origin.shift + 1))

    def _origin_of(self, line: int) -> Origin | None:
        return self._origins[line - 1] if 1 <= line <= len(self._origins) else None

    def _add(self, line: int, anchor: _Anchor) -> None:
        self._anchors.setdefault(line, []).append(anchor)

    def _pair_statements(self, before: ast.Module, after: ast.Module) -> None:
        old = [statement for statement in before.body if not isinstance(statement, _IMPORTS)]
        new = [statement for statement in after.body if not isinstance(statement, _IMPORTS)]
        if len(old) != len(new):
            return
        for old_statement, new_statement in zip(old, new, strict=True):
            old_nodes, new_nodes = list(ast.walk(old_statement)), list(ast.walk(new_statement))
            same = len(old_nodes) == len(new_nodes) and all(
                type(a) is type(b) for a, b in zip(old_nodes, new_nodes, strict=True)
            )
            pairs = zip(old_nodes, new_nodes, strict=True) if same else [(old_statement, new_statement)]
            for old_node, new_node in pairs:
                old_line, new_line = getattr(old_node, "lineno", None), getattr(new_node, "lineno", None)
                if isinstance(old_line, int) and isinstance(new_line, int):
                    old_column, new_column = getattr(old_node, "col_offset", 0), getattr(new_node, "col_offset", 0)
                    self._add(new_line, _Anchor(new_column, self._origin_of(old_line), old_column))

    def _pair_imports(self, after: ast.Module, imports: Mapping[str, Origin]) -> None:
        for statement in after.body:
            if not isinstance(statement, _IMPORTS):
                continue
            for alias in statement.names:
                name = alias.name if isinstance(statement, ast.ImportFrom) else alias.name.split(".")[0]
                origin = imports.get(alias.asname or name)
                self._add(alias.lineno, _Anchor(alias.col_offset, origin, None))
                if alias is statement.names[0]:
                    self._add(statement.lineno, _Anchor(statement.col_offset, origin, None))

    def _by_text(self, line: int) -> Location | None:
        """A line no node starts on: the assembled line with the same text, else the nearest line above."""
        above = next((number for number in range(line - 1, 0, -1) if self._anchors.get(number)), None)
        start = 0
        if above is not None:
            origin = self._anchors[above][0].origin
            start = next(
                (index for index, found in enumerate(self._origins) if found == origin and origin is not None), 0
            )
        text = self._written_lines[line - 1].strip() if 1 <= line <= len(self._written_lines) else ""
        if text:
            for index in range(start, len(self._assembled_lines)):
                if self._assembled_lines[index].strip() == text:
                    origin = self._origin_of(index + 1)
                    return Location(origin.cell, origin.line) if origin is not None else None
        if above is None:
            return None
        return self._location(self._anchors[above][0], None)
