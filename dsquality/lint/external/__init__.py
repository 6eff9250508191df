"""ruff and mypy over notebooks, with every finding in dsquality's numbering.

Both run once for all notebooks and return :class:`~dsquality.lint.diagnostic.Diagnostic`
objects whose ``cell`` is 1-based among **all** cells, ``line``/``column`` 1-based within the
cell (``end_column`` exclusive), with the cell id and the line of the ``.ipynb`` file:

- :func:`run_ruff` (:mod:`.ruff`): ruff reads notebooks natively; notebook-tuned defaults.
- :func:`run_mypy` (:mod:`.mypy`): one generated Python file per notebook, mapped back.

Both skip notebooks that cannot be read (the engine reports them as DSQ405) and raise
:class:`~dsquality.errors.ToolError` when the tool is missing or fails.
"""

from __future__ import annotations

from dsquality.lint.external.mypy import NOTEBOOK_DEFAULT_ARGS, run_mypy
from dsquality.lint.external.ruff import NOTEBOOK_DEFAULT_IGNORE, SYNTAX_ERROR_CODES, run_ruff

__all__ = ["NOTEBOOK_DEFAULT_ARGS", "NOTEBOOK_DEFAULT_IGNORE", "SYNTAX_ERROR_CODES", "run_mypy", "run_ruff"]
