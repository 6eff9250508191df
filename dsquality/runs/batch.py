"""Batches: one notebook over a grid of parameters, with a results table, resumable.

:func:`run_batch` validates every run of a :class:`~dsquality.runs.grid.Grid` against the
notebook's parameters (one :class:`~dsquality.errors.ParameterError` for every problem, before
any kernel starts), then hands the runs to an :mod:`executor <dsquality.runs.executors>`. Each run
writes ``OUT/runs/<run-id>.ipynb``. As each run finishes, ``OUT/results.jsonl`` and
``OUT/results.csv`` are rewritten atomically, so a killed batch keeps every finished result.

Run ids are a readable slug of the values plus a short hash of their canonical JSON
(``seed-1_alpha-0.5-3f9a1c2b``): the same values give the same id in every batch.

Statuses: ``ok``; ``failed`` (a cell raised, the kernel died, the worker was lost, or Ctrl-C
stopped the batch while it ran); ``timeout`` (a cell ran longer than ``timeout``). A failed or
timed-out run does not stop the others; its error names the cell, and its notebook shows the error.

Ctrl-C (SIGINT to the batch's process group, as a terminal sends it): the runs in progress stop,
save their notebooks with a ``KeyboardInterrupt`` in the running cell and get a ``failed`` row; runs
not started get no row; then :func:`run_batch` raises ``KeyboardInterrupt``. A batch killed outright
(SIGKILL) keeps every row written so far; its workers, fork server and kernels exit on their own.

Resume: a run is skipped when ``results.jsonl`` has it as ``ok`` with the same notebook content
hash (the kernel and the cells' types and sources: outputs and metadata do not count) and the same
values, and its executed notebook still exists. Everything else runs again (``rerun_all`` forces
every run). Rows of runs that are no longer in the grid are dropped from the table; their
notebooks stay in ``OUT/runs``.

``results.jsonl``, one JSON object per line, in grid order (format version 1)::

    {"run_id": str, "status": "ok" | "failed" | "timeout", "duration": float (s), "error": str | null,
     "cell": int | null, "parameters": {name: value}, "records": {name: value},
     "notebook": "runs/<run-id>.ipynb", "notebook_hash": str, "version": 1}

``results.csv`` has the columns ``run_id, status, duration, error``, then one per parameter
given in the grid, then one per recorded value (named ``recorded.NAME`` if the name is taken).
Scalars are written as they are, other values (lists, dicts) as JSON text; a missing value is empty.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import multiprocessing
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Any

from dsquality.atomic import atomic_write_text
from dsquality.errors import DSQualityError, GridError, NotebookExecutionError, NotebookFormatError
from dsquality.runs.execute import RunOptions
from dsquality.runs.executors import Executor
from dsquality.runs.grid import Grid
from dsquality.runs.params import ParameterSchema, json_value
from dsquality.runs.validate import validate_grid

__all__ = [
    "RESULTS_CSV",
    "RESULTS_JSONL",
    "RUNS_DIR",
    "BatchPlan",
    "BatchProgress",
    "BatchResult",
    "PlannedRun",
    "RunRow",
    "RunStatus",
    "execute_run",
    "notebook_hash",
    "plan_batch",
    "read_rows",
    "run_batch",
    "run_id",
    "write_results",
]

log = logging.getLogger(__name__)

RUNS_DIR = "runs"
RESULTS_JSONL = "results.jsonl"
RESULTS_CSV = "results.csv"
FORMAT_VERSION = 1
_FIXED_COLUMNS = ("run_id", "status", "duration", "error")
_SLUG_LENGTH = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9.+=-]+")


class RunStatus(StrEnum):
    """How a run ended."""

    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"


# --- run ids and notebook hashes -----------------------------------------------------------------


def canonical_json(values: Mapping[str, object]) -> str:
    """The values as compact JSON with sorted keys: equal values give equal text."""
    return json.dumps(json_value(dict(values)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_id(values: Mapping[str, object]) -> str:
    """``seed-1_alpha-0.5-3f9a1c2b``: a readable slug of ``values`` and 8 hex digits of their hash.

    The hash is of :func:`canonical_json`, so it does not depend on the order of the values; the
    slug keeps the given order and is cut to 60 characters. Without values: ``defaults-<hash>``.
    """
    digest = hashlib.sha256(canonical_json(values).encode()).hexdigest()[:8]
    parts = []
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(json_value(value), separators=(",", ":"))
        parts.append(f"{name}-{shown}")
    slug = _UNSAFE.sub("_", "_".join(parts)).strip("_.")[:_SLUG_LENGTH].rstrip("_.") or "defaults"
    return f"{slug}-{digest}"


def notebook_hash(path: Path) -> str:
    """A hash of what a run depends on in the notebook: kernel name and the cells' types and sources.

    Raises:
        NotebookFormatError: the file is not a readable notebook.
    """
    try:
        document = json.loads(path.read_bytes())
        cells = [(cell.get("cell_type"), _source(cell.get("source", ""))) for cell in document.get("cells", [])]
        kernel = (document.get("metadata") or {}).get("kernelspec", {}).get("name")
    except (OSError, ValueError, AttributeError) as exc:
        raise NotebookFormatError(path, str(exc)) from None
    return hashlib.sha256(json.dumps([kernel, cells]).encode()).hexdigest()[:16]


def _source(source: object) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


# --- plan ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One run of a batch: its id, its converted values, where its executed notebook goes."""

    run_id: str
    parameters: Mapping[str, object]
    output: Path


