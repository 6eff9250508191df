"""Rules of the structure family (DSQ2xx): how a notebook is organised, documented and named.

Every rule reads the code model's facts; the few that need a statement's shape (DSQ201 looks at
the top-level statements of the notebook's first cells, DSQ209 at the signature of a function it
already flagged) look at ``tree.body`` of those cells only, never at the whole notebook's trees.
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from dsquality.analysis.facts import CellFacts, ImportFact, NameKind, dotted_name
from dsquality.analysis.model import CodeCell, NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex
from dsquality.notebook import Cell, source_text
from dsquality.promote.markers import is_exported

__all__ = [
    "RULES",
    "BadNotebookName",
    "CellTooLong",
    "DefinitionNotPromoted",
    "EmptyCell",
    "ImportsNotFirst",
    "InvalidSyntax",
    "MissingTitle",
    "NotebookTooLong",
    "TooLittleMarkdown",
    "UntypedDefinition",
    "is_exported",
]


# --- helpers shared by several rules -------------------------------------------------------------


def _blank(text: str) -> bool:
    return not text or text.isspace()


def _option(rule: Rule, context: LintContext, key: str) -> Any:
    return context.options.get(key, rule.options[key])


def _bindings(facts: CellFacts) -> set[tuple[str, int, int]]:
    """``(name, line, column)`` of every module-level binding of a cell.

    An import or definition is at module level exactly when it binds its name at its own
    position; one inside a function or class body binds a local name, which the facts omit.
    """
    return {
        (event.name, event.line, event.column)
        for event in facts.names
        if event.kind is not NameKind.READ and not event.deferred
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# --- DSQ201 imports-not-first ------------------------------------------------------------------


class _Head(enum.Enum):
    """What a cell at the top of the notebook holds, for DSQ201."""

    NOTHING = "nothing"  # no Python statement: empty, comments, magics, ``%%bash``, or unparsable
    IMPORTS = "imports"  # only imports and the set-up that must precede them
    CODE = "code"  # anything else


# Calls that legitimately sit between imports: they must run before (some of) the imports.
_SETUP_CALLS = frozenset(
    {
        "sys.path.append",
        "sys.path.insert",
        "sys.path.extend",
        "site.addsitedir",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "matplotlib.use",
        "mpl.use",
        "os.environ.setdefault",
        "os.environ.update",
    }
)


def _is_filler(statement: ast.stmt) -> bool:
    """``pass`` (also what magics and ``!`` lines become) or a bare string."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_import_like(statement: ast.stmt) -> bool:
    """An import, a guarded import (``try: import x``), or set-up that must precede imports."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.Assert):  # assert: an environment check
        return True
    if isinstance(statement, ast.Try | ast.If):
        return any(isinstance(inner, ast.Import | ast.ImportFrom) for inner in statement.body)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return dotted_name(statement.value.func) in _SETUP_CALLS
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:  # os.environ["X"] = "1"
        target = statement.targets[0]
        return isinstance(target, ast.Subscript) and dotted_name(target.value) == "os.environ"
    return False


def _head_kind(code: CodeCell) -> _Head:
    tree = code.parsed.tree
    tags = code.cell.tags
    if tree is None or "parameters" in tags or "injected-parameters" in tags:
        return _Head.NOTHING
    kind = _Head.NOTHING
    for statement in tree.body:
        if _is_filler(statement):
            continue
        if not _is_import_like(statement):
            return _Head.CODE
        kind = _Head.IMPORTS
    return kind


def _line_at(source: str, number: int) -> str:
    """Line ``number`` (1-based) of ``source``, without splitting the whole cell."""
    start = 0
    for _ in range(number - 1):
        start = source.find("\n", start) + 1
        if not start:
            return ""
    end = source.find("\n", start)
    return source[start:] if end < 0 else source[start:end]


def _import_text(source: str, group: Sequence[ImportFact]) -> str:
    """The import statement as written (aliases included), cut to one line."""
    first = group[0]
    line = _line_at(source, first.line).rstrip("\r")
    start = line.find("from " if first.is_from else "import ", max(first.column - 1, 0))
    if start >= 0:
        text = line[start:].split(";")[0].split("#")[0].strip().rstrip("\\").rstrip()
        if text.count("(") > text.count(")"):
            text += " …)"
        if text:
            return text if len(text) <= 70 else text[:69] + "…"  # noqa: PLR2004
    if first.is_from:
        return f"from {first.module} import {', '.join(first.names)}"
    return "import " + ", ".join(fact.module for fact in group)


class ImportsNotFirst(Rule):
    """Imports scattered through the notebook instead of gathered at its top.

    ## What it does
    Reports a module-level `import` or `from … import` in a code cell that comes after the
    notebook has started doing other work. Imports are expected in the notebook's first code
    cells: every code cell up to and including the first one that does anything besides importing
    may import. Cells with no Python statement (empty, only comments, only magics such as
    `%matplotlib inline` or `!pip install …`) and papermill's parameters cells are skipped when
    looking for that first cell, and
    set-up that has to precede imports (`sys.path.append(…)`, `warnings.filterwarnings(…)`,
    `os.environ[…] = …`, `matplotlib.use(…)`, guarded `try: import x`, version checks with
    `assert`) counts as importing.
    Imports inside function bodies are not reported (they are deliberate, lazy imports);
    `from __future__` imports are never reported.

    ## Why is this bad?
    A reader (and a reviewer of the dependency list) expects a notebook's dependencies at its top.
    An import buried in cell 40 is found only when that cell fails on a machine without the
    package, after minutes of computation; and a later cell that imports a name can silently
    change what earlier names mean when cells are re-run.

    ## Example
    ```python
    # cell 1
    import pandas as pd

    df = pd.read_csv("data.csv")

    # cell 5
    import seaborn as sns

    sns.histplot(df["age"])
    ```

    ## How to fix
    Move the import to the first code cell:
    ```python
    # cell 1
    import pandas as pd
    import seaborn as sns

    df = pd.read_csv("data.csv")
    ```
    """

    code = "DSQ201"
    name = "imports-not-first"
    summary = "A module-level import below the notebook's first code cell."
    severity = Severity.WARNING

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report module-level imports in code cells after the notebook's import cells."""
        first: int | None = None
        in_head = True
        for code in model.code_cells:
            if in_head:
                kind = _head_kind(code)
                if kind is _Head.NOTHING:
                    continue
                first = first or code.index
                in_head = kind is _Head.IMPORTS
                continue
            if code.facts.imports:
                yield from self._late_imports(code, first or code.index)

    def _late_imports(self, code: CodeCell, first: int) -> Iterator[Finding]:
        facts = code.facts
        sites: set[tuple[int, int]] | None = None
        groups: dict[tuple[int, int], list[ImportFact]] = {}
        for fact in facts.imports:
            groups.setdefault((fact.line, fact.column), []).append(fact)
        for (line, column), group in groups.items():
            if group[0].module == "__future__":
                continue
            if column != 1:  # indented: module level only under if/try/with, not in a def or class
                if sites is None:
                    sites = {(line_, column_) for _, line_, column_ in _bindings(facts)}
                if (line, column) not in sites:
                    continue
            text = _import_text(code.cell.source, group)
            yield Finding(
                f"`{text}` comes after code that does work: move it to the top of the notebook (cell {first}), "
                "so that every dependency is visible at a glance and loaded before any work starts",
                code.index,
                line,
                column,
            )


