from __future__ import annotations

import pytest

from dsquality.notebook import Cell
from dsquality.promote.markers import is_exported, is_test, marker_line


def cell(source: str, tags: tuple[str, ...] = ()) -> Cell:
    return Cell(index=1, cell_type="code", source=source, metadata={"tags": list(tags)})


@pytest.mark.parametrize(
    ("source", "tags", "exported", "line"),
    [
        ("x = 1", ("export",), True, None),
        ("# dsq: export\nx = 1", (), True, 1),
        ("\n\n  #dsq:export  \r\nx = 1", (), True, 3),
        ("# dsq: export", (), True, 1),
        ("# dsq: exported\nx = 1", (), False, None),
        ("x = 1\n# dsq: export", (), False, None),
        ("x = 1", ("exports", "test"), False, None),
    ],
)
def test_exported_cells(source: str, tags: tuple[str, ...], exported: bool, line: int | None) -> None:
    assert is_exported(cell(source, tags)) is exported
    assert marker_line(cell(source, tags)) == line


def test_test_cells_are_tagged_test() -> None:
    assert is_test(cell("assert True", ("test",)))
    assert not is_test(cell("# test\nassert True"))
