"""The whole quality gate on a project's notebooks: what ``dsq check`` and the ``dsq-check`` hook call.

:func:`check_paths` runs, for every notebook under the given paths (default: the project's
notebooks, as ``dsq lint`` finds them):

1. **lint**: dsquality's rules plus ruff and mypy (:func:`~dsquality.lint.engine.lint_paths`, one
   ruff and one mypy process for all notebooks, with the lint cache);
2. **params**: for notebooks with a ``parameters`` cell or that are runnable, the parameter schema
   parses and every literal default is a value of its declared type; a runnable notebook must
   also give every parameter a default, since its smoke run injects none;
3. **promoted**: for notebooks that promote to a module, the module and tests are what the
   notebook generates now (:func:`~dsquality.promote.api.check_notebooks`, i.e. ``promote --check``);
4. **executed** (``execute=True``): a headless smoke run of every runnable notebook with its
   default parameters.

A notebook is *runnable* when a ``runnable`` glob of ``[tool.dsquality]`` matches it or, when no
globs are configured, when it has a cell tagged ``parameters``.

Which lint findings fail the gate: every finding of the selected rules, whatever its severity, as
``dsq lint`` (the pre-commit hook) decides, so "``dsq check`` passes" and "``dsq lint`` passes"
never disagree. Severity orders the report; the selection (``select``, ``ignore``,
``per-file-ignores``, ``# dsq: noqa``) decides what counts. ``fail_on`` raises the bar for teams
that want ``info`` findings (or warnings) reported without failing.

Smoke runs happen in a child process (``python -m dsquality run``, so they behave exactly as
``dsq run`` does) with a wall-clock limit for the whole notebook: kernel start-up, every cell and
the kernel's shutdown. nbclient only limits single cells, so a notebook of many slow cells would
never time out in-process, and a hung kernel start or import could not be stopped without
stopping dsquality itself. On expiry the child gets SIGINT (papermill/nbclient then shut the
kernel down), then SIGKILL for its whole process group; the per-cell limit is set to the same
value, so a single stuck cell is also reported by nbclient with its cell number. Executed
notebooks go to ``output_dir`` or a temporary directory that is removed afterwards, never next to
the notebooks; the kernel's working directory is the notebook's folder, as with ``dsq run``.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from dsquality.config import Config
from dsquality.discover import find_notebooks
from dsquality.errors import DSQualityError, NotebookFormatError, ParameterProblem
from dsquality.lint.diagnostic import Diagnostic, LintReport, Severity
from dsquality.runs.params import ParameterSchema

__all__ = [
    "CHECK_SCHEMA_NAME",
    "CHECK_SCHEMA_VERSION",
    "CheckProgress",
    "CheckReport",
    "CheckSettings",
    "NotebookCheck",
    "Status",
    "Step",
    "check_paths",
]

log = logging.getLogger(__name__)

CHECK_SCHEMA_NAME: Final = "dsquality-check"
CHECK_SCHEMA_VERSION: Final = 1
# Severities from the worst; a finding fails the gate when it is at least as bad as ``fail_on``.
_RANK: Final = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
# After SIGINT, how long the child may take to shut its kernel down before it is killed.
_GRACE_SECONDS: Final = 10.0


class Status(enum.StrEnum):
    """The outcome of one step for one notebook; ``skipped`` when the step does not apply."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Step:
    """One step's outcome and, for a failure or a skip, why (one line)."""

    status: Status
    detail: str = ""

    @property
    def failed(self) -> bool:
        """Whether this step fails the gate."""
        return self.status is Status.FAILED

    def to_json(self) -> dict[str, Any]:
        """``{"status": "passed" | "failed" | "skipped", "detail": str}``."""
        return {"status": self.status.value, "detail": self.detail}