# --- DSQ202 missing-title ----------------------------------------------------------------------

# ``# Title`` (also ``#Title``, which Jupyter's renderer shows as a heading).
_ATX_H1 = re.compile(r"^ {0,3}#(?!#)[ \t]*[^\s#]", re.MULTILINE)
# The ``===`` underline of a setext H1 (the line above must hold text).
_SETEXT_H1 = re.compile(r"\n {0,3}=+[ \t]*(?=\r?\n|\Z)")
_HTML_H1 = re.compile(r"<[hH]1[\s>]")


def _has_h1(source: str) -> bool:
    if "#" in source and _ATX_H1.search(source):
        return True
    if "<" in source and _HTML_H1.search(source):
        return True
    if "=" in source:
        for match in _SETEXT_H1.finditer(source):
            above = source[: match.start()].rsplit("\n", 1)[-1]
            if above.strip():
                return True
    return False


# Any other ATX heading (``## Title``, also ``##Title##``), when no H1 exists.
_HEADING = re.compile(r"^ {0,3}(#{2,6})[ \t]*[^\s#][^\n]*", re.MULTILINE)
_FRONT_MATTER_TITLE = lazy_regex(r"\A\s*---[ \t]*\n(?:.*\n)*?[ \t]*title[ \t]*:[ \t]*\S", re.MULTILINE)


