"""Removing executed state from notebooks: outputs, execution counts and volatile metadata.

``dsq clean`` and the fixes of DSQ401 (``outputs-saved``) and DSQ403 (``volatile-metadata``) share
this module, so "clean" means the same thing everywhere: a notebook passes ``dsq clean --check``
exactly when cleaning would change nothing.

What cleaning removes:

- the outputs and the execution count of every code cell. A cell tagged ``keep-output`` (the tag
  is configurable: ``[tool.dsquality.clean] keep-output-tag``) keeps its outputs, but its
  execution counts (the cell's and those inside its ``execute_result`` outputs) are still
  cleared, because they change on every run even when the output does not;
- the volatile metadata listed in :data:`VOLATILE_CELL_METADATA` and
  :data:`VOLATILE_NOTEBOOK_METADATA`: execution timings, UI state and widget state, which change
  whenever the notebook is run or clicked. ``[tool.dsquality.clean] keep-metadata`` names entries
  of these lists to keep, either bare (``"ExecuteTime"``: at every level) or qualified as in the
  lists (``"cell.metadata.ExecuteTime"``, ``"metadata.widgets"``).

What it keeps: cell ids, tags and every other metadata key, and the file's own formatting
(indentation, key order, ASCII escaping, final newline: see :func:`dsquality.notebook.dump_notebook`).
A notebook that is already clean is not written at all, so it stays byte-identical with its mtime;
a changed one is written atomically (temp file, fsync, rename), so an interrupted write never
leaves a truncated notebook.

nbformat 3 notebooks are read through an in-memory upgrade to nbformat 4. Writing that upgrade
back would silently convert the file, so cleaning refuses to write them (with a message naming
the upgrade command); ``--check`` still reports what would change, and a v3 notebook that is
already clean passes.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

from dsquality.config import Config
from dsquality.errors import DSQualityError, FileWriteError, NotebookFormatError, NotebookVersionError
from dsquality.notebook import read_notebook, write_notebook

__all__ = [
    "DEFAULT_OPTIONS",
    "VOLATILE_CELL_METADATA",
    "VOLATILE_NOTEBOOK_METADATA",
    "CleanOptions",
    "CleanResult",
    "ExecutedCell",
    "VolatileKeys",
    "clean_data",
    "clean_notebook",
    "clean_notebooks",
    "find_executed_cells",
    "find_volatile_metadata",
    "strip_outputs",
    "strip_volatile_metadata",
]

# Cell metadata that records a run or a click, never the notebook's content. Each entry is a
# path into ``cell["metadata"]``; its qualified name is ``cell.metadata.`` + the dotted path.
VOLATILE_CELL_METADATA: tuple[tuple[str, ...], ...] = (
    ("execution",),  # JupyterLab "record timing": iopub/shell timestamps
    ("ExecuteTime",),  # the ExecuteTime nbextension: start and end timestamps
    ("collapsed",),  # classic Notebook: output collapsed
    ("scrolled",),  # classic Notebook: output scrolled
    ("jupyter", "outputs_hidden"),  # JupyterLab: output collapsed (kept in sync with "collapsed")
    ("heading_collapsed",),  # collapsible_headings nbextension: section folded
    ("hidden",),  # collapsible_headings nbextension: cell inside a folded section
    ("executionInfo",),  # Google Colab: run time, status and the user who ran the cell
    ("outputId",),  # Google Colab: id of the last output
    ("papermill",),  # papermill: start/end time, duration, status of the cell's run
)
# Notebook metadata of the same kind; qualified names are ``metadata.`` + the dotted path.
VOLATILE_NOTEBOOK_METADATA: tuple[tuple[str, ...], ...] = (
    ("widgets",),  # ipywidgets state saved with the outputs (often very large)
    ("signature",),  # the pre-nbformat-4 trust signature, a hash of the outputs
    ("papermill",),  # papermill: parameters, timings, input/output paths of the run
)

_CELL_PREFIX = "cell.metadata."
_NOTEBOOK_PREFIX = "metadata."
# (path, qualified name) of each entry, and the first keys of the paths: a fast test for a cell.
_CELL_ENTRIES = tuple((path, _CELL_PREFIX + ".".join(path)) for path in VOLATILE_CELL_METADATA)
_NOTEBOOK_ENTRIES = tuple((path, _NOTEBOOK_PREFIX + ".".join(path)) for path in VOLATILE_NOTEBOOK_METADATA)
_CELL_FIRST_KEYS = frozenset(path[0] for path in VOLATILE_CELL_METADATA)

# The records of this module are named tuples, but for the options (which callers ``replace``):
# every `dsq lint` imports it (for DSQ401 and DSQ403), and a frozen dataclass costs about 0.3 ms to
# create at import, a named tuple about 0.05 ms.


@dataclass(frozen=True, slots=True)
class CleanOptions:
    """What cleaning keeps.

    Attributes:
        keep_output_tag: Cells with this tag keep their outputs (not their execution counts).
        keep_metadata: Volatile metadata to keep: bare keys (``"ExecuteTime"``) or qualified names
            (``"cell.metadata.ExecuteTime"``, ``"metadata.widgets"``, ``"cell.metadata.jupyter.outputs_hidden"``).
        strip_outputs: Remove outputs and execution counts (False: leave them all).
        strip_metadata: Remove volatile metadata (False: leave it all).
    """

    keep_output_tag: str = "keep-output"
    keep_metadata: frozenset[str] = field(default_factory=frozenset)
    strip_outputs: bool = True
    strip_metadata: bool = True

    @classmethod
    def from_config(cls, config: Config) -> CleanOptions:
        """The options set in ``[tool.dsquality.clean]``."""
        return cls(keep_output_tag=config.keep_output_tag, keep_metadata=frozenset(config.keep_metadata))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CleanOptions:
        """Options from kebab-case settings (``keep-output-tag``, ``keep-metadata``), defaults for the rest."""
        tag = settings.get("keep-output-tag")
        keep = settings.get("keep-metadata")
        return cls(
            keep_output_tag=tag if isinstance(tag, str) and tag else "keep-output",
            keep_metadata=frozenset(item for item in keep if isinstance(item, str))
            if isinstance(keep, list | tuple | set | frozenset)
            else frozenset(),
        )

    def keeps(self, qualified: str) -> bool:
        """Whether the volatile metadata entry ``qualified`` is to be kept."""
        if qualified in self.keep_metadata:
            return True
        prefix = _CELL_PREFIX if qualified.startswith(_CELL_PREFIX) else _NOTEBOOK_PREFIX
        return qualified.removeprefix(prefix) in self.keep_metadata


DEFAULT_OPTIONS = CleanOptions()


# --- what is there to clean -------------------------------------------------------------------


class ExecutedCell(NamedTuple):
    """A code cell that holds executed state cleaning would remove.

    Attributes:
        cell: 1-based index among all cells.
        outputs: How many outputs cleaning removes (0 when the cell keeps its outputs).
        execution_count: Whether cleaning clears an execution count (the cell's, or one inside a
            kept ``execute_result``).
        kept: The cell is tagged to keep its outputs.
    """

    cell: int
    outputs: int
    execution_count: bool
    kept: bool = False


class VolatileKeys(NamedTuple):
    """Volatile metadata keys present in one cell (``cell`` 1-based) or the notebook (``cell=None``).

    ``keys`` are qualified names, as in :data:`VOLATILE_CELL_METADATA` (``cell.metadata.…``) and
    :data:`VOLATILE_NOTEBOOK_METADATA` (``metadata.…``).
    """

    cell: int | None
    keys: tuple[str, ...]


def _cells(data: Mapping[str, Any]) -> list[Any]:
    cells = data.get("cells")
    return cells if isinstance(cells, list) else []


def _has_tag(cell: Mapping[str, Any], tag: str) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and tag in tags


def find_executed_cells(data: Mapping[str, Any], options: CleanOptions = DEFAULT_OPTIONS) -> list[ExecutedCell]:
    """Code cells of the notebook JSON ``data`` with outputs or execution counts to remove."""
    if not options.strip_outputs:
        return []
    found: list[ExecutedCell] = []
    for index, cell in enumerate(_cells(data), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs")
        count = cell.get("execution_count") is not None
        if not outputs and not count:  # the common case of a clean cell, decided fast
            continue
        outputs = outputs if isinstance(outputs, list) else []
        if _has_tag(cell, options.keep_output_tag):
            count = count or any(isinstance(o, dict) and o.get("execution_count") is not None for o in outputs)
            if count:
                found.append(ExecutedCell(index, 0, execution_count=True, kept=True))
        elif outputs or count:
            found.append(ExecutedCell(index, len(outputs), execution_count=count))
    return found


def _lookup(metadata: object, path: tuple[str, ...]) -> bool:
    for key in path[:-1]:
        if not isinstance(metadata, dict):
            return False
        metadata = metadata.get(key)
    return isinstance(metadata, dict) and path[-1] in metadata


def _present(
    metadata: dict[str, Any], entries: tuple[tuple[tuple[str, ...], str], ...], options: CleanOptions
) -> tuple[str, ...]:
    keep = options.keep_metadata
    return tuple(
        name
        for path, name in entries
        if path[0] in metadata and (len(path) == 1 or _lookup(metadata, path)) and not (keep and options.keeps(name))
    )


def find_volatile_metadata(data: Mapping[str, Any], options: CleanOptions = DEFAULT_OPTIONS) -> list[VolatileKeys]:
    """Volatile metadata in ``data``: the notebook's first (``cell=None``), then cell by cell."""
    if not options.strip_metadata:
        return []
    found: list[VolatileKeys] = []
    metadata = data.get("metadata")
    keys = _present(metadata, _NOTEBOOK_ENTRIES, options) if isinstance(metadata, dict) else ()
    if keys:
        found.append(VolatileKeys(None, keys))
    for index, cell in enumerate(_cells(data), start=1):
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        if not metadata or not isinstance(metadata, dict) or metadata.keys().isdisjoint(_CELL_FIRST_KEYS):
            continue  # most cells: decided without a call
        keys = _present(metadata, _CELL_ENTRIES, options)
        if keys:
            found.append(VolatileKeys(index, keys))
    return found


