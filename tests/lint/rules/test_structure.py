"""Tests of the structure rules DSQ201 to DSQ210."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from dsquality.analysis.model import build_model
from dsquality.errors import DSQualityError
from dsquality.lint.registry import default_options
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules import structure
from dsquality.notebook import read_notebook
from tests.lint.rules.builders import KERNEL_METADATA, code, make_context, md, notebook, positions, raw, run_rule

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def messages(findings: list[Finding]) -> str:
    return "\n".join(finding.message for finding in findings)


# --- the family as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize("rule", structure.RULES, ids=lambda rule: rule.code)
def test_rule_doc_parses(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert "```python" in doc.example
    assert doc.what
    assert doc.why
    assert doc.fix
    assert rule.code.startswith("DSQ2")
    assert rule.name == rule.name.lower()
    assert " " not in rule.name
    assert all(key == key.lower() and "_" not in key for key in rule.options)


def test_codes_are_unique_and_complete() -> None:
    codes = [rule.code for rule in structure.RULES]
    assert codes == [f"DSQ2{n:02}" for n in range(1, 11)]


# --- DSQ201 imports-not-first ------------------------------------------------------------------


def test_imports_not_first_fires_on_late_imports() -> None:
    document = notebook(
        md("# Churn"),
        code("%matplotlib inline"),
        code("import numpy as np\nimport pandas as pd"),
        code("df = pd.DataFrame()"),
        code("x = 1\nimport seaborn as sns\nfrom a.b import (c,\n    d)\nimport os, sys\n"),
        code("try:\n    import torch\nexcept ImportError:\n    torch = None\n"),
    )
    findings = run_rule("DSQ201", document)
    assert positions(findings) == [(5, 2), (5, 3), (5, 5), (6, 2)]
    assert [finding.column for finding in findings] == [1, 1, 1, 5]
    assert "`import seaborn as sns`" in findings[0].message
    assert "(cell 3)" in findings[0].message
    assert "`from a.b import (c, …)`" in findings[1].message
    assert "`import os, sys`" in findings[2].message


def test_imports_not_first_accepts_imports_at_the_top() -> None:
    document = notebook(
        md("# Title"),
        code(""),
        code("%load_ext autoreload\n%autoreload 2\n!pip install -q seaborn"),
        code(
            '"""Set-up."""\nimport sys\nsys.path.insert(0, "..")\nimport os\nos.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"'
        ),
        code("from __future__ import annotations\nimport warnings\nwarnings.filterwarnings('ignore')"),
        code("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        code("import sklearn\nassert sklearn.__version__ >= '1.0'"),
        code("import numpy as np\nfrom src import util\n\nutil.setup()"),  # the first cell doing work may import
        code("def load(path):\n    import json\n    return json.load(open(path))\n"),  # lazy import in a function
        code("class Loader:\n    import os\n\n    def run(self):\n        from pathlib import Path\n"),
        code("from __future__ import division"),
    )
    assert run_rule("DSQ201", document) == []


def test_imports_not_first_skips_unparsable_and_non_python_cells_at_the_top() -> None:
    document = notebook(
        code("alpha = 0.1", tags=["parameters"]),
        code("%%bash\nls data"),
        code("print 'python 2'"),
        code("import numpy as np\nx = np.zeros(3)"),
        code("%%time\nimport scipy"),
    )
    findings = run_rule("DSQ201", document)
    assert positions(findings) == [(5, 2)]
    assert "(cell 4)" in findings[0].message


# --- DSQ202 missing-title ----------------------------------------------------------------------


def test_missing_title_fires_without_heading() -> None:
    findings = run_rule("DSQ202", notebook(code("import pandas as pd"), md("Some text about the data.")))
    assert positions(findings) == [(None, None)]
    assert "no title" in findings[0].message


def test_missing_title_points_at_a_lower_level_heading() -> None:
    document = notebook(md("Copyright (c) Example"), md("intro\n\n## Customer churn\ntext"), code("x = 1"))
    findings = run_rule("DSQ202", document)
    assert positions(findings) == [(2, 3)]
    assert findings[0].column == 1
    assert "`## Customer churn`" in findings[0].message
    assert "level 2" in findings[0].message


@pytest.mark.parametrize(
    "cells",
    [
        [md("# Churn analysis\nWhich customers leave."), code("x = 1")],
        [md("#Churn"), code("x = 1")],
        [md("Churn analysis\n==============\n"), code("x = 1")],
        [md('<h1 align="center">Churn</h1>'), code("x = 1")],
        [raw("---\nauthor: me\ntitle: Churn\n---\n"), code("x = 1")],
        # before the first code cell, however many cells that is
        [md("Copyright"), md("![logo](x.png)"), md("> outdated"), md("# Churn"), code("x = 1")],
        # within the first three cells, even after a code cell
        [code("%matplotlib inline"), md("# Churn"), code("x = 1")],
        [code(""), code("  "), md("text"), md("# Churn"), code("x = 1")],
    ],
)
def test_missing_title_accepts_titles_at_the_top(cells: list[dict[str, object]]) -> None:
    assert run_rule("DSQ202", notebook(*cells)) == []


def test_missing_title_ignores_late_titles_and_empty_notebooks() -> None:
    late = notebook(code("import x"), code("x.run()"), md("text"), md("# Title"))
    assert len(run_rule("DSQ202", late)) == 1
    assert run_rule("DSQ202", late, options={"title-within-cells": 4}) == []
    assert run_rule("DSQ202", notebook()) == []
    assert run_rule("DSQ202", notebook(code(""))) == []
    titled = notebook(code("x = 1"), metadata={**KERNEL_METADATA, "title": "Churn"})
    assert run_rule("DSQ202", titled) == []


# --- DSQ203 too-little-markdown ----------------------------------------------------------------


def test_too_little_markdown_fires() -> None:
    document = notebook(md("# Title"), md("text"), *(code(f"x{i} = {i}") for i in range(10)), md("  "), md(""))
    findings = run_rule("DSQ203", document)
    assert positions(findings) == [(None, None)]
    assert "2 markdown cells for 10 code cells (ratio 0.20, minimum 0.3)" in findings[0].message


def test_too_little_markdown_quiet_on_small_or_documented_notebooks() -> None:
    small = notebook(*(code(f"x{i} = {i}") for i in range(9)))
    assert run_rule("DSQ203", small) == []
    documented = notebook(md("# T"), md("a"), md("b"), *(code(f"x{i} = {i}") for i in range(10)), code(""))
    assert run_rule("DSQ203", documented) == []  # 3 / 10 is not below 0.3; the empty cell does not count
    assert run_rule("DSQ203", small, options={"markdown-ratio-min-code-cells": 5}) != []


# --- DSQ204 notebook-too-long ------------------------------------------------------------------


def test_notebook_too_long() -> None:
    long = notebook(*(code(f"x = {i}") for i in range(51)))
    findings = run_rule("DSQ204", long)
    assert positions(findings) == [(None, None)]
    assert "51 code cells (limit 50)" in findings[0].message
    just_fits = notebook(*(code(f"x = {i}") for i in range(50)), code(""), md("# x"), md("y"))
    assert run_rule("DSQ204", just_fits) == []
    assert run_rule("DSQ204", just_fits, options={"max-code-cells": 10}) != []


# --- DSQ205 cell-too-long ----------------------------------------------------------------------


def test_cell_too_long_fires() -> None:
    source = "\n".join(f"x{i} = {i}" for i in range(31))
    findings = run_rule("DSQ205", notebook(md("# T"), code(source)))
    assert positions(findings) == [(2, None)]
    assert "31 lines of code (limit 30" in findings[0].message


def test_cell_too_long_ignores_blank_and_comment_lines_and_special_cells() -> None:
    thirty = "\n".join(f"x{i} = {i}\n\n    # comment {i}" for i in range(30))
    long = "\n".join(f"x{i} = {i}" for i in range(40))
    document = notebook(
        code(thirty),
        code("%%bash\n" + "\n".join(f"echo {i}" for i in range(40))),
        code(long, tags=["export"]),
        code("# dsq: export\n" + long),
    )
    assert run_rule("DSQ205", document) == []
    assert positions(run_rule("DSQ205", document, options={"max-cell-lines": 29})) == [(1, None)]


# --- DSQ206 empty-cell -------------------------------------------------------------------------


def test_empty_cell_fires_and_fix_removes_the_cells() -> None:
    document = notebook(md("# T"), code(""), md("  \n"), code("x = 1"), raw(""), code("\n\n", outputs=[]))
    findings = run_rule("DSQ206", document)
    assert positions(findings) == [(2, None), (3, None), (5, None), (6, None)]
    assert "the code cell is empty" in findings[0].message
    data = copy.deepcopy(document)
    structure.EmptyCell().fix(data, findings, make_context())
    assert [cell["id"] for cell in data["cells"]] == ["c1", "c4"]


def test_empty_cell_keeps_tagged_cells_and_never_deletes_content() -> None:
    document = notebook(code("", tags=["parameters"]), md("", tags=["keep"]), code("x = 1"), md("text"))
    assert run_rule("DSQ206", document) == []
    data = copy.deepcopy(document)
    stale = [Finding("stale", 3), Finding("stale", 4), Finding("out of range", 9), Finding("whole notebook")]
    structure.EmptyCell().fix(data, stale, make_context())
    assert data == document


# --- DSQ207 bad-notebook-name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Untitled.ipynb", "default name"),
        ("Untitled3.ipynb", "default name"),
        ("analysis-Copy1.ipynb", "copy"),
        ("analysis - Copy (2).ipynb", "copy"),
        ("analysis copy 2.ipynb", "copy"),
        ("Copy of churn.ipynb", "copy"),
        ("my analysis.ipynb", "not portable (spaces)"),
        ("churn(v2)&more.ipynb", "`&`, `(`, `)`"),
        ("análisis.ipynb", "`á`"),
    ],
)
def test_bad_notebook_name_fires(name: str, fragment: str) -> None:
    findings = run_rule("DSQ207", notebook(md("# T")), path=f"notebooks/{name}")
    assert positions(findings) == [(None, None)]
    assert fragment in findings[0].message
    assert f"`{name}`" in findings[0].message


def test_bad_notebook_name_combines_problems() -> None:
    findings = run_rule("DSQ207", notebook(), path="Untitled1 - Copy.ipynb")
    assert len(findings) == 1
    message = findings[0].message
    assert "default name" in message
    assert "copy" in message
    assert "spaces" in message


@pytest.mark.parametrize(
    "name", ["churn-analysis_v2.ipynb", "01.02-Intro.ipynb", "untitled_ideas.ipynb", "copycat.ipynb", "deep-copy.ipynb"]
)
def test_bad_notebook_name_accepts_good_names(name: str) -> None:
    assert run_rule("DSQ207", notebook(), path=f"dir with space/{name}") == []


# --- DSQ208 definition-not-promoted ------------------------------------------------------------


def test_definition_not_promoted_is_off_by_default() -> None:
    assert structure.DefinitionNotPromoted.default_enabled is False


def test_definition_not_promoted_fires_on_module_level_definitions() -> None:
    document = notebook(
        code("import pandas as pd\n\n@cache\ndef clean(df):\n    def inner():\n        pass\n    return df\n"),
        code("class Model:\n    class Config:\n        pass\n\n    def fit(self):\n        global fitted\n"),
        code("if True:\n    def helper():\n        pass\n"),
    )
    findings = run_rule("DSQ208", document)
    assert positions(findings) == [(1, 4), (2, 1), (3, 2)]
    assert "function `clean`" in findings[0].message
    assert "dsq promote" in findings[0].message
    assert "class `Model`" in findings[1].message


def test_definition_not_promoted_accepts_exported_and_test_cells() -> None:
    document = notebook(
        code("def a():\n    pass", tags=["export"]),
        code("\n# dsq: export\ndef b():\n    pass"),
        code("def test_c():\n    assert True", tags=["test"]),
        code("x = lambda: 1\ny = [i for i in range(3)]"),
    )
    assert run_rule("DSQ208", document) == []


# --- DSQ209 untyped-definition -----------------------------------------------------------------


def test_untyped_definition_fires_in_exported_cells() -> None:
    source = (
        "# dsq: export\n"
        "def total(df, column: str = 'amount', *args, **kwargs: int):\n"
        "    return df[column].sum()\n"
        "\n"
        "class Model:\n"
        "    def __init__(self):\n"
        "        pass\n"
        "\n"
        "    def fit(self, x: int) -> None:\n"
        "        pass\n"
    )
    findings = run_rule("DSQ209", notebook(code(source)))
    assert positions(findings) == [(1, 2), (1, 6)]
    assert "`total` lacks type hints for `df`, `*args` and the return type" in findings[0].message
    assert "`Model.__init__` lacks type hints for the return type" in findings[1].message


def test_untyped_definition_accepts_typed_and_exploratory_code() -> None:
    typed = (
        "class Model:\n"
        "    def __init__(self, alpha: float):\n"  # mypy infers -> None
        "        self.alpha = alpha\n"
        "\n"
        "    @classmethod\n"
        "    def create(cls) -> 'Model':\n"
        "        return cls(1.0)\n"
        "\n"
        "async def fetch(url: str) -> bytes:\n"
        "    def inner(x):\n"  # nested functions are not checked
        "        return x\n"
        "    return b''\n"
        "square = lambda x: x * x\n"
    )
    exploratory = "def plot(df):\n    df.plot()\n"
    document = notebook(code(typed, tags=["export"]), code(exploratory))
    assert run_rule("DSQ209", document) == []
    everywhere = run_rule("DSQ209", document, options={"type-hints-in-all-cells": True})
    assert positions(everywhere) == [(2, 1)]


# --- DSQ210 invalid-syntax ---------------------------------------------------------------------


def test_invalid_syntax_reports_python2_code() -> None:
    document = notebook(code("x = 1\nprint x\n"), code("try:\n    pass\nexcept ValueError, e:\n    pass"))
    findings = run_rule("DSQ210", document)
    assert positions(findings) == [(1, 2), (2, 3)]
    assert findings[0].column == 1
    assert "Missing parentheses in call to 'print'" in findings[0].message
    assert "looks like Python 2 code" in findings[0].message
    assert "Python 2" in findings[1].message


def test_invalid_syntax_names_a_python2_kernel() -> None:
    metadata = {"kernelspec": {"name": "python2", "language": "python"}, "language_info": {"version": "2.7.18"}}
    findings = run_rule("DSQ210", notebook(code("print 'hi'"), metadata=metadata))
    assert "the notebook's kernel is Python 2" in findings[0].message


def test_invalid_syntax_reports_other_errors_at_their_position() -> None:
    findings = run_rule("DSQ210", notebook(md("# T"), code("x = 1\ny = (2,\nz = 3 3\n")))
    assert len(findings) == 1
    assert findings[0].cell == 2
    assert findings[0].line is not None
    assert 1 <= findings[0].line <= 3
    assert "Python 2" not in findings[0].message
    assert "Restart & Run All" in findings[0].message


def test_invalid_syntax_understands_ipython() -> None:
    document = notebook(
        code("%matplotlib inline\n!pip install -q numpy\nfiles = !ls\nx = %env HOME\n"),
        code("%%bash\nfor f in *; do echo $f; done"),
        code("%%time\nresult = sum(range(10))"),
        code("%time y = 1\ndf?\n??np.zeros"),
        code("pip install algorithmia==0.9.3"),
        code("cd ../data"),
        code("for i in range(3):\n    !echo {i}\n"),
        code("await asyncio.sleep(0)"),
    )
    assert run_rule("DSQ210", document) == []


# --- the real corpus ---------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")
def test_structure_rules_on_the_corpus() -> None:
    rules = [rule() for rule in structure.RULES]
    context = LintContext(options={**default_options(), "type-hints-in-all-cells": True})
    checked = 0
    rules_time = 0.0
    for path in sorted(CORPUS.rglob("*.ipynb")):
        try:
            model = build_model(read_notebook(path))
        except DSQualityError:
            continue
        checked += 1
        cells = model.notebook.cells
        start = time.perf_counter()
        for rule in rules:
            for finding in rule.check(model, context):
                if finding.cell is not None:
                    assert 1 <= finding.cell <= len(cells), (path, rule.code, finding)
                    if finding.line is not None:
                        assert 1 <= finding.line <= max(1, len(cells[finding.cell - 1].lines)), (path, finding)
        rules_time += time.perf_counter() - start
    assert checked > 100
    assert rules_time < 2.0  # about 0.04 s here; generous for slow CI machines
