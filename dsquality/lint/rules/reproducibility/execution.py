"""Reproducibility rules on how the notebook was run: DSQ101, DSQ102 and DSQ104."""

from __future__ import annotations

from collections.abc import Iterator

from dsquality.analysis.model import CodeCell, NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules.reproducibility._common import _quote

# --- DSQ101 -----------------------------------------------------------------------------------


class NonLinearExecution(Rule):
    """Execution counts of the code cells do not increase from top to bottom.

    ## What it does
    Compares the saved execution counts (the `[n]` beside each code cell) of the executed code
    cells in document order and reports the first cell whose count is not larger than the count
    of the executed cell above it. Cells that were never run are ignored.

    ## Why is this bad?
    The saved outputs were produced by running cells in some other order, so they may depend on
    state that running the notebook from the top does not recreate. Pimentel et al. found that
    36% of notebooks on GitHub had been executed out of order.

    ## Example
    ```python
    # [2]
    df = load()
    # [1]
    import pandas as pd
    ```

    ## How to fix
    Put the cells in the order they need to run, then restart the kernel and run all cells
    before saving:
    ```python
    # [1]
    import pandas as pd
    # [2]
    df = load()
    ```
    """

    code = "DSQ101"
    name = "non-linear-execution"
    summary = "Execution counts of code cells do not increase top to bottom"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report the first executed cell whose count is not above the previous one."""
        previous: tuple[int, int] | None = None
        for code in model.code_cells:
            count = code.cell.execution_count
            if count is None:
                continue
            if previous is not None and count <= previous[0]:
                yield Finding(
                    f"execution count {count} follows count {previous[0]} of cell {previous[1]}: the cells were run "
                    "out of order, so the saved results may not follow from the code above them; restart the "
                    "kernel and run all cells before saving",
                    cell=code.index,
                )
                return
            previous = (count, code.index)


# --- DSQ102 -----------------------------------------------------------------------------------


def _has_effect(code: CodeCell) -> bool:
    """False for cells that do nothing when run: blank, or only comments."""
    if not code.cell.source.strip():
        return False
    tree = code.parsed.tree
    return not (tree is not None and not tree.body and not code.magics)


class SkippedCell(Rule):
    """A code cell was never run, while cells above and below it were.

    ## What it does
    Reports code cells without an execution count and without outputs that lie between
    executed code cells. Blank cells and cells holding only comments are not reported.

    ## Why is this bad?
    The saved results below the cell were computed without it. Running the notebook from the
    top runs it, and may give different results or fail.

    ## Example
    ```python
    # [1]
    df = load()
    # [ ] never run
    df = df.dropna()
    # [2]
    df.describe()
    ```

    ## How to fix
    Run the notebook from the top (Restart & Run All) and save it, or delete the cell if it is
    not needed:
    ```python
    # [1]
    df = load()
    # [2]
    df = df.dropna()
    # [3]
    df.describe()
    ```
    """

    code = "DSQ102"
    name = "skipped-cell"
    summary = "A code cell was never executed while cells around it were"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report unexecuted code cells between executed ones."""
        cells = model.code_cells
        executed = [index for index, code in enumerate(cells) if code.cell.execution_count is not None]
        if len(executed) < 2:  # noqa: PLR2004 - one before and one after
            return
        previous = executed[0]
        for position in range(executed[0] + 1, executed[-1]):
            code = cells[position]
            if code.cell.execution_count is not None:
                previous = position
                continue
            if code.cell.outputs or not _has_effect(code):
                continue
            following = next(i for i in executed if i > position)
            yield Finding(
                f"this cell was never run, but cell {cells[previous].index} above and cell "
                f"{cells[following].index} below it were: the saved results were computed without it; "
                "run all cells from the top, or delete the cell",
                cell=code.index,
            )


# --- DSQ104 -----------------------------------------------------------------------------------


class ErrorOutput(Rule):
    """A saved output is an error.

    ## What it does
    Reports code cells whose saved outputs include an error (an exception raised when the cell
    last ran), quoting the exception.

    ## Why is this bad?
    The notebook failed when it was last run: the results below the error were computed from a
    kernel state the notebook does not produce, or not at all. A reader cannot tell whether the
    error is expected.

    ## Example
    ```python
    df["price"].mean()
    # KeyError: 'price'
    ```

    ## How to fix
    Fix the cause, then restart the kernel and run all cells before saving. If the error is the
    point (a teaching notebook), catch it and print it instead:
    ```python
    try:
        df["price"].mean()
    except KeyError as error:
        print("no price column:", error)
    ```
    """

    code = "DSQ104"
    name = "error-output"
    summary = "A saved output is an error"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report every saved error output."""
        for code in model.code_cells:
            for output in code.cell.outputs:
                if output.get("output_type") != "error":
                    continue
                ename, evalue = output.get("ename"), output.get("evalue")
                error = _quote(str(ename or "error") + (f": {evalue}" if evalue else ""))
                yield Finding(
                    f"the saved output is an error ({error}): the notebook failed when it was last run; fix the "
                    "cause and run all cells again before saving",
                    cell=code.index,
                )