_SKIPPED = Step(Status.SKIPPED)


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Options of one ``dsq check`` run."""

    ruff: bool = True
    mypy: bool = True
    cache: bool = True  # the lint cache
    execute: bool = False
    timeout: float = 600.0  # seconds of wall clock for one notebook's smoke run
    kernel: str | None = None  # default: each notebook's kernelspec
    output_dir: Path | None = None  # executed notebooks; default: a temporary directory, removed
    fail_on: Severity = Severity.INFO  # the mildest lint severity that fails the gate
    progress: Callable[[CheckProgress], None] | None = None


@dataclass(frozen=True, slots=True)
class CheckProgress:
    """Where a run is: ``phase`` (lint, params, promote, execute), ``done`` of ``total``, the current notebook."""

    phase: str
    done: int
    total: int
    notebook: Path | None = None


@dataclass(frozen=True, slots=True)
class NotebookCheck:
    """The gate for one notebook.

    ``duration`` is the time spent on this notebook's own steps (params, promote check, smoke
    run); lint runs once for all notebooks, its time is :attr:`CheckReport.lint_duration`.
    """

    path: Path
    runnable: bool
    lint: tuple[Diagnostic, ...]
    params: Step
    promoted: Step
    executed: Step
    duration: float
    fail_on: Severity = Severity.INFO

    def lint_counts(self) -> dict[Severity, int]:
        """Findings by severity, every severity present (``0`` when none)."""
        counts = Counter(diagnostic.severity for diagnostic in self.lint)
        return {severity: counts[severity] for severity in Severity}

    @property
    def failing_findings(self) -> tuple[Diagnostic, ...]:
        """The lint findings that fail the gate (at least as bad as ``fail_on``)."""
        return tuple(d for d in self.lint if _RANK[d.severity] <= _RANK[self.fail_on])

    @property
    def ok(self) -> bool:
        """Whether the notebook passes every step."""
        steps = (self.params, self.promoted, self.executed)
        return not self.failing_findings and not any(step.failed for step in steps)

    def to_json(self) -> dict[str, Any]:
        """The notebook's object in the ``dsquality-check`` document (see :meth:`CheckReport.to_json`)."""
        return {
            "path": self.path.as_posix(),
            "ok": self.ok,
            "runnable": self.runnable,
            "lint": {
                "ok": not self.failing_findings,
                "by_severity": {severity.value: count for severity, count in self.lint_counts().items()},
                "diagnostics": [diagnostic.to_dict() for diagnostic in self.lint],
            },
            "params": self.params.to_json(),
            "promoted": self.promoted.to_json(),
            "executed": self.executed.to_json(),
            "duration": round(self.duration, 3),
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The gate for every notebook, in path order."""

    notebooks: tuple[NotebookCheck, ...]
    executed: bool  # whether smoke runs were asked for
    lint_duration: float
    duration: float
    fail_on: Severity = Severity.INFO
    timeout: float | None = None

    @property
    def ok(self) -> bool:
        """Whether every notebook passes."""
        return all(notebook.ok for notebook in self.notebooks)

    @property
    def failed(self) -> tuple[NotebookCheck, ...]:
        """The notebooks that fail."""
        return tuple(notebook for notebook in self.notebooks if not notebook.ok)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every lint finding, in report order."""
        return tuple(d for notebook in self.notebooks for d in notebook.lint)

    def to_json(self) -> dict[str, Any]:
        """The versioned ``dsquality-check`` document.

        ``{"schema": "dsquality-check", "version": 1, "ok": bool, "executed": bool,
        "fail_on": "error" | "warning" | "info", "timeout": float | null, "duration": float,
        "lint_duration": float, "summary": {"notebooks", "failed", "lint": {"error", "warning",
        "info"}}, "notebooks": [{"path", "ok", "runnable", "lint": {"ok", "by_severity",
        "diagnostics": [diagnostic as in the dsquality-lint document's cache form]}, "params",
        "promoted", "executed": {"status": "passed" | "failed" | "skipped", "detail"},
        "duration"}]}``. New keys may be added; a change of meaning bumps ``version``.
        """
        totals = Counter(d.severity for d in self.diagnostics)
        return {
            "schema": CHECK_SCHEMA_NAME,
            "version": CHECK_SCHEMA_VERSION,
            "ok": self.ok,
            "executed": self.executed,
            "fail_on": self.fail_on.value,
            "timeout": self.timeout,
            "duration": round(self.duration, 3),
            "lint_duration": round(self.lint_duration, 3),
            "summary": {
                "notebooks": len(self.notebooks),
                "failed": len(self.failed),
                "lint": {severity.value: totals[severity] for severity in Severity},
            },
            "notebooks": [notebook.to_json() for notebook in self.notebooks],
        }


def check_paths(paths: Sequence[Path], config: Config, settings: CheckSettings | None = None) -> CheckReport:
    """Run the quality gate on every notebook under ``paths`` (default: the project's notebooks).

    One notebook's failure never stops the others: an unreadable notebook is a lint finding
    (DSQ405) and a failed params step, and the other notebooks are still checked.

    Raises:
        ToolError: ruff or mypy is missing or crashes.
    """
    settings = settings or CheckSettings()
    started = time.perf_counter()
    from dsquality.lint.engine import LintSettings, display_paths, lint_paths  # noqa: PLC0415 - the rule registry is not small

    cwd = Path.cwd().resolve()
    files = display_paths(find_notebooks(paths, config), cwd)
    lint_settings = LintSettings(
        ruff=settings.ruff,
        mypy=settings.mypy,
        cache=settings.cache,
        progress=_phase_progress(settings, "lint", files),
    )
    lint = lint_paths(files, config, lint_settings)
    lint_duration = time.perf_counter() - started
    by_path = _by_path(lint, files)

    steps: dict[Path, _Steps] = {}
    for done, path in enumerate(files, start=1):
        _report(settings, "params", done - 1, len(files), path)
        steps[path] = _static_steps(path, config)
    _report(settings, "params", len(files), len(files), None)

    runnable = [path for path in files if steps[path].runnable]
    if settings.execute:
        with _output_directory(settings.output_dir) as output_dir:
            for done, path in enumerate(runnable, start=1):
                _report(settings, "execute", done - 1, len(runnable), path)
                steps[path].executed, seconds = _smoke_run(path, output_dir, settings, steps[path])
                steps[path].duration += seconds
            _report(settings, "execute", len(runnable), len(runnable), None)

    notebooks = tuple(
        NotebookCheck(
            path=path,
            runnable=steps[path].runnable,
            lint=by_path[path],
            params=steps[path].params,
            promoted=steps[path].promoted,
            executed=steps[path].executed,
            duration=steps[path].duration,
            fail_on=settings.fail_on,
        )
        for path in files
    )
    return CheckReport(
        notebooks,
        executed=settings.execute,
        lint_duration=lint_duration,
        duration=time.perf_counter() - started,
        fail_on=settings.fail_on,
        timeout=settings.timeout if settings.execute else None,
    )


# --- progress -------------------------------------------------------------------------------------


def _report(settings: CheckSettings, phase: str, done: int, total: int, notebook: Path | None) -> None:
    if settings.progress is not None:
        settings.progress(CheckProgress(phase, done, total, notebook))


def _phase_progress(settings: CheckSettings, phase: str, files: Sequence[Path]) -> Callable[[int, int], None] | None:
    if settings.progress is None:
        return None
    _report(settings, phase, 0, len(files), None)
    return lambda done, total: _report(settings, phase, done, total, None)


def _by_path(report: LintReport, files: Sequence[Path]) -> dict[Path, tuple[Diagnostic, ...]]:
    """Findings per notebook; lint reports paths relative to the cwd, ``files`` may be spelled otherwise."""
    found: dict[Path, list[Diagnostic]] = {path: [] for path in files}
    resolved = {path.resolve(): path for path in files}
    for diagnostic in report.diagnostics:
        key = diagnostic.path if diagnostic.path in found else resolved.get(diagnostic.path.resolve())
        if key is not None:
            found[key].append(diagnostic)
    return {path: tuple(diagnostics) for path, diagnostics in found.items()}


# --- params and promote: static, per notebook -----------------------------------------------------


@dataclass(slots=True)
class _Steps:
    runnable: bool
    params: Step
    promoted: Step
    executed: Step = _SKIPPED
    duration: float = 0.0


def _static_steps(path: Path, config: Config) -> _Steps:
    started = time.perf_counter()
    runnable = config.is_runnable(path)
    try:
        schema = ParameterSchema.from_notebook(path)
    except NotebookFormatError as exc:
        # The parameters cell does not parse (the params step fails), or the file is not a
        # notebook at all: lint reports that as DSQ405, and nothing else can be checked.
        params = Step(Status.FAILED, str(exc)) if exc.cell is not None else Step(Status.SKIPPED, "unreadable")
        return _Steps(runnable or exc.cell is not None, params, _SKIPPED, duration=time.perf_counter() - started)
    if not config.runnable:
        runnable = schema.cell is not None
    params = _params_step(schema, runnable=runnable)
    promoted = _promote_step(path, config)
    return _Steps(runnable, params, promoted, duration=time.perf_counter() - started)


def _params_step(schema: ParameterSchema, *, runnable: bool) -> Step:
    """Defaults of ``schema`` are values of their types; a runnable notebook needs them all."""
    from dsquality.runs.validate import check  # noqa: PLC0415

    if schema.cell is None:
        return Step(Status.PASSED, "no parameters cell") if runnable else _SKIPPED
    defaults = {spec.name: spec.default for spec in schema if not spec.required and not spec.computed}
    problems: list[ParameterProblem] = []
    for problem in check(schema, defaults).problems:
        spec = schema.get(problem.name)
        if spec is not None and spec.required:
            if not runnable:
                continue  # only a smoke run needs every value
            problem = ParameterProblem(  # noqa: PLW2901 - reworded for the smoke run
                problem.name, "has no default, so a smoke run with the default parameters cannot give it a value"
            )
        problems.append(problem)
    if problems:
        where = f"cell {schema.cell}: "
        return Step(Status.FAILED, where + "; ".join(problem.describe() for problem in problems))
    count = len(schema)
    return Step(Status.PASSED, f"{count} parameter{'s' if count != 1 else ''}")


def _promote_step(path: Path, config: Config) -> Step:
    from dsquality.promote.api import check_notebooks  # noqa: PLC0415

    try:
        reports = check_notebooks([path], config)
    except DSQualityError as exc:  # invalid targets, an unreadable notebook: this notebook fails
        return Step(Status.FAILED, str(exc))
    if not reports:
        return _SKIPPED  # the notebook promotes to no module
    report = reports[0]
    if report.in_sync:
        return Step(Status.PASSED, ", ".join(file.key for file in report.files))
    lines = [problem.describe() for problem in report.problems]
    lines.extend(file.describe(report.key) for file in report.files if file.state.name != "IN_SYNC")
    return Step(Status.FAILED, "; ".join(lines))


# --- smoke runs -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _output_directory(configured: Path | None) -> Iterator[Path]:
    if configured is not None:
        configured.mkdir(parents=True, exist_ok=True)
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="dsq-check-") as directory:
        yield Path(directory)


