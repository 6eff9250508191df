"""The lint pipeline, from paths to one report.

Find notebooks, reuse cached results, run ruff and mypy once for all, run dsquality's rules per
notebook (in parallel), filter, fix.

Every notebook is read and parsed once; a worker holds one notebook at a time. A notebook that
cannot be read becomes a DSQ405 finding and the others are still linted.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dsquality.analysis.model import build_model
from dsquality.config import Config
from dsquality.discover import FolderResolver, find_notebooks
from dsquality.errors import NotebookFormatError
from dsquality.lint.diagnostic import Diagnostic, LintReport
from dsquality.lint.parallel import can_fork, fork_map
from dsquality.lint.registry import RULES
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules.hygiene import invalid_notebook_finding
from dsquality.lint.selection import Selection, matches
from dsquality.lint.suppression import Suppressions
from dsquality.notebook import Notebook, dump_notebook, read_notebook, write_notebook

if TYPE_CHECKING:
    from dsquality.lint.cache import LintCache

__all__ = ["LintSettings", "display_path", "display_paths", "lint_notebook", "lint_paths"]

log = logging.getLogger(__name__)

# Below this many notebooks a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 24
# ruff reports a cell that does not parse; DSQ210 already does, with IPython-aware parsing.
_RUFF_SYNTAX_CODES = frozenset({"invalid-syntax", "E999", "syntax-error"})


@dataclass(frozen=True, slots=True)
class LintSettings:
    """Options of one lint run (the CLI flags), on top of the configuration."""

    selection: Selection = field(default_factory=Selection)
    ruff: bool = True
    mypy: bool = True
    fix: bool = False
    diff: bool = False  # show what --fix would change without writing
    cache: bool = True
    jobs: int = 0  # 0: every core
    baseline: Path | None = None
    write_baseline: Path | None = None
    progress: Callable[[int, int], None] | None = None  # (done, total), for progress bars


def lint_paths(paths: Sequence[Path], config: Config, settings: LintSettings) -> LintReport:
    """Lint every notebook under ``paths`` and return the findings, sorted."""
    cwd = Path.cwd().resolve()
    files = display_paths(find_notebooks(paths, config), cwd)
    selection = _merge_selection(config, settings.selection)
    rules = selection.enabled_rules(RULES)
    declared = _declared_dependencies(config, rules)
    cache = None
    if settings.cache:
        from dsquality.lint.cache import LintCache  # noqa: PLC0415 - importlib.metadata, only with a cache

        cache = LintCache(config.root, _run_key(config, selection, settings))

    results: dict[Path, list[Diagnostic]] = {}
    pending: list[tuple[Path, str | None]] = []
    for path in files:
        key = _cache_key(cache, config, path)
        cached = cache.get(key) if cache and key else None
        if cached is not None:
            results[path] = cached
        else:
            pending.append((path, key))
    # Largest first: workers share a queue, and small notebooks at the end even out their finish.
    pending.sort(key=lambda item: _size(item[0]), reverse=True)
    pending_paths = [path for path, _ in pending]
    external = _run_external(pending_paths, config, settings)
    jobs = [
        _Job(path, config, selection, tuple(rule.code for rule in rules), declared, tuple(external.get(path, ())))
        for path in pending_paths
    ]
    for (path, key), diagnostics in zip(pending, _map(_lint_job, jobs, settings, total=len(files)), strict=True):
        results[path] = diagnostics
        if cache and key:
            cache.put(key, diagnostics)

    fixed, diffs = 0, list[str]()
    if settings.fix or settings.diff:
        fixed, diffs, refreshed = _apply_fixes(results, config, rules, settings)
        results.update(refreshed)

    diagnostics = sorted((d for found in results.values() for d in found), key=Diagnostic.sort_key)
    if settings.write_baseline is not None or settings.baseline is not None:
        diagnostics = _baseline(diagnostics, settings)
    return LintReport(tuple(diagnostics), len(files), fixed, tuple(diffs))


def lint_notebook(
    notebook: Notebook,
    config: Config,
    rules: Sequence[Rule],
    *,
    declared_dependencies: frozenset[str] | None = None,
    external: Iterable[Diagnostic] = (),
    ignore: Sequence[str] = (),
) -> list[Diagnostic]:
    """Run ``rules`` on one parsed notebook, merge ``external`` findings, apply suppressions.

    This is the entry point for in-memory notebooks (the JupyterLab endpoint) as well.
    """
    model = build_model(notebook)
    context = _context(config, notebook.path, declared_dependencies)
    found: list[Diagnostic] = []
    append = found.append
    for rule in rules:
        for finding in rule.check(model, context):  # most rules find nothing: no generator around it
            append(_diagnostic(rule, finding, notebook))
    syntax_cells = {d.cell for d in found if d.code == "DSQ210"}
    found.extend(d for d in external if not (d.code in _RUFF_SYNTAX_CODES and d.cell in syntax_cells))
    # Without per-file ignores, ignored_codes is just ``ignore`` (and resolving the path is not free).
    ignored = (*(config.ignored_codes(notebook.path) if config.per_file_ignores else config.ignore), *ignore)
    return [d for d in Suppressions(notebook).filter(found) if not matches(d.code, ignored)]


# --- one notebook, in a worker ------------------------------------------------------------------


class _Job(NamedTuple):  # a named tuple: a fifth of a dataclass's cost to create at import
    """One notebook to lint, with everything a worker needs (inherited by forked workers, else pickled)."""

    path: Path
    config: Config
    selection: Selection
    codes: tuple[str, ...]
    declared: frozenset[str] | None
    external: tuple[Diagnostic, ...]


def _baseline(diagnostics: list[Diagnostic], settings: LintSettings) -> list[Diagnostic]:
    from dsquality.lint.baseline import apply_baseline, read_baseline, write_baseline  # noqa: PLC0415 - hashlib

    if settings.write_baseline is not None:
        write_baseline(settings.write_baseline, diagnostics)
    if settings.baseline is not None:
        diagnostics = apply_baseline(diagnostics, read_baseline(settings.baseline))
    return diagnostics


def _lint_job(job: _Job) -> list[Diagnostic]:
    with _gc_paused():
        try:
            notebook = read_notebook(job.path)
        except NotebookFormatError as exc:
            return [_invalid_notebook(job.path, exc)]
        rules = [RULES[code] for code in job.codes]
        diagnostics = lint_notebook(
            notebook,
            job.config,
            rules,
            declared_dependencies=job.declared,
            external=job.external,
            ignore=job.selection.ignore,
        )
        # Freed before the collector is back: otherwise its first pass walks the whole notebook.
        del notebook
    return diagnostics


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one notebook is linted; it runs again between notebooks.

    Reading a notebook and parsing its cells allocate hundreds of thousands of objects, which
    trigger a collection every 700 allocations, and linting makes no reference cycles worth
    collecting before the notebook is done. Reference counting frees everything as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _context(config: Config, path: Path, declared_dependencies: frozenset[str] | None = None) -> LintContext:
    # The clean settings are rule options too: DSQ401/DSQ403 honour the same keep-lists as `dsq clean`.
    options = {**config.options, "keep-output-tag": config.keep_output_tag, "keep-metadata": config.keep_metadata}
    return LintContext(
        options=options,
        project_root=config.root,
        declared_dependencies=declared_dependencies,
        runnable=config.is_runnable(path),
    )


def _invalid_notebook(path: Path, error: NotebookFormatError) -> Diagnostic:
    rule = RULES["DSQ405"]
    finding = invalid_notebook_finding(error)
    return Diagnostic(
        path=path,
        code=rule.code,
        name=rule.name,
        message=finding.message,
        severity=rule.severity,
        cell=finding.cell,
        line=finding.line,
    )


def _diagnostic(rule: Rule, finding: Finding, notebook: Notebook) -> Diagnostic:
    cell = notebook.cells[finding.cell - 1] if finding.cell is not None else None
    file_line = notebook.file_line(finding.cell, finding.line or 1) if finding.cell is not None else None
    return Diagnostic(
        path=notebook.path,
        code=rule.code,
        name=rule.name,
        message=finding.message,
        severity=rule.severity,
        source="dsquality",
        cell=finding.cell,
        line=finding.line,
        column=finding.column,
        cell_id=cell.cell_id if cell else None,
        end_line=finding.end_line,
        end_column=finding.end_column,
        fixable=rule.fixable,
        file_line=file_line,
    )


def _map(
    function: Callable[[_Job], list[Diagnostic]], jobs: list[_Job], settings: LintSettings, *, total: int
) -> Iterator[list[Diagnostic]]:
    done = total - len(jobs)
    workers = min(settings.jobs or os.cpu_count() or 1, len(jobs))
    if workers <= 1 or len(jobs) < _PARALLEL_THRESHOLD:
        for job in jobs:
            result = function(job)
            done += 1
            if settings.progress:
                settings.progress(done, total)
            yield result
        return
    progress = settings.progress
    if can_fork():
        on_done = (lambda finished: progress(done + finished, total)) if progress else None
        yield from fork_map(function, jobs, workers, on_done=on_done)
        return
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - no fork here (Windows, threads)

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(function, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
            done += 1
            if progress:
                progress(done, total)
            yield result


# --- ruff and mypy, once for all pending notebooks ----------------------------------------------


def _run_external(paths: Sequence[Path], config: Config, settings: LintSettings) -> dict[Path, list[Diagnostic]]:
    found: dict[Path, list[Diagnostic]] = defaultdict(list)
    if not paths:
        return found
    if settings.ruff and config.ruff:
        from dsquality.lint.external.ruff import run_ruff  # noqa: PLC0415 - only when enabled

        for diagnostic in run_ruff(paths, cwd=config.root):
            found[diagnostic.path].append(diagnostic)
    if settings.mypy and config.mypy:
        from dsquality.lint.external.mypy import run_mypy  # noqa: PLC0415

        for diagnostic in run_mypy(paths, cwd=config.root):
            found[diagnostic.path].append(diagnostic)
    return found


# --- fixes ----------------------------------------------------------------------------------------


def _apply_fixes(
    results: dict[Path, list[Diagnostic]], config: Config, rules: Sequence[Rule], settings: LintSettings
) -> tuple[int, list[str], dict[Path, list[Diagnostic]]]:
    import copy  # noqa: PLC0415 - only for fixes

    # Fixes that remove cells shift cell numbers, so they run last: highest code first.
    fixable = sorted((rule for rule in rules if rule.fixable), key=lambda rule: rule.code, reverse=True)
    written: list[Path] = []
    diffs: list[str] = []
    refreshed: dict[Path, list[Diagnostic]] = {}
    for path, diagnostics in results.items():
        to_fix = {rule.code: [d for d in diagnostics if d.code == rule.code] for rule in fixable}
        if not any(to_fix.values()):
            continue
        try:
            notebook = read_notebook(path)
        except NotebookFormatError:
            continue
        if notebook.original_nbformat != 4:  # noqa: PLR2004 - writing would convert the file to v4
            log.warning("%s: not fixing an nbformat %d notebook", path, notebook.original_nbformat)
            continue
        data = copy.deepcopy(notebook.data)
        for rule in fixable:
            if to_fix[rule.code]:
                rule.fix(data, [_as_finding(d) for d in to_fix[rule.code]], _context(config, path))
        if data == notebook.data:
            continue
        diffs.append(_diff(path, notebook.raw, dump_notebook(data, notebook.raw)))
        if settings.fix and write_notebook(notebook, data):
            written.append(path)
    if written:  # cells may have moved: lint the rewritten notebooks again for the report
        again = lint_paths(written, config, replace(settings, fix=False, diff=False, cache=False, baseline=None))
        for path in written:
            refreshed[path] = [d for d in again.diagnostics if d.path == path]
    return len(written), diffs, refreshed


def _as_finding(diagnostic: Diagnostic) -> Finding:
    return Finding(
        diagnostic.message,
        diagnostic.cell,
        diagnostic.line,
        diagnostic.column,
        diagnostic.end_line,
        diagnostic.end_column,
    )


def _diff(path: Path, before: bytes, after: bytes) -> str:
    import difflib  # noqa: PLC0415 - only for fixes

    lines = difflib.unified_diff(
        before.decode("utf-8", "replace").splitlines(keepends=True),
        after.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"a/{path.as_posix()}",
        tofile=f"b/{path.as_posix()}",
    )
    return "".join(lines)


# --- helpers ------------------------------------------------------------------------------------


def _merge_selection(config: Config, cli: Selection) -> Selection:
    return Selection(
        select=cli.select if cli.select is not None else config.select,
        extend_select=(*config.extend_select, *cli.extend_select),
        ignore=(*config.ignore, *cli.ignore),
    )


def _run_key(config: Config, selection: Selection, settings: LintSettings) -> str:
    return "|".join(
        (
            config.fingerprint(),
            repr(selection),
            str(settings.ruff and config.ruff),
            str(settings.mypy and config.mypy),
        )
    )


def _cache_key(cache: LintCache | None, config: Config, path: Path) -> str | None:
    if cache is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return cache.key(config.relative(path), raw)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _declared_dependencies(config: Config, rules: Sequence[Rule]) -> frozenset[str] | None:
    if not any(rule.code == "DSQ108" for rule in rules):
        return None
    from dsquality.lint.dependencies import declared_dependencies  # noqa: PLC0415

    declared: frozenset[str] | None = declared_dependencies(config.root)
    return declared


def display_path(path: Path, cwd: Path, resolve: Callable[[Path], Path] = Path.resolve) -> Path:
    """Paths relative to the working directory (``cwd``, resolved) when below it, as users typed them.

    ``resolve`` is ``Path.resolve`` or, for many paths, a :class:`~dsquality.discover.FolderResolver`.
    """
    try:
        return resolve(path).relative_to(cwd)
    except ValueError:
        return path


def display_paths(paths: Iterable[Path], cwd: Path) -> list[Path]:
    """:func:`display_path` of each path."""
    resolve = FolderResolver()
    return [display_path(path, cwd, resolve) for path in paths]