class MissingTitle(Rule):
    """No H1 heading at the top of the notebook.

    ## What it does
    Reports a notebook without a title: a markdown H1 heading (`# Title`, a setext
    `Title` underlined with `===`, or an HTML `<h1>`) in one of the cells before the first code
    cell, or among the first `title-within-cells` cells (default 3). YAML front matter with a
    `title:` in a leading raw cell (Quarto, Jupyter Book) and a `title` in the notebook metadata
    count as a title too. When the top of the notebook has a lower-level heading (`## …`) but no
    H1, the finding points at that heading.

    ## Why is this bad?
    The title is what a reader sees first in Jupyter, on GitHub and in a rendered report, and the
    table of contents of JupyterLab is built from headings. A notebook that opens with code makes
    its reader reverse-engineer what it is for.

    ## Example
    ```python
    # cell 1 (code): no markdown title above it
    import pandas as pd
    ```

    ## How to fix
    Add a markdown cell at the top with an H1 heading and a sentence on the notebook's purpose:
    ```python
    # cell 1 (markdown)
    # # Customer churn: exploratory analysis
    # Which customers leave, and what they have in common.
    ```
    """

    code = "DSQ202"
    name = "missing-title"
    summary = "No markdown H1 title at the top of the notebook."
    severity = Severity.INFO
    options: ClassVar[dict[str, Any]] = {"title-within-cells": 3}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report a notebook whose leading cells hold no H1 heading."""
        cells = model.notebook.cells
        if not cells or all(_blank(cell.source) for cell in cells):
            return
        title = model.notebook.metadata.get("title")
        if isinstance(title, str) and title.strip():
            return
        first_code = next((i for i, cell in enumerate(cells) if cell.is_code and not _blank(cell.source)), len(cells))
        limit = max(int(_option(self, context, "title-within-cells")), first_code)
        heading: tuple[Cell, re.Match[str]] | None = None
        for cell in cells[:limit]:
            if cell.cell_type == "markdown":
                if _has_h1(cell.source):
                    return
                match = _HEADING.search(cell.source) if heading is None and "#" in cell.source else None
                heading = (cell, match) if match else heading
            elif cell.cell_type == "raw" and _FRONT_MATTER_TITLE().match(cell.source):
                return
        if heading is None:
            yield Finding(
                "the notebook has no title: start it with a markdown cell holding an H1 heading (`# Title`) "
                "and a sentence on what the notebook is for"
            )
            return
        cell, match = heading
        text = match.group(0).strip()
        text = text if len(text) <= 60 else text[:59] + "…"  # noqa: PLR2004
        yield Finding(
            f"the notebook has no H1 title: its first heading, `{text}`, is level {len(match.group(1))}; "
            "make it `# …` if it is the title, or add a `# Title` heading above it",
            cell.index,
            cell.source.count("\n", 0, match.start()) + 1,
            match.start(1) - match.start() + 1,
        )


# --- DSQ203 too-little-markdown ----------------------------------------------------------------


class TooLittleMarkdown(Rule):
    """Too few markdown cells for the amount of code.

    ## What it does
    Counts non-empty markdown and code cells and reports a notebook whose ratio of markdown cells
    to code cells is below `min-markdown-ratio` (default 0.3, about one markdown cell for every
    three code cells). Notebooks with fewer than `markdown-ratio-min-code-cells` non-empty code
    cells (default 10) are not checked: a short scratch notebook is not a document yet.

    ## Why is this bad?
    A notebook is read as a document: the markdown says what each step does, why, and what its
    output means. Code cells in a row without prose leave the reader to infer the analysis from
    the code, and conclusions drawn from outputs are lost.

    ## Example
    ```python
    # 24 code cells and 2 markdown cells (ratio 0.08)
    df = load()
    df = clean(df)
    model = fit(df)
    ```

    ## How to fix
    Add markdown cells that explain the steps and the results, e.g. before each group of cells:
    ```python
    # cell (markdown)
    # ## Cleaning
    # Drop test accounts and customers with less than a month of history.
    df = clean(df)
    ```
    """

    code = "DSQ203"
    name = "too-little-markdown"
    summary = "The ratio of markdown cells to code cells is below a threshold."
    severity = Severity.INFO
    options: ClassVar[dict[str, Any]] = {"min-markdown-ratio": 0.3, "markdown-ratio-min-code-cells": 10}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report a notebook with too few markdown cells per code cell."""
        n_code = n_markdown = 0
        for cell in model.notebook.cells:
            if _blank(cell.source):
                continue
            if cell.is_code:
                n_code += 1
            elif cell.cell_type == "markdown":
                n_markdown += 1
        minimum = float(_option(self, context, "min-markdown-ratio"))
        if n_code < int(_option(self, context, "markdown-ratio-min-code-cells")) or n_code == 0:
            return
        ratio = n_markdown / n_code
        if ratio < minimum:
            yield Finding(
                f"{_plural(n_markdown, 'markdown cell')} for {_plural(n_code, 'code cell')} "
                f"(ratio {ratio:.2f}, minimum {minimum:g}): explain the steps and results in markdown cells"
            )


