from __future__ import annotations

from pathlib import Path

from dsquality.promote.positions import Location, Origin, PositionMap
from dsquality.promote.tools import format_source

CELL = """RESULT = {"alpha": 1,
          "beta": 2}
def  f( a:int )->int:
    # add one
    return a+1
"""


def mapped(assembled: str, origins: list[Origin | None], imports: dict[str, Origin], tmp_path: Path) -> PositionMap:
    written = "# header\n" + format_source(assembled, tmp_path / "mod.py", cwd=tmp_path)
    return PositionMap(assembled, origins, imports, written)


def test_reformatted_lines_map_to_their_cell_line_and_column(tmp_path: Path) -> None:
    assembled = '"""Doc."""\n\n' + CELL
    origins: list[Origin | None] = [None, None, *(Origin(7, line) for line in range(1, 6))]
    positions = mapped(assembled, origins, {}, tmp_path)
    written = "# header\n" + format_source(assembled, tmp_path / "mod.py", cwd=tmp_path)
    lines = written.splitlines()
    assert lines[3] == 'RESULT = {"alpha": 1, "beta": 2}'  # two cell lines joined by the formatter
    beta = lines[3].index('"beta"') + 1
    assert positions.locate(4, beta) == Location(7, 2, 11)
    assert positions.locate(4, 1) == Location(7, 1, 1)
    assert positions.locate(4) == Location(7, 1)
    assert lines[6] == "def f(a: int) -> int:"
    assert positions.locate(7, lines[6].index("int") + 1) == Location(7, 3, 11)
    assert lines[7].strip() == "# add one"
    assert positions.locate(8) == Location(7, 4)  # a comment: matched by its text
    assert lines[8] == "    return a + 1"
    assert positions.locate(9, 12) == Location(7, 5, 12)
    assert positions.locate(1) is None  # the header
    assert positions.locate(2) is None  # the docstring dsquality wrote


def test_indented_test_bodies_map_back_to_the_cell_columns(tmp_path: Path) -> None:
    assembled = "def test_x() -> None:\n    assert 1+1 == 2\n"
    positions = mapped(assembled, [None, Origin(3, 1, shift=4)], {}, tmp_path)
    assert positions.locate(3, 5) == Location(3, 1, 1)  # `assert` is column 1 of the cell
    assert positions.locate(3, 16) == Location(3, 1, 10)  # `2` after `1 + 1 == `: column 10 of `assert 1+1 == 2`
    assert positions.locate(2) is None  # the signature dsquality wrote


def test_sorted_and_merged_imports_map_by_the_names_they_bind(tmp_path: Path) -> None:
    assembled = "import sys\nfrom os import sep\nimport json as j\nfrom os import path\n\nX = (sys, sep, j, path)\n"
    imports = {"sys": Origin(2, 1), "sep": Origin(5, 3), "j": Origin(2, 2), "path": Origin(9, 1)}
    written = "# header\n" + format_source(assembled, tmp_path / "mod.py", cwd=tmp_path)
    assert written.splitlines()[1:4] == ["import json as j", "import sys", "from os import path, sep"]
    positions = PositionMap(assembled, [None] * 6, imports, written)
    assert positions.locate(2, 1) == Location(2, 2)
    assert positions.locate(3, 1) == Location(2, 1)
    assert positions.locate(4, 1) == Location(9, 1)
    assert positions.locate(4, len("from os import path, ") + 1) == Location(5, 3)


def test_text_that_does_not_parse_maps_nothing() -> None:
    assert PositionMap("x = (", [Origin(1, 1)], {}, "x = (").locate(1) is None