# --- removing it ---------------------------------------------------------------------------------

_Changes: TypeAlias = dict[int | None, list[str]]  # cell (None: the notebook) -> what was removed there


def _strip_outputs(data: dict[str, Any], options: CleanOptions, changes: _Changes) -> None:
    cells = _cells(data)
    for executed in find_executed_cells(data, options):
        cell = cells[executed.cell - 1]
        done = changes.setdefault(executed.cell, [])
        if executed.outputs:
            cell["outputs"] = []
            done.append(f"removed {executed.outputs} output{'s' if executed.outputs != 1 else ''}")
        if executed.execution_count:
            if cell.get("execution_count") is not None:
                cell["execution_count"] = None
            outputs = cell.get("outputs")
            for output in outputs if isinstance(outputs, list) else ():
                if isinstance(output, dict) and output.get("execution_count") is not None:
                    output["execution_count"] = None
            kept = f" (outputs kept: tagged `{options.keep_output_tag}`)" if executed.kept else ""
            done.append(f"cleared the execution count{kept}")


def _remove(metadata: dict[str, Any], path: tuple[str, ...]) -> None:
    if len(path) == 1:
        metadata.pop(path[0], None)
        return
    inner = metadata.get(path[0])
    if isinstance(inner, dict):
        _remove(inner, path[1:])
        if not inner:  # e.g. "jupyter": {} once outputs_hidden is gone
            del metadata[path[0]]


