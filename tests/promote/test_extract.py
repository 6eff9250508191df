from __future__ import annotations

from dsquality.analysis.model import build_model
from dsquality.notebook import read_notebook
from dsquality.promote.extract import Extraction, extract, free_reads, notebook_title, used_imports
from tests.conftest import CellSpec
from tests.promote.conftest import MakeNotebook


def extracted(make_notebook: MakeNotebook, cells: list[CellSpec]) -> Extraction:
    return extract(build_model(read_notebook(make_notebook(cells))))


def test_imports_are_gathered_from_every_cell_one_statement_per_name(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        "import os.path, numpy as np\nfrom collections import (Counter as C,\n    deque)",
        "from math import *\nimport os\nimport numpy as np",
        "def f() -> None:\n    import json",  # not a module-level import
    ]
    extraction = extracted(make_notebook, cells)
    statements = {name: [entry.statement for entry in entries] for name, entries in extraction.imports.items()}
    assert statements == {
        "os": ["import os.path", "import os"],
        "np": ["import numpy as np"],
        "C": ["from collections import Counter as C"],
        "deque": ["from collections import deque"],
    }
    assert [(entry.cell, entry.line) for entry in extraction.imports["deque"]] == [(1, 2)]
    assert [entry.statement for entry in extraction.star_imports] == ["from math import *"]


def test_module_names_are_what_exported_cells_define_not_what_they_import(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        "md:Some intro, then\n## a section",
        "md:## Section\n# Customer churn  #",
        (
            (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pathlib import Path\n"
                "LIMIT = 3\n_CACHE: dict[str, int] = {}\n\n\ndef load(path: 'Path') -> int:\n    return LIMIT"
            ),
            ["export"],
        ),
        "LIMIT = 4\nresult = load('x')",
    ]
    extraction = extracted(make_notebook, cells)
    assert list(extraction.module_names) == ["LIMIT", "_CACHE", "load"]
    assert extraction.public_names == ("LIMIT", "load")
    assert (extraction.module_names["load"].cell, extraction.module_names["load"].line) == (3, 8)
    assert extraction.bindings["LIMIT"] == (3, 4)
    assert notebook_title(extraction.model) == "Customer churn"


def test_free_reads_and_used_imports(make_notebook: MakeNotebook) -> None:
    cells: list[CellSpec] = [
        "import json\nimport os\nimport sys\nfrom __future__ import annotations",
        ("import re\n\n\ndef f() -> str:\n    return re.escape(json.dumps(later()))\n\n\nx = y\ny = 1", ["export"]),
    ]
    extraction = extracted(make_notebook, cells)
    (code,) = extraction.exported
    assert [(event.name, event.line, event.deferred) for event in free_reads(code)] == [
        ("str", 4, False),  # the annotation, evaluated when the function is defined
        ("re", 5, True),  # its own top-level import is hoisted: a read of the import
        ("json", 5, True),
        ("later", 5, True),
        ("y", 8, False),  # bound only after the read
    ]
    assert [entry.statement for entry in used_imports(extraction, [code])] == [
        "from __future__ import annotations",
        "import json",
        "import re",
    ]