def _smoke_run(path: Path, output_dir: Path, settings: CheckSettings, steps: _Steps) -> tuple[Step, float]:
    """Run ``path`` with its default parameters in a child process; ``(step, seconds)``."""
    if steps.params.status is not Status.PASSED:  # invalid parameters, or not a readable notebook
        return Step(Status.SKIPPED, f"not run: params {steps.params.status.value}"), 0.0
    output = output_dir / _output_name(path)
    # nbclient takes whole seconds per cell (a float fails its trait validation)
    cell_timeout = str(max(1, math.ceil(settings.timeout)))
    command = [sys.executable, "-m", "dsquality", "run", str(path), str(output), "--timeout", cell_timeout]
    if settings.kernel:
        command += ["--kernel", settings.kernel]
    started = time.perf_counter()
    returncode, stderr = _run_with_deadline(command, settings.timeout)
    seconds = time.perf_counter() - started
    if returncode is None:
        detail = f"timed out: still running after {settings.timeout:g} s (the limit for the whole notebook)"
        return Step(Status.FAILED, detail), seconds
    if returncode != 0:
        detail = _error_line(stderr, returncode)
        if settings.output_dir is None:  # the temporary copy is gone when the report is read
            detail = detail.split(" The executed notebook with the traceback is at ", 1)[0]
        return Step(Status.FAILED, detail), seconds
    return Step(Status.PASSED, f"ran in {seconds:.1f} s"), seconds


def _output_name(path: Path) -> str:
    """A file name for the executed copy, unique per notebook path (two folders may hold ``a.ipynb``)."""
    parts = [part for part in path.with_suffix("").parts if part not in {"/", "..", "."}]
    return "__".join(parts)[-150:] + ".ipynb"


def _run_with_deadline(command: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """Run ``command``; ``(None, stderr)`` when it is still running after ``timeout`` seconds."""
    env: Mapping[str, str] = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
        start_new_session=os.name == "posix",  # its own process group, so it can be stopped as a whole
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        return None, ""
    except BaseException:  # Ctrl-C in dsq check: do not leave the child and its kernel running
        _stop(process)
        raise
    return process.returncode, stderr


def _stop(process: subprocess.Popen[str]) -> None:
    """Interrupt the child so papermill shuts its kernel down; kill its process group if it does not exit."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows: no process groups to signal
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=_GRACE_SECONDS)


def _error_line(stderr: str, returncode: int) -> str:
    """The ``dsq: error: …`` line ``dsq run`` printed, else its last line, else the exit code."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(("dsq: error: ", "dsq: internal error: ")):
            return line.removeprefix("dsq: error: ")
    return lines[-1] if lines else f"dsq run exited with status {returncode}"
