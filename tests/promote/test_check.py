from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dsquality.analysis.model import build_model
from dsquality.config import load_config
from dsquality.errors import PromotionProblem
from dsquality.notebook import read_notebook
from dsquality.promote.check import SyncState, check_cells, compare, compare_stale
from dsquality.promote.extract import extract
from dsquality.promote.generate import Generated, generate, output_hash, parse_header
from dsquality.promote.targets import resolve_targets
from tests.conftest import CellSpec
from tests.promote.conftest import GOOD_CELLS, MakeNotebook, set_source

IMPORTS = "import math\nimport re"


def problems_of(make_notebook: MakeNotebook, cells: Sequence[CellSpec]) -> list[PromotionProblem]:
    return check_cells(extract(build_model(read_notebook(make_notebook(cells)))))


def only(problems: list[PromotionProblem]) -> PromotionProblem:
    assert len(problems) == 1, [problem.describe() for problem in problems]
    return problems[0]


def test_a_clean_notebook_has_no_problems(make_notebook: MakeNotebook) -> None:
    assert problems_of(make_notebook, GOOD_CELLS) == []


# --- hidden notebook state in exported cells ------------------------------------------------------


def test_exported_cell_reading_a_name_defined_only_in_an_unexported_cell(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        IMPORTS,  # cell 1
        "threshold = 0.5\nlimit = 3",  # cell 2: exploration
        ("def above(x: float) -> bool:\n    return x > threshold * limit", ["export"]),  # cell 3
    ]
    problem = only(problems_of(make_notebook, cells))
    assert (problem.kind, problem.cell, problem.line, problem.column) == ("hidden-state", 3, 2, 16)
    assert problem.names == ("threshold", "limit")
    assert problem.describe().startswith(f"{Path('nb.ipynb').resolve()}:cell 3:line 2: exported cell reads")
    assert "`threshold` (defined only in cell 2, which is not exported)" in problem.message
    assert "`limit` (defined only in cell 2, which is not exported)" in problem.message


def test_hidden_state_names_every_defining_cell_and_undefined_names(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        "rate = 1",  # cell 1
        "rate = 2",  # cell 2
        ("def f() -> int:\n    return rate + missing", ["export"]),  # cell 3
        ("def g() -> None:\n    display(1)", ["export"]),  # cell 4
    ]
    first, second = problems_of(make_notebook, cells)
    assert (first.cell, first.names) == (3, ("rate", "missing"))
    assert "`rate` (defined only in cells 1 and 2, which are not exported)" in first.message
    assert "`missing` (defined in no cell)" in first.message
    assert (second.cell, second.names) == (4, ("display",))
    assert "IPython provides it, a module does not" in second.message


def test_names_from_exported_cells_imports_and_builtins_are_not_hidden_state(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        IMPORTS,
        ("PATTERN = re.compile('a+')", ["export"]),
        ("def count(text: str) -> int:\n    return len(PATTERN.findall(text)) + math.floor(len(text))", ["export"]),
        ("def later() -> int:\n    return count('aa') + helper()", ["export"]),
        ("def helper() -> int:\n    return int(__name__ == 'x')", ["export"]),
    ]
    assert problems_of(make_notebook, cells) == []


def test_a_name_read_at_import_time_before_the_module_defines_it(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        ("DOUBLE = BASE * 2", ["export"]),  # cell 1
        ("BASE = 21", ["export"]),  # cell 2
    ]
    problem = only(problems_of(make_notebook, cells))
    assert (problem.kind, problem.cell, problem.line, problem.names) == ("order", 1, 1, ("BASE",))
    assert "reads `BASE` when the module is imported" in problem.message
    assert "cell 2, line 1, below" in problem.message
    same_cell = only(problems_of(make_notebook, [("HALF = WHOLE / 2\nWHOLE = 1.0", ["export"])]))
    assert (same_cell.kind, same_cell.line, same_cell.names) == ("order", 1, ("WHOLE",))
    assert "(cell 1, line 2, further down in this cell)" in same_cell.message