def _strip_metadata(
    data: dict[str, Any], options: CleanOptions, only: Collection[str] | None, changes: _Changes
) -> None:
    cells = _cells(data)
    for found in find_volatile_metadata(data, options):
        keys = [key for key in found.keys if only is None or key in only]
        if not keys:
            continue
        target = data if found.cell is None else cells[found.cell - 1]
        metadata = target["metadata"]
        prefix = _NOTEBOOK_PREFIX if found.cell is None else _CELL_PREFIX
        for key in keys:
            _remove(metadata, tuple(key.removeprefix(prefix).split(".")))
        bare = ", ".join(f"`{key.removeprefix(prefix)}`" for key in keys)
        changes.setdefault(found.cell, []).append(f"removed metadata {bare}")


def _describe(changes: _Changes) -> list[str]:
    described = []
    for cell in sorted(changes, key=lambda cell: -1 if cell is None else cell):
        if changes[cell]:
            where = "notebook" if cell is None else f"cell {cell}"
            described.append(f"{where}: {', '.join(changes[cell])}")
    return described


def strip_outputs(data: dict[str, Any], options: CleanOptions = DEFAULT_OPTIONS) -> list[str]:
    """Remove outputs and execution counts from the notebook JSON ``data``, in place.

    Returns what was removed, one line per cell (``"cell 3: removed 2 outputs, cleared the
    execution count"``); an empty list when there was nothing to remove.
    """
    changes: _Changes = {}
    _strip_outputs(data, options, changes)
    return _describe(changes)


