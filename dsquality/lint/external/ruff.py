"""ruff over notebooks: one process for all files, findings in dsquality's cell numbering.

ruff reads ``.ipynb`` files natively (IPython magics and ``!`` lines included), so
:func:`run_ruff` runs ``ruff check --output-format json --exit-zero --no-cache --no-fix`` once over
every notebook (split into a few batches only if the command line would be too long) and maps each
finding back. ``--no-fix`` keeps a user's ``fix = true`` from rewriting notebooks while linting;
``--no-cache`` keeps ruff from writing ``.ruff_cache`` folders (ruff takes ~1 s for 316 notebooks).

How ruff numbers cells: the JSON ``cell`` field is 1-based among **all** cells of the notebook,
markdown and raw cells included (checked with ruff 0.17: a code cell after a markdown and a raw
cell is ``cell 3``), which is dsquality's numbering; ``location.row``/``column`` are 1-based
within that cell, and ``end_location`` is exclusive. No translation is needed, only a check that
the cell exists.

Notebook-tuned defaults (when ``select`` is ``None``): ruff's own rule selection (the user's
config, or ruff's defaults) minus :data:`NOTEBOOK_DEFAULT_IGNORE`:

- ``E402`` (import not at the top of the cell): dsquality's DSQ201 reports imports outside the
  first code cell in notebook terms (ruff 0.17's defaults no longer include it; older ones did).
- ``I001`` (unsorted imports): in notebooks it is mostly "no blank line after the imports" in
  two-line cells: formatting, not quality (760 of 2,043 ruff-default findings on the shared corpus).

ruff already handles the other notebook idioms itself: a bare expression on the last line of a
cell (how notebooks display values) is not ``B018``/``B015``, top-level ``await`` is allowed, and
the IPython builtins (``display``, ``get_ipython``) are known.

An explicit user configuration always wins: the defaults are *not* applied to a notebook whose
effective ruff configuration selects rules (``select`` or ``extend-select``, also through
``extend``): the nearest ``.ruff.toml``/``ruff.toml``/``pyproject.toml`` with ``[tool.ruff]``
above the notebook, else above ``cwd``, else the user-level ruff config, or ``config`` when given.
A config that only sets e.g. ``line-length`` keeps the notebook defaults. The defaults are applied
by dropping those codes from ruff's output (equivalent to ``--extend-ignore``, but per notebook
and in one process); ``select``/``ignore`` passed here become ``--select``/``--ignore``.

Also dropped: ``F821`` undefined-name findings for names that IPython magics bind, which ruff does
not see (``%%capture out``, ``%time x = f()``, ``%store -r x``), and after ``%run``/``%pylab``.

ruff's own parse errors are kept as findings with ruff's code (``invalid-syntax`` in ruff 0.17,
``E999`` in older versions), severity ERROR; :data:`SYNTAX_ERROR_CODES` lists them so the engine
can drop them where DSQ210 already reports the cell. Note that ruff reports nothing else for a
notebook with a syntax error in any cell. Other findings are WARNINGs; ``fixable`` means ruff has
a *safe* fix (what ``ruff check --fix`` applies).

nbformat-3 notebooks (which ruff rejects: ``unknown field worksheets``) and notebooks ruff's schema
rejects are linted from a normalised nbformat-4 copy with the same file name in a temporary
directory; cells keep their order, so findings map back unchanged. ruff resolves its configuration
for such a copy from ``cwd``, not from the notebook's own folder. Invalid or unreadable notebooks
are skipped: the engine reports them as DSQ405.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsquality.errors import ToolError
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.lint.external.mapping import (
    MagicNames,
    NotebookInput,
    absolute,
    load_notebooks,
    make_diagnostic,
    path_key,
)
from dsquality.lint.external.process import MAX_COMMAND_CHARS, batched_arguments, run_tool

__all__ = ["NOTEBOOK_DEFAULT_IGNORE", "SYNTAX_ERROR_CODES", "find_ruff", "run_ruff"]

log = logging.getLogger(__name__)

NOTEBOOK_DEFAULT_IGNORE: tuple[str, ...] = ("E402", "I001")
SYNTAX_ERROR_CODES = frozenset({"invalid-syntax", "E999", "syntax-error"})

_CONFIG_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
_QUOTED_NAME = re.compile(r"`([^`]+)`")


def run_ruff(
    paths: Sequence[Path],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    config: Path | None = None,
    cwd: Path | None = None,
) -> list[Diagnostic]:
    """Lint ``paths`` (``.ipynb`` files) with ruff in one process; findings in dsquality's numbering.

    ``select`` replaces the rule selection (no notebook defaults then); ``ignore`` adds to it;
    ``config`` is passed as ``--config``. ruff runs in ``cwd`` (default: the current directory)
    and finds the user's configuration as usual; relative ``paths`` and ``config`` are relative to
    the current directory. Each finding's ``path`` is the path as given. Unreadable notebooks are
    skipped.

    Raises:
        ToolError: ruff is not installed, or fails (e.g. an invalid configuration or rule code).
    """
    entries = load_notebooks(paths)
    if not entries or (select is not None and not select):
        return []
    base = absolute(cwd) if cwd is not None else Path.cwd()
    config_path = absolute(config) if config is not None else None
    argv = [find_ruff(), "check", "--output-format", "json", "--exit-zero", "--no-cache", "--no-fix"]
    if config_path is not None:
        argv += ["--config", str(config_path)]
    if select is not None:
        argv += ["--select", ",".join(select)]
    if ignore:
        argv += ["--ignore", ",".join(ignore)]
    resolver = _ConfigResolver(base, config_path)
    tuned = {path_key(e.absolute) for e in entries if select is None and not resolver.selects_rules(e.absolute)}

    diagnostics: list[Diagnostic] = []
    magics: dict[str, MagicNames] = {}
    for entry, record in _lint(argv, entries, cwd):
        key = path_key(entry.absolute)
        code = _code(record)
        if key in tuned and code in NOTEBOOK_DEFAULT_IGNORE:
            continue
        diagnostic = _diagnostic(entry, record, code)
        if code == "F821":
            if key not in magics:
                magics[key] = MagicNames.of(entry.notebook.cells)
            if _bound_by_magic(diagnostic, magics[key]):
                continue
        diagnostics.append(diagnostic)
    return diagnostics


def find_ruff() -> str:
    """The ruff executable of this environment (the ``ruff`` package), else ``ruff`` on ``PATH``.

    Raises:
        ToolError: ruff is not installed.
    """
    try:
        found = importlib.import_module("ruff").find_ruff_bin()
    except (ImportError, AttributeError, OSError):
        found = None
    if isinstance(found, str) and Path(found).is_file():
        return found
    on_path = shutil.which("ruff")
    if on_path:
        return on_path
    raise ToolError(
        "ruff",
        f"is not installed in this environment ({sys.executable}) or on PATH",
        hint="Install it with 'pip install ruff', or skip ruff with --no-ruff.",
    )


# --- running and reading ruff -----------------------------------------------------------------


def _lint(
    argv: list[str], entries: Sequence[NotebookInput], cwd: Path | None
) -> list[tuple[NotebookInput, dict[str, Any]]]:
    """Run ruff over the notebooks (copies for those ruff cannot read); pair each record with its notebook."""
    with tempfile.TemporaryDirectory(prefix="dsq-ruff-") as tmp:
        copies = _Copies(Path(tmp))
        targets: dict[str, NotebookInput] = {}
        for entry in entries:
            target = entry.absolute if entry.notebook.original_nbformat == 4 else copies.write(entry)  # noqa: PLR2004
            targets[path_key(target)] = entry
        records = _run(argv, list(targets), cwd)
        # A readable notebook that ruff's schema rejects (a finding without a cell): lint a copy.
        rejected = {
            key
            for key, record in records
            if record.get("cell") is None and _code(record) in SYNTAX_ERROR_CODES and not copies.owns(key)
        }
        retry = {path_key(copies.write(targets[key])): targets[key] for key in rejected if key in targets}
        if retry:
            records = [(key, record) for key, record in records if key not in rejected]
            records += _run(argv, list(retry), cwd)
            targets.update(retry)
    paired: list[tuple[NotebookInput, dict[str, Any]]] = []
    for key, record in records:
        if key in targets:
            paired.append((targets[key], record))
        else:
            log.debug("ruff reported a file that was not asked for: %s", record.get("filename"))
    return paired


def _run(argv: list[str], files: list[str], cwd: Path | None) -> list[tuple[str, dict[str, Any]]]:
    """Run ruff over ``files``; return ``(path key, JSON record)`` pairs."""
    budget = MAX_COMMAND_CHARS - sum(len(arg) + 1 for arg in argv) - 3
    records: list[tuple[str, dict[str, Any]]] = []
    for batch in batched_arguments(files, budget):
        result = run_tool("ruff", [*argv, "--", *batch], cwd=cwd)
        if result.stderr.strip():
            log.debug("ruff stderr: %s", result.stderr.strip())
        try:
            parsed = json.loads(result.stdout or "[]")
        except json.JSONDecodeError as exc:
            raise ToolError("ruff", f"printed output that is not JSON ({exc.msg})", output=result.stderr) from exc
        if not isinstance(parsed, list):
            raise ToolError("ruff", "printed JSON that is not a list of findings", output=result.stderr)
        records.extend(
            (path_key(record["filename"]), record)
            for record in parsed
            if isinstance(record, dict) and isinstance(record.get("filename"), str)
        )
    return records


def _code(record: Mapping[str, Any]) -> str:
    code = record.get("code")
    return code if isinstance(code, str) and code else "invalid-syntax"


def _position(value: object) -> tuple[int | None, int | None]:
    if not isinstance(value, dict):
        return None, None
    row, column = value.get("row"), value.get("column")
    return _positive(row), _positive(column)


def _positive(number: object) -> int | None:
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None


def _diagnostic(entry: NotebookInput, record: Mapping[str, Any], code: str) -> Diagnostic:
    cell = record.get("cell")
    cell_number = cell if isinstance(cell, int) and not isinstance(cell, bool) else None
    line, column = _position(record.get("location"))
    end_line, end_column = _position(record.get("end_location"))
    if cell_number is None:  # a finding about the whole file (ruff could not read it as a notebook)
        line = column = end_line = end_column = None
    fix = record.get("fix")
    url = record.get("url")
    name = record.get("name")
    if not isinstance(name, str) or not name:
        name = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) and url else code
    message = record.get("message")
    return make_diagnostic(
        entry,
        source="ruff",
        code=code,
        name=name,
        message=message if isinstance(message, str) else code,
        severity=Severity.ERROR if code in SYNTAX_ERROR_CODES else Severity.WARNING,
        cell=cell_number,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        fixable=isinstance(fix, dict) and fix.get("applicability") == "safe",
    )


def _bound_by_magic(diagnostic: Diagnostic, magics: MagicNames) -> bool:
    match = _QUOTED_NAME.search(diagnostic.message)
    if match is None or diagnostic.cell is None:
        return False
    return magics.explains_undefined(match.group(1), diagnostic.cell, diagnostic.line or 1)


class _Copies:
    """Normalised nbformat-4 copies of notebooks ruff cannot read, one folder each (names may clash)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.keys: set[str] = set()

    def owns(self, key: str) -> bool:
        return key in self.keys

    def write(self, entry: NotebookInput) -> Path:
        folder = self.root / str(len(self.keys))
        folder.mkdir()
        path = folder / entry.absolute.name
        path.write_text(json.dumps(_normalised(entry)), encoding="utf-8")
        self.keys.add(path_key(path))
        return path