# --- work at import time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "names", "says"),
    [
        ("import pandas as pd\nraw = pd.read_csv('data.csv')", 2, ("raw", "pd.read_csv"), "assigns `raw` from a call"),
        ("def f() -> None:\n    pass\n\n\nprint(f())", 5, ("print", "f"), "calls `print(…)`"),
        ("for i in range(3):\n    pass", 1, ("range",), "runs a `for` loop"),
        ("COUNTS = {}\nCOUNTS['a'] = 1", 2, ("COUNTS['a']",), "assigns to `COUNTS['a']`, changing an existing"),
        ("total = 0\ntotal += 1", 2, (), "runs an augmented assignment"),
        ("items = [x for x in range(3)]", 1, ("items", "range"), "assigns `items` from a call to `range(…)`"),
    ],
)
def test_exported_cell_doing_work_at_import_time(
    make_notebook: MakeNotebook, source: str, line: int, names: tuple[str, ...], says: str
) -> None:
    problem = only(problems_of(make_notebook, [(source, ["export"])]))
    assert (problem.kind, problem.cell, problem.line, problem.names) == ("import-time-work", 1, line, names)
    assert problem.message.startswith("exported cell does work at import time: " + says)
    assert ":cell 1:line " in problem.describe()


def test_definitions_imports_and_constant_assignments_are_allowed(make_notebook: MakeNotebook) -> None:
    source = '''"""Module docstring."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger(__name__)
T = TypeVar("T")
Mode = Literal["fast", "slow"]
LIMITS: dict[str, tuple[int, ...]] = {"a": (1, 2), **{"b": (-3,)}}
WORD = re.compile(r"\\w+", flags=re.ASCII)
DATA = Path("data") / "raw"
SCALE = 2 ** 10 if LIMITS else 1.5
NAME = f"limit-{SCALE:.1f}"
HALVES = frozenset({0.5, 1 / 2})
KEY = lambda item: item[0]  # noqa: E731
ALIAS = re.sub
TODO: int


@staticmethod
def first(items: Sequence[T]) -> T:
    return items[0]


class Box:
    size = 3

    def grow(self) -> int:
        return self.size + 1
'''
    assert problems_of(make_notebook, [(source, ["export"])]) == []


# --- test cells -------------------------------------------------------------------------------------


def test_test_cell_depending_on_unpromoted_notebook_state(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        IMPORTS,  # cell 1
        ("def double(x: int) -> int:\n    return 2 * x", ["export"]),  # cell 2
        "table = [1, 2, 3]\nexpected = 4",  # cell 3: exploration
        ("def helper() -> int:\n    return 1", ["test"]),  # cell 4: a test that defines a helper
        ("# doubles the table\nassert [double(x) for x in table] == [2, expected, 6]\nassert helper() == 1", ["test"]),
    ]
    problem = only(problems_of(make_notebook, cells))
    assert (problem.kind, problem.cell, problem.line, problem.column) == ("test-state", 5, 2, 28)
    assert problem.names == ("table", "expected", "helper")
    assert problem.describe().endswith(
        ":cell 5:line 2: test cell uses notebook state that is not promoted: "
        "`table` (defined only in cell 3, which is not exported), "
        "`expected` (defined only in cell 3, which is not exported) and "
        "`helper` (defined only in test cell 4): build it in the test cell, or export the cell that defines it"
    )


def test_test_cells_may_use_module_names_notebook_imports_and_their_own_names(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        IMPORTS,
        ("def double(x: int) -> int:\n    return 2 * x", ["export"]),
        ("import json\nvalues = [1.5, 2.0]\nassert json.loads('[3.0, 4.0]') == [double(v) for v in values]", ["test"]),
        ("def check(x: int) -> None:\n    assert math.isfinite(double(x)) and limit\nlimit = 1\ncheck(2)", ["test"]),
    ]
    assert problems_of(make_notebook, cells) == []


# --- cells that cannot be promoted ---------------------------------------------------------------


