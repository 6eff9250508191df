"""Execute one notebook headlessly with papermill and collect what it recorded.

papermill does the execution; this module adds what the CLI and batch runs need around it:
parameters checked and converted by the types the notebook declares *before* any kernel starts
(:mod:`dsquality.runs.validate`) and injected as typed Python literals (:mod:`dsquality.runs.inject`),
the failing cell numbered as in the *input* notebook (papermill counts the injected parameters cell
and its own error-marker cells), an error from :mod:`dsquality.errors`, and the recorded results.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsquality.atomic import atomic_write_text
from dsquality.errors import NotebookExecutionError, NotebookFormatError
from dsquality.results import read
from dsquality.runs.inject import INJECTED_TAG, Injection, injecting_engine
from dsquality.runs.limits import format_bytes
from dsquality.runs.params import ParameterSchema
from dsquality.runs.validate import validate

__all__ = ["RunInterrupted", "RunOptions", "RunResult", "execute_notebook", "execute_validated"]

log = logging.getLogger(__name__)

# Tags papermill puts on the cells it inserts; they do not exist in the input notebook.
_INSERTED_TAGS = frozenset({INJECTED_TAG, "papermill-error-cell-tag"})


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run: where the executed notebook is, how long it took, what it recorded.

    ``parameters`` are the values injected, converted by their declared types.
    """

    notebook: Path
    output: Path
    duration: float
    records: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a run executes, as the keyword arguments of :func:`execute_notebook` say (picklable, for workers)."""

    cwd: Path | None = None
    timeout: float | None = None
    kernel: str | None = None
    fork_server: str | None = None
    memory_limit: int | None = None


class RunInterrupted(KeyboardInterrupt):  # a KeyboardInterrupt, so that Ctrl-C handlers still catch it
    """Ctrl-C (SIGINT) stopped a run; ``output`` was saved with a ``KeyboardInterrupt`` error in ``cell``."""

    def __init__(self, notebook: Path, *, cell: int | None, output: Path) -> None:
        self.notebook = notebook
        self.cell = cell
        self.output = output
        super().__init__(f"{notebook}: interrupted while running cell {cell}")


def execute_notebook(
    notebook: Path,
    output: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    kernel: str | None = None,
    fork_server: str | None = None,
    memory_limit: int | None = None,
) -> RunResult:
    """Run ``notebook`` in a fresh kernel and save the executed copy to ``output``.

    Args:
        notebook: the notebook to run.
        output: where the executed notebook is written (also when a cell fails).
        parameters: values injected after the cell tagged ``parameters``: Python values, or
            :class:`~dsquality.runs.validate.Text` as typed on a command line; they are converted
            by the types the notebook declares (see :mod:`dsquality.runs.validate`).
        cwd: working directory of the kernel; defaults to the notebook's directory.
        timeout: seconds a single cell may run; ``None`` for no limit.
        kernel: kernel name; defaults to the one in the notebook's metadata.
        fork_server: the socket of a running :class:`~dsquality.runs.forkserver.ForkServer`: the
            kernel is forked from its template instead of started as a new process.
        memory_limit: bytes of address space the kernel may use (``RLIMIT_AS``); ``None``: no limit.

    Raises:
        NotebookFormatError: the notebook cannot be read, or its parameters cell does not parse.
        ParameterError: the parameters do not fit the notebook; raised before any kernel starts
            and before ``output`` is written.
        NotebookExecutionError: a cell raised, timed out, or the kernel died; ``output`` holds the
            executed notebook with the error.
        KernelStartError: the kernel could not be started as asked (fork server, memory limit).
        RunInterrupted: Ctrl-C; ``output`` holds the executed notebook, the running cell marked.
    """
    if not notebook.is_file():
        raise NotebookFormatError(notebook, "the file does not exist")
    schema = ParameterSchema.from_notebook(notebook)
    values = validate(schema, parameters or {})
    options = RunOptions(cwd, timeout, kernel, fork_server, memory_limit)
    return execute_validated(notebook, output, values, language=schema.language, options=options)


def execute_validated(
    notebook: Path,
    output: Path,
    values: Mapping[str, object],
    *,
    language: str = "python",
    options: RunOptions = RunOptions(),
) -> RunResult:
    """:func:`execute_notebook` with ``values`` already converted by the notebook's declared types.

    For batches, which validate the whole grid once: the notebook is not parsed again per run.
    ``language`` is the notebook's kernel language (the parameter schema's).
    """
    cwd, timeout, kernel, memory_limit = options.cwd, options.timeout, options.kernel, options.memory_limit
    import papermill  # noqa: PLC0415 - heavy import, only needed when running
    from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: PLC0415
    from papermill.exceptions import PapermillExecutionError  # noqa: PLC0415

    from dsquality.runs.kernels import describe_exit, exit_code, manager_options  # noqa: PLC0415

    output.parent.mkdir(parents=True, exist_ok=True)
    engine_options: dict[str, Any] = {"injection": Injection(values, language)}
    if timeout is not None:
        # nbclient takes whole seconds only; round up so a limit is never shortened.
        engine_options["execution_timeout"] = math.ceil(timeout)
    manager, token = manager_options(fork_server=options.fork_server, memory_limit=memory_limit)
    engine_options.update(manager)
    started = time.perf_counter()
    log.info("running %s -> %s", notebook, output)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=None,  # injected by our engine, typed (see dsquality.runs.inject)
            engine_name=injecting_engine(),
            kernel_name=kernel,
            cwd=str(cwd or notebook.parent),
            progress_bar=False,
            **engine_options,
        )
    except PapermillExecutionError as exc:
        raise NotebookExecutionError(
            notebook,
            cell=_input_cell_number(output, exc.cell_index),
            ename=exc.ename,
            evalue=_with_limit(exc.ename, exc.evalue, memory_limit),
            output=output,
        ) from None
    except (CellTimeoutError, DeadKernelError) as exc:
        # papermill only marks cells that raised; a timeout or a dead kernel stops the run
        # inside a cell without an error output, so find that cell and record the error in it.
        if isinstance(exc, CellTimeoutError):
            ename, evalue = "CellTimeoutError", str(exc).splitlines()[0] if str(exc) else "CellTimeoutError"
        else:
            how = describe_exit(exit_code(token))
            ename, evalue = "DeadKernelError", f"the kernel died{f' ({how})' if how else ''} while running this cell"
            evalue = _with_limit("MemoryError", evalue, memory_limit)
        raise NotebookExecutionError(
            notebook,
            cell=_mark_interrupted_cell(output, ename, evalue),
            ename=ename,
            evalue=evalue,
            output=output,
        ) from None
    except KeyboardInterrupt:
        # papermill marks the running cell "completed" on the way out: say what really happened in it
        cell = _mark_interrupted_cell(output, "KeyboardInterrupt", "interrupted (Ctrl-C) while running this cell")
        raise RunInterrupted(notebook, cell=cell, output=output) from None
    finally:
        exit_code(token)  # forget it
    return RunResult(notebook, output, time.perf_counter() - started, read(output), values)


def _with_limit(ename: str, evalue: str, memory_limit: int | None) -> str:
    """Say that the kernel had a memory limit when an error may come from it."""
    if memory_limit is None or not ename.endswith("MemoryError"):
        return evalue
    note = f"the kernel's memory limit is {format_bytes(memory_limit)}"
    return f"{evalue} ({note})" if evalue else note


def _mark_interrupted_cell(output: Path, ename: str, evalue: str) -> int | None:
    """Add an error output to the cell that was running when the run stopped; return its number.

    That cell is the last one papermill gave a start time: cells after it never started.
    """
    import nbformat  # noqa: PLC0415

    try:
        executed = nbformat.read(output, as_version=4)
    except (OSError, ValueError):
        return None
    started = [
        index
        for index, cell in enumerate(executed.cells)
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return None
    cell = executed.cells[started[-1]]
    cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
    cell.metadata["papermill"]["exception"] = True
    cell.metadata["papermill"]["status"] = "failed"
    atomic_write_text(output, nbformat.writes(executed) + "\n")
    return _input_cell_number(output, started[-1])


def _input_cell_number(output: Path, cell_index: int) -> int | None:
    """Map papermill's 0-based index in the executed notebook to a 1-based input cell number.

    papermill reports the index before it inserted its error markers, but after the injected
    parameters cell, so only cells it inserted *before* ``cell_index`` are discounted.
    """
    import nbformat  # noqa: PLC0415

    try:
        executed = nbformat.read(output, as_version=4)
    except (OSError, ValueError):
        return None
    # The error markers are already in the saved file: drop them to get papermill's indexing back.
    cells = [cell for cell in executed.cells if "papermill-error-cell-tag" not in cell.metadata.get("tags", [])]
    inserted = sum(1 for cell in cells[:cell_index] if _INSERTED_TAGS & set(cell.metadata.get("tags", [])))
    return cell_index - inserted + 1