# --- DSQ204 notebook-too-long ------------------------------------------------------------------


class NotebookTooLong(Rule):
    """A notebook with more code cells than a threshold.

    ## What it does
    Reports a notebook with more than `max-code-cells` non-empty code cells (default 50).

    ## Why is this bad?
    Long notebooks accumulate hidden state and are rarely re-run from top to bottom; they mix
    several tasks (loading, cleaning, modelling, reporting) that are easier to test, review and
    re-run one at a time.

    ## Example
    ```python
    # a notebook with 120 code cells: loading, cleaning, three models and a report
    ```

    ## How to fix
    Split it into one notebook per task, passing data between them through files, and move
    reusable code into a module (`dsq promote`):
    ```python
    # 01-load.ipynb, 02-clean.ipynb, 03-model.ipynb, 04-report.ipynb
    ```
    """

    code = "DSQ204"
    name = "notebook-too-long"
    summary = "More code cells than a threshold."
    severity = Severity.INFO
    options: ClassVar[dict[str, Any]] = {"max-code-cells": 50}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report a notebook with too many code cells."""
        limit = int(_option(self, context, "max-code-cells"))
        count = sum(1 for code in model.code_cells if not _blank(code.cell.source))
        if count > limit:
            yield Finding(
                f"the notebook has {count} code cells (limit {limit}): split it into one notebook per task "
                "and move reusable code into a module"
            )


# --- DSQ205 cell-too-long ----------------------------------------------------------------------


class CellTooLong(Rule):
    """A code cell with more lines of code than a threshold.

    ## What it does
    Reports a code cell with more than `max-cell-lines` lines of code (default 30). Blank lines
    and lines holding only a comment are not counted. Cells under a non-Python cell magic
    (`%%bash`, `%%sql`, `%%writefile`…) and exported cells (tagged `export` or starting with
    `# dsq: export`, which become module code) are not checked.

    ## Why is this bad?
    A long cell does several things at once: when it fails, the error is far from its cause, its
    intermediate results cannot be inspected, and part of it cannot be re-run alone. Long cells
    are also where copy-pasted variants of the same code grow.

    ## Example
    ```python
    df = pd.read_csv("sales.csv")
    df = df[df.amount > 0]
    df["month"] = df.date.dt.month
    # … 40 more lines of cleaning, plotting and modelling …
    ```

    ## How to fix
    Split the cell at its steps, and move repeated logic into functions:
    ```python
    df = load_sales("sales.csv")
    ```
    ```python
    monthly = monthly_totals(df)
    ```
    """

    code = "DSQ205"
    name = "cell-too-long"
    summary = "A code cell with more lines of code than a threshold."
    severity = Severity.INFO
    options: ClassVar[dict[str, Any]] = {"max-cell-lines": 30}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report code cells with too many lines of code."""
        limit = int(_option(self, context, "max-cell-lines"))
        for code in model.code_cells:
            source = code.cell.source
            if source.count("\n") < limit or not code.is_python or is_exported(code.cell):
                continue
            count = sum(1 for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#"))
            if count > limit:
                yield Finding(
                    f"the cell has {count} lines of code (limit {limit}, blank and comment lines not counted): "
                    "split it into smaller cells, one step each, or move its logic into functions",
                    code.index,
                )


# --- DSQ206 empty-cell -------------------------------------------------------------------------


def _is_empty_json_cell(cell: object) -> bool:
    if not isinstance(cell, dict):
        return False
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return _blank(source_text(cell.get("source", ""))) and not tags


class EmptyCell(Rule):
    """A cell with no content.

    ## What it does
    Reports code, markdown and raw cells whose source is empty or only whitespace. Tagged cells
    are left alone: a tag makes an empty cell deliberate (papermill injects parameters after an
    empty cell tagged `parameters`). The fix deletes the empty cells.

    ## Why is this bad?
    Empty cells are leftovers of editing: they add noise to the notebook and to its diffs, and an
    empty code cell with saved outputs shows results that nothing in the notebook produces.

    ## Example
    ```python
    df = pd.read_csv("data.csv")
    ```
    ```python

    ```

    ## How to fix
    Delete the empty cell (`dsq lint --fix` does it):
    ```python
    df = pd.read_csv("data.csv")
    ```
    """

    code = "DSQ206"
    name = "empty-cell"
    summary = "A cell whose source is empty or only whitespace."
    severity = Severity.INFO
    fixable = True

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report every untagged cell with a blank source."""
        for cell in model.notebook.cells:
            if _blank(cell.source) and not cell.tags:
                yield Finding(f"the {cell.cell_type} cell is empty: delete it", cell.index)

    def fix(self, data: dict[str, Any], findings: list[Finding], context: LintContext) -> None:  # noqa: ARG002
        """Delete the empty cells the findings point at (1-based indices into ``data["cells"]``)."""
        cells = data.get("cells")
        if not isinstance(cells, list):
            return
        for index in sorted({finding.cell for finding in findings if finding.cell is not None}, reverse=True):
            if 1 <= index <= len(cells) and _is_empty_json_cell(cells[index - 1]):
                del cells[index - 1]


# --- DSQ207 bad-notebook-name ------------------------------------------------------------------

_UNTITLED = re.compile(r"^Untitled\d*(?=$|[-\s.])", re.IGNORECASE)  # Jupyter's default names
# Jupyter's "X-Copy1", Windows' "X - Copy (2)", macOS's "X copy 2", Google Drive's "Copy of X".
_COPY = re.compile(r"^Copy of |-Copy\d*$| - Copy(?: \(\d+\))?$| copy(?: \d+)?$")
_NON_PORTABLE = re.compile(r"[^A-Za-z0-9._-]")


class BadNotebookName(Rule):
    """A notebook named `Untitled…`, named as a copy, or with non-portable characters.

    ## What it does
    Reports a notebook whose file name is one Jupyter gives by default (`Untitled.ipynb`,
    `Untitled3.ipynb`), marks it as a copy (`analysis-Copy1.ipynb`, `analysis - Copy.ipynb`,
    `analysis copy 2.ipynb`, `Copy of analysis.ipynb`), or contains characters outside the
    portable set `A-Z a-z 0-9 . _ -` (spaces, parentheses, accents…).

    ## Why is this bad?
    `Untitled` says nothing about the notebook's content, and copies are version control done by
    hand: nobody knows which one is current. Spaces and other special characters break shell
    commands, URLs, Makefiles and some tools, and differ between file systems.

    ## Example
    ```python
    # notebooks/Untitled2.ipynb
    # notebooks/churn model - Copy (2).ipynb
    ```

    ## How to fix
    Rename the notebook after what it does, with portable characters, and keep versions in git:
    ```python
    # notebooks/churn-model.ipynb
    ```
    """

    code = "DSQ207"
    name = "bad-notebook-name"
    summary = "An Untitled or copy name, or non-portable characters in the notebook's file name."
    severity = Severity.WARNING

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report a default, copy or non-portable notebook file name."""
        name = model.notebook.path.name
        stem = name.removesuffix(".ipynb")
        if not stem:
            return
        problems: list[str] = []
        if _UNTITLED.match(stem):
            problems.append("is Jupyter's default name")
        if _COPY.search(stem):
            problems.append("marks the notebook as a copy")
        bad = sorted(set(_NON_PORTABLE.findall(stem)))
        if bad:
            shown = ", ".join("spaces" if char == " " else f"`{char}`" for char in bad[:5])
            problems.append(f"contains characters that are not portable ({shown})")
        if problems:
            yield Finding(
                f"the file name `{name}` " + " and ".join(problems) + ": rename the notebook after what it does, "
                "using only letters, digits, `.`, `_` and `-` (e.g. `churn-analysis.ipynb`), and keep versions in git"
            )


# --- DSQ208 definition-not-promoted ------------------------------------------------------------


class DefinitionNotPromoted(Rule):
    """A function or class defined in a notebook cell that is not exported.

    ## What it does
    Reports module-level functions and classes defined in code cells that are not exported for
    `dsq promote` (a cell is exported when it is tagged `export` or its first line is
    `# dsq: export`). Cells tagged `test` (they become pytest tests) and the parameters cell are
    not checked. Off by default: exploratory notebooks define small helpers everywhere; turn it
    on (`extend-select = ["DSQ208"]`) for notebooks whose reusable code must live in a module.

    ## Why is this bad?
    A function defined in a notebook cannot be imported by other notebooks or scripts, is not
    covered by tests or type checks, and gets copy-pasted into the next notebook that needs it.

    ## Example
    ```python
    def clean(df):
        return df.dropna(subset=["customer_id"])
    ```

    ## How to fix
    Tag the cell `export` (or start it with `# dsq: export`) and run `dsq promote`, which moves
    it into a module with tests:
    ```python
    # dsq: export
    def clean(df: pd.DataFrame) -> pd.DataFrame:
        return df.dropna(subset=["customer_id"])
    ```
    """

    code = "DSQ208"
    name = "definition-not-promoted"
    summary = "A function or class defined in a cell that is not exported for promotion."
    severity = Severity.INFO
    default_enabled = False

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report module-level definitions in cells that are not exported."""
        for code in model.code_cells:
            definitions = code.facts.definitions
            if not definitions:
                continue
            tags = code.cell.tags
            if "test" in tags or "parameters" in tags or is_exported(code.cell):
                continue
            bound = _bindings(code.facts)
            for definition in definitions:
                if definition.parent is not None or (definition.name, definition.line, definition.column) not in bound:
                    continue  # a method or a nested class: its enclosing class is reported
                yield Finding(
                    f"{definition.kind} `{definition.name}` is defined in a cell that is not exported: "
                    "tag the cell `export` (or start it with `# dsq: export`) and run `dsq promote` "
                    "to move it into a tested module",
                    code.index,
                    definition.line,
                    definition.column,
                )


# --- DSQ209 untyped-definition -----------------------------------------------------------------

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(body: list[ast.stmt], found: dict[tuple[int, int], _FunctionNode]) -> None:
    """Collect module-level functions and methods by position, walking statements only."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            found[statement.lineno, statement.col_offset + 1] = statement
        elif isinstance(statement, ast.ClassDef | ast.If | ast.For | ast.AsyncFor | ast.While | ast.With):
            _functions(statement.body, found)
            if isinstance(statement, ast.If | ast.For | ast.AsyncFor | ast.While):
                _functions(statement.orelse, found)
        elif isinstance(statement, ast.Try | ast.TryStar):
            for block in (statement.body, statement.orelse, statement.finalbody):
                _functions(block, found)
            for handler in statement.handlers:
                _functions(handler.body, found)


def _missing_annotations(node: _FunctionNode, *, is_method: bool) -> list[str]:
    """What lacks a type hint, as mypy --strict sees it (``self``/``cls`` and ``__init__ -> None`` exempt)."""
    arguments = node.args
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if is_method and params and params[0].arg in {"self", "cls"}:
        params = params[1:]
    named = [(param.arg, param) for param in params]
    named += [(prefix + arg.arg, arg) for prefix, arg in (("*", arguments.vararg), ("**", arguments.kwarg)) if arg]
    missing = [f"`{name}`" for name, arg in named if arg.annotation is None]
    # mypy infers ``-> None`` for an ``__init__`` with at least one annotated parameter.
    init_implied = is_method and node.name == "__init__" and len(missing) < len(named)
    if node.returns is None and not init_implied:
        missing.append("the return type")
    return missing


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class UntypedDefinition(Rule):
    """A function in exported code without complete type hints.

    ## What it does
    Reports functions and methods whose parameters or return type lack annotations, in cells that
    are exported for `dsq promote` (tagged `export` or starting with `# dsq: export`). `self` and
    `cls` need no annotation, nor does the return of an `__init__` with an annotated parameter
    (mypy's rules); lambdas and functions nested in functions are not checked. Set
    `type-hints-in-all-cells = true` to check every cell of every notebook.

    ## Why is this bad?
    Exported cells become a module that `dsq promote` type-checks with `mypy --strict`; an
    untyped function fails that check, and its callers get no help from the type checker.
    Exploratory cells are not checked by default: hints there cost more than they return.

    ## Example
    ```python
    # dsq: export
    def monthly_totals(df, column="amount"):
        return df.groupby("month")[column].sum()
    ```

    ## How to fix
    Annotate every parameter and the return type:
    ```python
    # dsq: export
    def monthly_totals(df: pd.DataFrame, column: str = "amount") -> pd.Series:
        return df.groupby("month")[column].sum()
    ```
    """

    code = "DSQ209"
    name = "untyped-definition"
    summary = "A function without complete type hints in an exported cell."
    severity = Severity.WARNING
    options: ClassVar[dict[str, Any]] = {"type-hints-in-all-cells": False}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report untyped functions and methods in exported cells (or everywhere, if configured)."""
        everywhere = bool(_option(self, context, "type-hints-in-all-cells"))
        for code in model.code_cells:
            untyped = [d for d in code.facts.definitions if d.kind == "function" and not d.fully_typed]
            if not untyped or code.parsed.tree is None or not (everywhere or is_exported(code.cell)):
                continue
            nodes: dict[tuple[int, int], _FunctionNode] = {}
            _functions(code.parsed.tree.body, nodes)
            for definition in untyped:
                node = nodes.get((definition.line, definition.column))
                if node is None:
                    continue
                missing = _missing_annotations(node, is_method=definition.parent is not None)
                if not missing:
                    continue
                qualified = f"{definition.parent}.{definition.name}" if definition.parent else definition.name
                yield Finding(
                    f"`{qualified}` lacks type hints for {_join(missing)}: annotate them so the promoted "
                    "module passes `mypy --strict`",
                    code.index,
                    definition.line,
                    definition.column,
                )


# --- DSQ210 invalid-syntax ---------------------------------------------------------------------

# Python's own messages for Python 2 syntax.
_PY2_MESSAGES = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "multiple exception types must be parenthesized",
    "leading zeros in decimal integer literals",
)
# Python 2 statements on the offending line: ``print x``, ``print >>f``, ``exec "…"``,
# ``raise E, "msg"``, ``except E, e:``, backquotes, ``<>``, ``ur"…"``, ``10L``.
_PY2_LINE = lazy_regex(
    r"^\s*(?:print(?:\s+[\w'\"]|\s*>>)|exec\s+['\"]|raise\s+[\w.]+\s*,|except\s+[\w.]+\s*,\s*\w+\s*:)"
    r"|`[^`\n]+`|\s<>\s|\bur['\"]|\b\d+L\b"
)
# IPython's automagic: a line magic called without ``%`` (``pip install x``, ``cd data``).
_AUTOMAGIC = lazy_regex(
    r"^\s*(?:pip|conda|mamba|cd|ls|ll|pwd|cat|cp|mv|rm|rmdir|mkdir|less|more|man|clear|env|load_ext|reload_ext|"
    r"matplotlib|pylab|run|who|whos|who_ls|reset|history|time|timeit|prun|debug|alias|bookmark|dhist|store|"
    r"autoreload|aimport|config|precision|xdel|sx|sc|system|edit|load|pdb|pinfo|psearch|lsmagic|magic|"
    r"quickref|rehashx|notebook|tensorflow_version)(?:[ \t]+(?![=(\[,:;]|[-+*/%&|^<>]=)\S|[ \t]*$)"
)


def _is_python2_kernel(model: NotebookModel) -> bool:
    kernelspec = model.notebook.metadata.get("kernelspec")
    info = model.notebook.metadata.get("language_info")
    name = kernelspec.get("name") if isinstance(kernelspec, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    return name == "python2" or (isinstance(version, str) and version.startswith("2."))


class InvalidSyntax(Rule):
    """A code cell that is not valid Python.

    ## What it does
    Reports a code cell that Python cannot parse, at the line and column of the error, with
    Python's message. IPython syntax is valid here: line and cell magics (`%time`, `%%capture`),
    shell commands (`!ls`, `files = !ls`), help (`obj?`) and automagic commands (`pip install x`)
    are understood, and cells under a non-Python cell magic (`%%bash`, `%%sql`) are not parsed.
    Python 2 code, the most common cause in old notebooks, is recognised and said so.

    ## Why is this bad?
    The notebook stops at this cell on Restart & Run All, and every static check (ours, ruff's,
    mypy's) is blind to the cell's contents.

    ## Example
    ```python
    print "accuracy:", accuracy
    ```

    ## How to fix
    Fix the syntax; for Python 2 code, port the notebook to Python 3 (e.g. with `2to3`):
    ```python
    print("accuracy:", accuracy)
    ```
    """

    code = "DSQ210"
    name = "invalid-syntax"
    summary = "A code cell that does not parse as Python (IPython syntax included)."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report the syntax error of every code cell that does not parse."""
        python2_kernel: bool | None = None
        for code in model.code_cells:
            problem = code.problem
            if problem is None:
                continue
            lines = code.cell.lines or [""]
            line = min(max(problem.line, 1), len(lines))
            text = lines[line - 1]
            if _AUTOMAGIC().match(text):
                continue  # IPython runs it as a magic: not an error (the parser layer does not know automagic)
            column = min(max(problem.column, 1), len(text) + 1)
            message = problem.message
            if any(message.startswith(known) for known in _PY2_MESSAGES) or _PY2_LINE().search(text):
                if python2_kernel is None:
                    python2_kernel = _is_python2_kernel(model)
                origin = "the notebook's kernel is Python 2" if python2_kernel else "this looks like Python 2 code"
                hint = f"{origin}: port it to Python 3 (e.g. with `2to3`)"
            else:
                hint = "fix it: the notebook stops here on Restart & Run All"
            yield Finding(f"the cell is not valid Python ({message}); {hint}", code.index, line, column)


RULES: tuple[type[Rule], ...] = (
    ImportsNotFirst,
    MissingTitle,
    TooLittleMarkdown,
    NotebookTooLong,
    CellTooLong,
    EmptyCell,
    BadNotebookName,
    DefinitionNotPromoted,
    UntypedDefinition,
    InvalidSyntax,
)
