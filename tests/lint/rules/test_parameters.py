"""Tests of the parameters rules DSQ301 to DSQ306."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsquality.analysis.model import build_model
from dsquality.errors import DSQualityError
from dsquality.lint.registry import default_options
from dsquality.lint.rule import LintContext, Rule
from dsquality.lint.rules import parameters
from dsquality.notebook import read_notebook
from tests.lint.rules.builders import code, md, notebook, positions, run_rule

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def params(source: str) -> dict[str, object]:
    return code(source, tags=["parameters"])


@pytest.mark.parametrize("rule", parameters.RULES, ids=lambda rule: rule.code)
def test_rule_doc_parses(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert "```python" in doc.example
    assert rule.code.startswith("DSQ3")


def test_codes_are_complete() -> None:
    assert [rule.code for rule in parameters.RULES] == [f"DSQ30{n}" for n in range(1, 7)]


# --- DSQ301 missing-parameters-cell ------------------------------------------------------------


def test_missing_parameters_cell_fires_for_runnable_notebooks() -> None:
    document = notebook(md("# T"), code("alpha = 0.1"))
    findings = run_rule("DSQ301", document, runnable=True)
    assert positions(findings) == [(None, None)]
    assert "tagged `parameters`" in findings[0].message


def test_missing_parameters_cell_quiet_otherwise() -> None:
    assert run_rule("DSQ301", notebook(code("alpha = 0.1"))) == []
    assert run_rule("DSQ301", notebook(params("alpha = 0.1")), runnable=True) == []
    assert run_rule("DSQ301", notebook(params("")), runnable=True) == []


# --- DSQ302 multiple-parameters-cells ----------------------------------------------------------


def test_multiple_parameters_cells() -> None:
    document = notebook(code("import x"), params("a: int = 1"), code("y = a"), params("b: int = 2"), params(""))
    findings = run_rule("DSQ302", document)
    assert positions(findings) == [(4, None), (5, None)]
    assert "the first is cell 2" in findings[0].message
    assert run_rule("DSQ302", notebook(params("a: int = 1"), code("a"))) == []


# --- DSQ303 non-literal-parameter --------------------------------------------------------------


def test_non_literal_parameter_fires() -> None:
    source = (
        "epochs: int = 10\n"  # 1
        "n_steps = epochs * 100\n"  # 2
        'out: str = f"runs/{epochs}"\n'  # 3
        "a, b = 1, 2\n"  # 4
        "c = d = 3\n"  # 5
        "import numpy as np\n"  # 6
        "grid = np.arange(3)\n"  # 7
        "print(epochs)\n"  # 8
        "for i in range(3):\n    pass\n"  # 9
        "def f():\n    pass\n"  # 11
        "inf = float('inf')\n"  # 13
    )
    findings = run_rule("DSQ303", notebook(params(source)))
    assert positions(findings) == [(1, line) for line in (2, 3, 4, 5, 6, 7, 8, 9, 11, 13)]
    assert "default of `n_steps` is computed" in findings[0].message
    assert findings[0].column == 11
    assert "`a, b = 1, 2` is not a `name = literal` assignment" in findings[2].message
    assert "`import numpy as np` is not needed by a parameter's annotation" in findings[4].message
    assert "`print(epochs)` is not a parameter" in findings[6].message


def test_non_literal_parameter_accepts_literals() -> None:
    source = (
        '"""Parameters of the training run."""\n'
        "from __future__ import annotations\n"
        "import pathlib\n"
        "from pathlib import Path\n"
        "from typing import Literal, Optional\n"
        "import typing as t\n"
        "%matplotlib inline\n"
        "# the learning rate\n"
        "alpha: float = -0.5  # help text\n"
        "epochs = +10\n"
        "name: str = 'run' 'one'\n"
        "data: Path\n"
        "out: Path = Path('out')\n"
        "mode: Literal['fast', 'slow'] = 'fast'\n"
        "seed: Optional[int] = None\n"
        "layers: t.List[int] = [64, 32]\n"
        "grid = {'alpha': [0.1, 1.0], 'fit_intercept': (True, False)}\n"
        "tags = {'a', 'b'}\n"
        "blob = b'x'\n"
        "z = 1j\n"
        "source: 'pathlib.PurePath' = 'x'\n"
    )
    assert run_rule("DSQ303", notebook(code("import x"), params(source))) == []


def test_non_literal_parameter_only_checks_a_parsable_first_parameters_cell() -> None:
    assert run_rule("DSQ303", notebook(params("x = (1,"))) == []
    assert run_rule("DSQ303", notebook(params("%%bash\necho $x"))) == []
    assert run_rule("DSQ303", notebook(params("a = 1"), params("b = f()"))) == []


def test_a_parameters_cell_of_thousands_of_computed_defaults_is_linted_in_linear_time() -> None:
    # Found by the fuzzer (tests/fuzz): each finding split the whole cell into lines again, so 5,000 chained
    # defaults (``v1 = v0 + 1`` …) took 3 s per rule and `dsq lint` 27 s.
    source = "".join(f"v{i} = v{i - 1} + 1\n" for i in range(1, 5_000))
    start = time.perf_counter()
    findings = run_rule("DSQ303", notebook(params(source)))
    assert time.perf_counter() - start < 2  # 0.1 s; 3 s before
    assert len(findings) == 4_999
    assert "(`v4999 = v4998 + 1`)" in findings[-1].message


# --- DSQ304 untyped-parameter ------------------------------------------------------------------


def test_untyped_parameter_fires_with_a_suggestion() -> None:
    source = "epochs = 10\nids = [1, 2]\nseed = None\nout = Path('x')\nmixed = [1, 'a']\nweights = {'a': 0.5}\n"
    findings = run_rule("DSQ304", notebook(params(source)))
    assert positions(findings) == [(1, line) for line in range(1, 7)]
    assert "`epochs: int = 10`" in findings[0].message
    assert "`ids: list[int] = [1, 2]`" in findings[1].message
    assert "`seed: <type> | None = None`" in findings[2].message
    assert "`out: Path = Path('x')`" in findings[3].message
    assert "`mixed: <type> = …`" in findings[4].message
    assert "`weights: dict[str, float] = {'a': 0.5}`" in findings[5].message


def test_untyped_parameter_quiet_on_typed_and_non_literal_parameters() -> None:
    source = "epochs: int = 10\ndata: Path\nsteps = epochs * 2\n"
    assert run_rule("DSQ304", notebook(params(source))) == []
    assert run_rule("DSQ304", notebook(code("epochs = 10"))) == []


# --- DSQ305 parameter-type-mismatch ------------------------------------------------------------

MISMATCHES = [
    "x: int = 0.5",
    "name: str = 3",
    "flag: bool = 1",
    "path: str = None",
    "ids: list[int] = [1, '2']",
    "ids: list[int] = (1, 2)",
    "mode: Literal['a', 'b'] = 'c'",
    "level: Literal[1, 2] = True",
    "pair: tuple[int, str] = (1, 2)",
    "pair: tuple[int, str] = (1, 'a', 'b')",
    "weights: dict[str, float] = {'a': 'heavy'}",
    "n: Optional[int] = 'x'",
    "n: int | None = 1.5",
    "n: 'int' = 'one'",
    "p: Path = 3",
    "s: set[int] = [1]",
]


@pytest.mark.parametrize("line", MISMATCHES)
def test_parameter_type_mismatch_fires(line: str) -> None:
    findings = run_rule("DSQ305", notebook(md("# T"), params("from typing import Literal, Optional\n" + line)))
    assert positions(findings) == [(2, 2)]
    value = ast.parse(line).body[0]
    assert isinstance(value, ast.AnnAssign)
    assert value.value is not None
    assert findings[0].column == value.value.col_offset + 1
    assert "does not match its annotation" in findings[0].message


def test_parameter_type_mismatch_suggests_optional_for_none() -> None:
    findings = run_rule("DSQ305", notebook(params("path: str = None")))
    assert "declare it `str | None`" in findings[0].message


MATCHES = [
    "x: float = 1",
    "x: float = -2.5",
    "x: complex = 1",
    "n: int = -3",
    "n: Optional[int] = None",
    "n: int | None = None",
    "n: typing.Union[int, str] = 'a'",
    "ids: list[int] = [1, 2]",
    "ids: List[float] = [1, 2.5]",
    "ids: list = [1, 'a']",
    "ids: Sequence[int] = (1, 2)",
    "pair: tuple[int, str] = (1, 'a')",
    "many: tuple[int, ...] = (1, 2, 3)",
    "empty: tuple[()] = ()",
    "mode: Literal['a', 'b'] = 'b'",
    "level: Literal[-1, 1] = -1",
    "data: Path = 'data.csv'",
    "data: pathlib.Path = Path('data.csv')",
    "weights: dict[str, float] = {'a': 1, 'b': 0.5}",
    "weights: Mapping[str, list[int]] = {'a': [1]}",
    "anything: Any = object",  # not a literal: DSQ303's business
    "arr: np.ndarray = [1, 2]",  # not understood: not checked
    "x: Annotated[int, 'help'] = 3",
    "x: 'int | None' = None",
    "x: MyEnum = 'a'",
    "flag: bool = False",
    "n: int = True",  # a bool is an int, as for mypy
    "s: set[int] = {1, 2}",
    "f: frozenset[str] = {'a'}",
    "data: Path",
]


@pytest.mark.parametrize("line", MATCHES)
def test_parameter_type_mismatch_accepts_matching_defaults(line: str) -> None:
    assert run_rule("DSQ305", notebook(params(line))) == []


# --- DSQ306 parameter-used-before-cell ---------------------------------------------------------


def test_parameter_used_before_cell_fires() -> None:
    document = notebook(
        code("import pandas as pd"),
        code("model = Ridge(alpha=alpha)\nprint(alpha, epochs)"),
        code("epochs = 5\nfor _ in range(epochs):\n    pass"),
        params("alpha: float = 0.1\nepochs: int = 10\ndata: Path"),
        code("model.fit(alpha, epochs, data)"),
    )
    findings = run_rule("DSQ306", document)
    assert positions(findings) == [(2, 1), (2, 2), (3, 2)]
    assert findings[0].column == 21
    assert "`alpha` is read here but first assigned in the parameters cell (cell 4)" in findings[0].message
    assert "NameError" in findings[0].message
    assert "the value set in cell 3" in findings[2].message


def test_parameter_used_before_cell_hedges_after_star_imports() -> None:
    document = notebook(code("from config import *\nprint(alpha)"), params("alpha = 0.1"))
    findings = run_rule("DSQ306", document)
    assert positions(findings) == [(1, 2)]
    assert "NameError" not in findings[0].message


def test_parameter_used_before_cell_quiet_on_deferred_and_later_reads() -> None:
    document = notebook(
        code("def train():\n    return Ridge(alpha=alpha)\n\nlen = 3"),
        code("x = [i for i in range(3)]\nf = lambda: alpha"),
        params("alpha: float = 0.1\ninput = 'data.csv'\nlen = 4"),
        code("model = train()\nprint(alpha, input)"),
    )
    assert run_rule("DSQ306", document) == []
    assert run_rule("DSQ306", notebook(code("print(alpha)"))) == []


# --- the real corpus ---------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")
def test_parameters_rules_on_the_corpus() -> None:
    rules = [rule() for rule in parameters.RULES]
    context = LintContext(options=default_options(), runnable=True)
    checked = 0
    for path in sorted(CORPUS.rglob("*.ipynb")):
        try:
            model = build_model(read_notebook(path))
        except DSQualityError:
            continue
        checked += 1
        for rule in rules:
            for finding in rule.check(model, context):
                if finding.cell is not None and finding.line is not None:
                    lines = model.notebook.cells[finding.cell - 1].lines
                    assert 1 <= finding.line <= max(1, len(lines)), (path, rule.code, finding)
    assert checked > 100


# The lint run happens in a fresh interpreter, where nothing else has imported ``dsquality.runs``.
_LINT_AND_LIST_MODULES = """
import sys
from dsquality.cli.main import main
main(["lint", "--no-ruff", "--no-mypy", "--no-cache", "--jobs", "1", "--format", "json", "-o", *sys.argv[1:]])
print("dsquality.runs.params" in sys.modules)
"""


@pytest.mark.parametrize(
    ("cells", "imported"),
    [
        ((code("epochs = 10\nprint(epochs)"),), False),  # no parameters cell: the module is not needed
        ((params("epochs = 10"), code("print(epochs)")), True),  # DSQ304 needs it
    ],
)
def test_runs_params_is_imported_only_for_a_notebook_with_a_parameters_cell(
    tmp_path: Path, cells: tuple[dict[str, object], ...], imported: bool
) -> None:
    path = tmp_path / "analysis.ipynb"
    path.write_text(json.dumps(notebook(*cells), indent=1) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-c", _LINT_AND_LIST_MODULES, str(report), str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.splitlines()[-1] == str(imported), result.stderr
    codes = {diagnostic["code"] for diagnostic in json.loads(report.read_text(encoding="utf-8"))["diagnostics"]}
    assert ("DSQ304" in codes) is imported