def test_ipython_syntax_syntax_errors_and_double_tags_are_reported(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        ("%matplotlib inline\ndef f() -> int:\n    return 1", ["export"]),  # cell 1
        ("def g(:\n    pass", ["export"]),  # cell 2
        ("%%bash\necho hi", ["export"]),  # cell 3
        ("!ls\nassert True", ["test"]),  # cell 4
        ("X = 1", ["export", "test"]),  # cell 5
        ("import asyncio\n\n\nasync def f() -> int:\n    return 1\nassert await f() == 1", ["test"]),  # cell 6
    ]
    found = [(p.cell, p.line, p.kind, p.names) for p in problems_of(make_notebook, cells)]
    assert found == [
        (1, 1, "unsupported", ("%matplotlib",)),
        (2, 1, "unsupported", ()),
        (3, 1, "unsupported", ()),
        (4, 1, "unsupported", ("!ls",)),
        (5, 1, "unsupported", ()),
        (6, 6, "unsupported", ("await",)),
    ]
    messages = [p.message for p in problems_of(make_notebook, cells)]
    assert messages[0].startswith("exported cell uses IPython syntax `%matplotlib inline`")
    assert messages[1].startswith("exported cell does not parse: ")
    assert messages[2] == "exported cell is not Python (`%%bash`): only Python can be promoted"
    assert messages[3].startswith("test cell uses IPython syntax `!ls`")
    assert messages[4].startswith("cell is both exported and tagged `test`")
    assert messages[5].startswith("test cell uses `await` outside a function")


def test_a_name_imported_two_ways_and_used_is_a_conflict(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        "import numpy as np\nimport os.path\nimport os",  # cell 1: two plain imports of `os` are fine
        "import math as np",  # cell 2
        ("def f() -> str:\n    return str(np.pi) + os.sep", ["export"]),  # cell 3
    ]
    problem = only(problems_of(make_notebook, cells))
    assert (problem.kind, problem.cell, problem.line, problem.names) == ("import-conflict", 2, 1, ("np",))
    assert "`np` is imported differently in cell 1 (`import numpy as np`) and cell 2 (`import math as np`)" in (
        problem.message
    )


# --- comparison with the files on disk ----------------------------------------------------------


def _generated(path: Path) -> Generated:
    notebook = read_notebook(path)
    config = load_config(path)
    targets = resolve_targets(notebook, config, module=Path("pkg/stats.py"))
    assert targets is not None
    return generate(extract(build_model(notebook)), targets, config.relative(path))


def test_compare_tells_which_side_changed(make_notebook: MakeNotebook, project: Path) -> None:
    path = make_notebook(GOOD_CELLS)
    module = _generated(path).module
    assert compare(module).state is SyncState.MISSING
    module.path.write_text(module.text, encoding="utf-8")
    assert compare(module).state is SyncState.IN_SYNC
    module.path.write_bytes(module.text.replace("\n", "\r\n").encode())  # a Windows checkout
    assert compare(module).state is SyncState.IN_SYNC

    module.path.write_text(module.text + "# my edit\n", encoding="utf-8")
    assert compare(module).state is SyncState.FILE_EDITED

    set_source(path, 4, "def top(words: list[str]) -> list[tuple[str, int]]:\n    return Counter(words).most_common(1)")
    edited = _generated(path).module
    assert compare(edited).state is SyncState.BOTH_EDITED
    module.path.write_text(module.text, encoding="utf-8")
    assert compare(edited).state is SyncState.NOTEBOOK_EDITED

    header, body = parse_header(module.text)
    assert header is not None
    reformatted = body.replace("\n\n\n", "\n\n\n\n", 1)  # same source, formatted differently
    module.path.write_text(f"# dsq-promote: source={header.source} output={output_hash(reformatted)}\n{reformatted}")
    assert compare(module).state is SyncState.TOOL_CHANGED

    module.path.write_text(body, encoding="utf-8")
    assert compare(module).state is SyncState.NOT_GENERATED
    assert compare(module).edited_by_hand
    assert project / "pkg" / "stats.py" == module.path


def test_compare_stale_only_reports_generated_files(project: Path) -> None:
    path = project / "tests" / "test_stats.py"
    assert compare_stale(path, "tests/test_stats.py") is None
    path.parent.mkdir()
    body = '"""Tests."""\n'
    path.write_text(body, encoding="utf-8")
    assert compare_stale(path, "tests/test_stats.py") is None
    path.write_text(f"# dsq-promote: source={'0' * 16} output={output_hash(body)}\n{body}", encoding="utf-8")
    stale = compare_stale(path, "tests/test_stats.py")
    assert stale is not None
    assert stale.state is SyncState.STALE
    assert stale.describe("nb.ipynb") == (
        "tests/test_stats.py: out of sync with nb.ipynb: the notebook has no test cells any more, so this "
        "generated file has no source; run `dsq promote nb.ipynb`"
    )