def _normalised(entry: NotebookInput) -> dict[str, Any]:
    """The notebook as minimal nbformat 4.4: every cell in order with its source, nothing else."""
    cells: list[dict[str, Any]] = []
    for cell in entry.notebook.cells:
        data: dict[str, Any] = {"cell_type": cell.cell_type, "metadata": {}, "source": cell.source}
        if cell.is_code:
            data.update(execution_count=None, outputs=[])
        cells.append(data)
    return {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }


# --- does the user's ruff configuration select rules? -----------------------------------------


class _ConfigResolver:
    """Finds the ruff configuration that applies to a notebook, as ruff does, and reads it."""

    def __init__(self, cwd: Path, config: Path | None) -> None:
        self.cwd = cwd
        self.config = config
        self._nearest: dict[Path, Path | None] = {}
        self._selects: dict[Path, bool] = {}

    def selects_rules(self, notebook: Path) -> bool:
        """True when the configuration that applies to ``notebook`` selects rules explicitly."""
        config = self.config or self._find(notebook.parent) or self._find(self.cwd) or _user_config()
        return config is not None and self._config_selects(config)

    def _find(self, directory: Path) -> Path | None:
        if directory not in self._nearest:
            found: Path | None = None
            for name in _CONFIG_FILES:
                candidate = directory / name
                if candidate.is_file() and (name != "pyproject.toml" or _ruff_table(candidate) is not None):
                    found = candidate
                    break
            if found is None and directory.parent != directory:
                found = self._find(directory.parent)
            self._nearest[directory] = found
        return self._nearest[directory]

    def _config_selects(self, config: Path, depth: int = 0) -> bool:
        if config not in self._selects:
            table = _ruff_table(config)
            if table is None:  # unreadable: let ruff report it, and do not override the user
                self._selects[config] = True
                return True
            lint = table.get("lint")
            tables = [table, lint] if isinstance(lint, dict) else [table]
            selects = any(key in part for part in tables for key in ("select", "extend-select"))
            parent = table.get("extend")
            if not selects and isinstance(parent, str) and depth < 10:  # noqa: PLR2004 - cycle guard
                extended = absolute(Path(parent).expanduser(), config.parent)  # relative to the config file
                selects = self._config_selects(extended, depth + 1)
            self._selects[config] = selects
        return self._selects[config]


def _ruff_table(path: Path) -> dict[str, Any] | None:
    """The ruff settings in ``path`` (``[tool.ruff]`` of a pyproject.toml), or None."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        ruff = tool.get("ruff") if isinstance(tool, dict) else None
        return ruff if isinstance(ruff, dict) else None
    return data


def _user_config() -> Path | None:
    """The user-level ruff configuration file, if any."""
    if sys.platform == "win32":
        roots = [os.environ.get("APPDATA", "")]
    else:
        roots = [os.environ.get("XDG_CONFIG_HOME", ""), str(Path("~/.config").expanduser())]
    for root in filter(None, roots):
        for name in _CONFIG_FILES:
            candidate = Path(root) / "ruff" / name
            if candidate.is_file() and (name != "pyproject.toml" or _ruff_table(candidate) is not None):
                return candidate
    return None
