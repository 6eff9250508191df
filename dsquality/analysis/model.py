"""A notebook's code model: each code cell parsed once, with its facts."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import cached_property

from dsquality.analysis.facts import CellFacts, collect
from dsquality.analysis.ipython import (
    Magic,
    ParsedCell,
    PythonSource,
    SyntaxProblem,
    parse_cell_quietly,
    quiet_parsing,
)
from dsquality.fastnew import maker
from dsquality.notebook import Cell, Notebook

__all__ = ["BUILTIN_NAMES", "CodeCell", "NotebookModel", "build_model"]

# Names that exist in every IPython kernel without an import.
BUILTIN_NAMES = frozenset(dir(builtins)) | {
    "get_ipython",
    "display",
    "exit",
    "quit",
    "In",
    "Out",
    "_",
    "__",
    "___",
    "_i",
    "_ii",
    "_iii",
    "_ih",
    "_oh",
    "_dh",
    "__file__",
    "__name__",
    "__builtins__",
}


@dataclass(frozen=True, slots=True)
class CodeCell:
    """One code cell: the notebook cell, its parse, and its facts (empty when it does not parse)."""

    cell: Cell
    parsed: ParsedCell
    facts: CellFacts

    @property
    def index(self) -> int:
        """1-based index among all cells."""
        return self.cell.index

    @property
    def magics(self) -> tuple[Magic, ...]:
        """IPython magics, shell lines and help lines found in the cell."""
        return self.parsed.python.magics

    @property
    def problem(self) -> SyntaxProblem | None:
        """Why the cell is not valid Python, if it is not."""
        return self.parsed.problem

    @property
    def is_python(self) -> bool:
        """False for cells under a non-Python cell magic (``%%bash``, ``%%sql``…)."""
        return self.parsed.python.code is not None


@dataclass(frozen=True, eq=False)
class NotebookModel:
    """The code model rules work on: the notebook and its code cells, in order."""

    notebook: Notebook
    code_cells: tuple[CodeCell, ...]

    @cached_property
    def by_index(self) -> dict[int, CodeCell]:
        """Code cells by their 1-based index among all cells."""
        return {code.index: code for code in self.code_cells}

    @cached_property
    def parameters_cells(self) -> tuple[CodeCell, ...]:
        """Code cells tagged ``parameters`` (papermill's convention)."""
        return tuple(code for code in self.code_cells if "parameters" in code.cell.tags)


def build_model(notebook: Notebook) -> NotebookModel:
    """Parse every code cell of ``notebook`` and collect its facts.

    Cells of a non-Python notebook (an R or Julia kernel) are not parsed.
    """
    is_python = notebook.language in {"python", "python2", "python3", "ipython", "ipython3"}
    cells = []
    with quiet_parsing():
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            parsed = parse_cell_quietly(cell.source) if is_python else ParsedCell(PythonSource(None), None)
            if parsed.tree is None:
                facts = CellFacts()
            else:
                try:
                    facts = collect(parsed.tree)
                except RecursionError:  # nesting the parser accepted but a tree walk cannot follow
                    problem = SyntaxProblem("code nested too deeply to analyse", 1, 1)
                    parsed = ParsedCell(parsed.python, None, problem)
                    facts = CellFacts()
            cells.append(_new_code_cell(cell, parsed, facts))
    return NotebookModel(notebook, tuple(cells))


_new_code_cell = maker(CodeCell)  # CodeCell(...) for every code cell, at half the cost