def strip_volatile_metadata(
    data: dict[str, Any], options: CleanOptions = DEFAULT_OPTIONS, *, only: Collection[str] | None = None
) -> list[str]:
    """Remove volatile metadata from the notebook JSON ``data``, in place.

    ``only`` restricts the removal to these qualified names. Returns what was removed, one line
    per cell (``"notebook: …"`` first for notebook metadata).
    """
    changes: _Changes = {}
    _strip_metadata(data, options, only, changes)
    return _describe(changes)


def clean_data(data: dict[str, Any], options: CleanOptions = DEFAULT_OPTIONS) -> list[str]:
    """Clean the notebook JSON ``data`` in place; return what changed, one line per cell.

    Deep-copy ``data`` first to keep the original (as :func:`clean_notebook` does).
    """
    changes: _Changes = {}
    _strip_outputs(data, options, changes)
    _strip_metadata(data, options, None, changes)
    return _describe(changes)


# --- files ---------------------------------------------------------------------------------------


class CleanResult(NamedTuple):
    """The outcome of cleaning (or checking) one notebook.

    Attributes:
        path: The notebook.
        changes: What cleaning removes (or removed), one line per cell; empty when it is clean.
        written: The file was rewritten.
        error: Why the notebook could not be read or written (then ``written`` is False).
    """

    path: Path
    changes: tuple[str, ...] = ()
    written: bool = False
    error: DSQualityError | None = None

    @property
    def changed(self) -> bool:
        """Cleaning changes (or changed) the notebook."""
        return bool(self.changes)

    @property
    def ok(self) -> bool:
        """Clean already (or cleaned), with no error: what ``dsq clean --check`` passes."""
        return not self.changes and self.error is None


def clean_notebook(path: Path, options: CleanOptions = DEFAULT_OPTIONS, *, check: bool = False) -> CleanResult:
    """Clean the notebook at ``path`` (``check=True``: only say what would change).

    Never raises for a bad notebook or a failed write: the result carries the error, so a caller
    cleaning many notebooks goes on with the others.
    """
    try:
        notebook = read_notebook(path)
    except NotebookFormatError as exc:
        return CleanResult(path, error=exc)
    data = copy.deepcopy(notebook.data)
    changes = tuple(clean_data(data, options))
    if check or not changes:
        return CleanResult(path, changes)
    if notebook.original_nbformat != 4:  # noqa: PLR2004 - data is the in-memory v4 upgrade
        return CleanResult(path, changes, error=NotebookVersionError(path, notebook.original_nbformat))
    try:
        written = write_notebook(notebook, data)
    except FileWriteError as exc:
        return CleanResult(path, changes, error=exc)
    return CleanResult(path, changes, written=written)


def clean_notebooks(
    paths: Iterable[Path], options: CleanOptions = DEFAULT_OPTIONS, *, check: bool = False
) -> list[CleanResult]:
    """:func:`clean_notebook` for each of ``paths``, in order; one bad file does not stop the others."""
    return [clean_notebook(path, options, check=check) for path in paths]