@dataclass(frozen=True, slots=True)
class RunRow:
    """One row of the results table (see the module docstring for the JSON form)."""

    run_id: str
    status: RunStatus
    duration: float
    parameters: Mapping[str, Any]
    records: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    cell: int | None = None
    notebook: str = ""
    notebook_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        """The row as a line of ``results.jsonl``."""
        data = asdict(self)
        data["status"] = str(self.status)
        data["parameters"] = json_value(dict(self.parameters))
        data["records"] = dict(self.records)
        data["version"] = FORMAT_VERSION
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRow:
        """A row read back from ``results.jsonl``.

        Raises:
            ValueError: not a row of this format.
        """
        try:
            return cls(
                run_id=str(data["run_id"]),
                status=RunStatus(data["status"]),
                duration=float(data["duration"]),
                parameters=dict(data["parameters"]),
                records=dict(data.get("records") or {}),
                error=data.get("error"),
                cell=data.get("cell"),
                notebook=str(data.get("notebook", "")),
                notebook_hash=str(data.get("notebook_hash", "")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a results row: {exc}") from None


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """What a batch will do: every run in grid order, which to execute, and the rows kept from before."""

    notebook: Path
    out: Path
    notebook_hash: str
    runs: tuple[PlannedRun, ...]
    todo: tuple[PlannedRun, ...]
    kept: Mapping[str, RunRow]
    language: str = "python"


def plan_batch(notebook: Path, grid: Grid, out: Path, *, rerun_all: bool = False) -> BatchPlan:
    """Validate the whole grid against the notebook and decide which runs to execute.

    Raises:
        NotebookFormatError: the notebook cannot be read.
        ParameterError: any value of any run does not fit the notebook (all problems listed).
        GridError: two runs have the same values once converted (``0.1`` and ``0.10``).
    """
    if not notebook.is_file():
        raise NotebookFormatError(notebook, "the file does not exist")
    schema = ParameterSchema.from_notebook(notebook)
    converted = validate_grid(schema, grid.runs, labels=grid.labels)
    content = notebook_hash(notebook)
    runs: list[PlannedRun] = []
    seen: dict[str, int] = {}
    for index, values in enumerate(converted, start=1):
        identifier = run_id(values)
        if identifier in seen:
            raise GridError(grid.path, f"runs {seen[identifier]} and {index} have the same values once converted")
        seen[identifier] = index
        runs.append(PlannedRun(identifier, values, out / RUNS_DIR / f"{identifier}.ipynb"))
    previous = {} if rerun_all else read_rows(out / RESULTS_JSONL)
    kept: dict[str, RunRow] = {}
    for run in runs:
        row = previous.get(run.run_id)
        if (
            row is not None
            and row.status is RunStatus.OK
            and row.notebook_hash == content
            and row.parameters == json_value(dict(run.parameters))
            and run.output.is_file()
        ):
            kept[run.run_id] = row
    todo = tuple(run for run in runs if run.run_id not in kept)
    return BatchPlan(notebook, out, content, tuple(runs), todo, kept, schema.language)


def read_rows(path: Path) -> dict[str, RunRow]:
    """The rows of a ``results.jsonl`` by run id; a missing file or a damaged line is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    rows: dict[str, RunRow] = {}
    for number, line in enumerate(lines, start=1):
        try:
            row = RunRow.from_json(json.loads(line))
        except ValueError as exc:
            log.warning("%s:%d: ignored: %s", path, number, exc)
            continue
        rows[row.run_id] = row
    return rows


# --- one run, in a worker process ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunTask:
    """Everything a worker needs for one run (picklable); see :func:`run_batch` for the options.

    ``run.parameters`` are already converted (the grid was validated once, in :func:`plan_batch`):
    the worker does not read or validate the notebook's parameters again.
    """

    notebook: Path
    run: PlannedRun
    notebook_hash: str
    language: str
    options: RunOptions


class RunNotStartedError(Exception):
    """A run a worker was handed after Ctrl-C: it was not started, and gets no row (the next batch runs it)."""


# In a worker process: whether Ctrl-C arrived, and whether a run is executing (then Ctrl-C stops it).
_worker = {"interrupted": False, "running": False}


def _on_interrupt(_signum: int, _frame: FrameType | None) -> None:
    _worker["interrupted"] = True
    if _worker["running"]:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """In a worker's main thread: Ctrl-C stops the run in progress, and only it (an idle worker stays up)."""
    if multiprocessing.parent_process() is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGINT, _on_interrupt)
    _worker["running"] = True
    try:
        yield
    finally:
        _worker["running"] = False


def execute_run(task: RunTask) -> RunRow:
    """Run one notebook of a batch; a failure becomes a row, never an exception (failures are isolated).

    Raises:
        RunNotStartedError: Ctrl-C arrived before this run started.
    """
    from dsquality.runs.execute import RunInterrupted, execute_validated  # noqa: PLC0415

    run = task.run
    if _worker["interrupted"]:
        raise RunNotStartedError(run.run_id)
    row = RunRow(
        run.run_id,
        RunStatus.OK,
        0.0,
        run.parameters,
        notebook=f"{RUNS_DIR}/{run.output.name}",
        notebook_hash=task.notebook_hash,
    )
    started = time.perf_counter()
    try:
        with _interruptible():
            result = execute_validated(
                task.notebook, run.output, run.parameters, language=task.language, options=task.options
            )
    except NotebookExecutionError as exc:
        status = RunStatus.TIMEOUT if exc.ename == "CellTimeoutError" else RunStatus.FAILED
        return _failed(row, run.output, started, status=status, error=f"{exc.ename}: {exc.evalue}", cell=exc.cell)
    except RunInterrupted as exc:
        interrupted = "KeyboardInterrupt: the batch was interrupted (Ctrl-C)"
        return _failed(row, run.output, started, status=RunStatus.FAILED, error=interrupted, cell=exc.cell)
    except Exception as exc:  # noqa: BLE001 - isolation: a run that cannot start must not stop the others
        error = exc.message if isinstance(exc, DSQualityError) else f"{type(exc).__name__}: {exc}"
        return replace(row, status=RunStatus.FAILED, duration=time.perf_counter() - started, error=error)
    return replace(row, duration=result.duration, records=dict(result.records))


def _failed(row: RunRow, output: Path, started: float, *, status: RunStatus, error: str, cell: int | None) -> RunRow:
    """The row of a run that stopped in ``cell``, with what it recorded before (read from ``output``)."""
    from dsquality.results import read  # noqa: PLC0415

    try:
        records = read(output)
    except NotebookFormatError:
        records = {}
    return replace(
        row,
        status=status,
        duration=time.perf_counter() - started,
        error=f"cell {cell}: {error}" if cell is not None else error,
        cell=cell,
        records=records,
    )


# --- the batch -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a batch is: runs to execute (``total``), finished, failed, running (estimated)."""

    total: int
    done: int
    failed: int
    running: int
    last: RunRow | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A finished batch: every row in grid order, and how many were skipped (kept from before)."""

    out: Path
    rows: tuple[RunRow, ...]
    skipped: int
    duration: float

    @property
    def failed(self) -> tuple[RunRow, ...]:
        """The rows of runs that did not end ``ok``."""
        return tuple(row for row in self.rows if row.status is not RunStatus.OK)

    @property
    def ok(self) -> bool:
        """Whether every run ended ``ok``."""
        return not self.failed


def run_batch(
    plan: BatchPlan,
    executor: Executor,
    *,
    cwd: Path | None = None,
    timeout: float | None = None,
    kernel: str | None = None,
    fork_server: str | None = None,
    memory_limit: int | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """Execute the runs of ``plan`` on ``executor`` (entered by the caller); write the results as they finish.

    Args:
        plan: from :func:`plan_batch`.
        executor: an entered :class:`~dsquality.runs.executors.Executor`.
        cwd: working directory of the kernels; defaults to the notebook's directory.
        timeout: seconds a single cell may run; ``None`` for no limit.
        kernel: kernel name; defaults to the notebook's.
        fork_server: the socket of a running :class:`~dsquality.runs.forkserver.ForkServer` (on this
            machine): each run's kernel is forked from its template (see :mod:`dsquality.runs.kernels`).
        memory_limit: bytes of address space each kernel may use; ``None``: no limit.
        on_progress: called before the first run and after each run finishes.

    Raises:
        FileWriteError: the results could not be written.
    """
    started = time.perf_counter()
    (plan.out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    rows: dict[str, RunRow] = dict(plan.kept)
    write_results(plan.out, _in_order(plan, rows))
    total, done, failed = len(plan.todo), 0, 0

    def report(last: RunRow | None) -> None:
        if on_progress is not None:
            on_progress(BatchProgress(total, done, failed, min(executor.slots, total - done), last))

    report(None)
    options = RunOptions(cwd, timeout, kernel, fork_server, memory_limit)
    tasks = [RunTask(plan.notebook, run, plan.notebook_hash, plan.language, options) for run in plan.todo]
    for task, outcome in executor.map_unordered(execute_run, tasks):
        if isinstance(outcome, RunNotStartedError):
            continue  # handed to a worker after Ctrl-C: no row, the next batch runs it
        row = outcome if isinstance(outcome, RunRow) else _lost(task, outcome)
        rows[row.run_id] = row
        done += 1
        failed += row.status is not RunStatus.OK
        write_results(plan.out, _in_order(plan, rows))
        report(row)
    return BatchResult(plan.out, tuple(_in_order(plan, rows)), len(plan.kept), time.perf_counter() - started)


def _lost(task: RunTask, error: BaseException) -> RunRow:
    """The row of a run whose worker was lost (a killed process, a Dask worker gone)."""
    return RunRow(
        task.run.run_id,
        RunStatus.FAILED,
        0.0,
        task.run.parameters,
        error=f"the worker running it was lost: {type(error).__name__}: {error}",
        notebook=f"{RUNS_DIR}/{task.run.output.name}",
        notebook_hash=task.notebook_hash,
    )


def _in_order(plan: BatchPlan, rows: Mapping[str, RunRow]) -> list[RunRow]:
    return [rows[run.run_id] for run in plan.runs if run.run_id in rows]


# --- the results table ---------------------------------------------------------------------------


def write_results(out: Path, rows: Sequence[RunRow]) -> None:
    """Write ``results.jsonl`` and ``results.csv`` of ``rows`` into ``out``, each atomically.

    Raises:
        FileWriteError: a file could not be written.
    """
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / RESULTS_JSONL, "".join(json.dumps(row.to_json()) + "\n" for row in rows))
    atomic_write_text(out / RESULTS_CSV, results_csv(rows))


def results_csv(rows: Sequence[RunRow]) -> str:
    """The CSV text of ``rows`` (columns: see the module docstring)."""
    parameters = _names(row.parameters for row in rows)
    taken = {*_FIXED_COLUMNS, *parameters}
    records = _names(row.records for row in rows)
    record_columns = {name: f"recorded.{name}" if name in taken else name for name in records}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*_FIXED_COLUMNS, *parameters, *record_columns.values()])
    for row in rows:
        values = json_value(dict(row.parameters))
        writer.writerow(
            [
                row.run_id,
                str(row.status),
                f"{row.duration:.3f}",
                row.error or "",
                *(_cell(values, name) for name in parameters),
                *(_cell(row.records, name) for name in records),
            ]
        )
    return buffer.getvalue()


def _names(mappings: Iterable[Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for mapping in mappings:
        names.update(dict.fromkeys(mapping))
    return list(names)


def _cell(values: Mapping[str, Any], name: str) -> str:
    if name not in values or values[name] is None:
        return ""
    value = values[name]
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return repr(value)
    return json.dumps(value, sort_keys=True)
