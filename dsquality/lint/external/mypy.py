"""mypy over notebooks: each notebook becomes one Python file, mypy runs once, findings map back.

mypy cannot read notebooks, so :func:`run_mypy` writes each notebook's code cells, in order, as
one ``.py`` file in a temporary directory and keeps a table from each line of that file to
``(cell, line)``, cell 1-based among **all** cells as everywhere in dsquality:

- each code cell goes through :func:`~dsquality.analysis.ipython.parse_cell`, so magics and ``!``
  lines become ``pass`` (or the statement of ``%time stmt``, with the column shift undone when
  mapping back) and line ``N`` of the cell stays line ``N`` of its block;
- where the translation binds a name to ``None`` (``x = !cmd``, ``x = %magic``, ``%%capture x``)
  it is bound to ``_dsq_any`` instead (typed ``Any``), so using ``x`` is not an error;
- non-Python cells (``%%bash``, ``%%writefile``…) and cells that do not parse (reported by
  DSQ210) are left out: one syntax error would stop mypy for every file;
- a two-line header declares ``_dsq_any``; it maps to no cell and findings on it are dropped.

Each file gets a safe, unique module name (``nb_<stem>_<hash of the path>``): notebook names hold
spaces, ``&``, quotes and brackets, and two notebooks may share a name in different folders (mypy
would stop at "Duplicate module named"). mypy runs once for all files with
``sys.executable -m mypy``, JSON output (``-O json``: mypy attaches the notes that belong to an
error as its ``hint``, which is appended to the message; standalone notes such as
``reveal_type`` become INFO findings), absolute paths, column numbers and end positions.

``code`` and ``name`` are both mypy's error code as mypy prints it (``arg-type``,
``name-defined``; ``misc`` when mypy gives none). Severity: error → ERROR, note → INFO.

Notebook-tuned defaults (:data:`NOTEBOOK_DEFAULT_ARGS`; ``args`` come after them, so they can
override them; ``--strict`` only when ``strict=True``):

- ``--ignore-missing-imports``: notebooks import untyped libraries;
- ``--follow-imports=silent``: imported modules give types but their own errors are not reported;
- ``--allow-redefinition``: notebooks re-bind names to new types (``df = df.values``);
- ``--disable-error-code=top-level-await``: IPython runs top-level ``await``.

``name-defined`` findings are dropped for names mypy cannot know: IPython's builtins (``display``,
``get_ipython``, ``In``, ``Out``…), names bound by magics (``%%capture out``, ``%store -r x``)
or by a cell left out because it does not parse, and any name read after ``%run``/``%pylab``.
A name defined in a later cell than where it is read is mypy's ``used-before-def`` (DSQ103 says
it in notebook terms). Messages that cite a line of the generated file ("already defined on
line 57") cite ``cell N, line M`` instead.

mypy reads its configuration from ``cwd`` as usual (so a project's ``strict = true`` applies to
its notebooks too) and keeps its cache there. Cached modules are matched by module name, not by
path: from its cache, mypy replays a module's errors with the path of the earlier run's temporary
file. Should mypy stop at a blocking error in one generated file, that file's errors are reported
and mypy runs again without it; a crash or an invalid option raises :class:`ToolError`.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from dsquality.analysis.ipython import parse_cell
from dsquality.errors import ToolError
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.lint.external.mapping import (
    MagicNames,
    NotebookInput,
    load_notebooks,
    make_diagnostic,
    module_name,
    python_lines,
)
from dsquality.lint.external.process import MAX_COMMAND_CHARS, run_tool, tail

__all__ = ["IPYTHON_NAMES", "NOTEBOOK_DEFAULT_ARGS", "OUTPUT_ARGS", "run_mypy"]

log = logging.getLogger(__name__)

# How dsquality reads mypy's output: passed last, so ``args`` cannot change it.
OUTPUT_ARGS: tuple[str, ...] = (
    "--output=json",
    "--show-column-numbers",
    "--show-error-end",
    "--show-error-codes",
    "--show-absolute-path",
    "--no-error-summary",
    "--hide-error-context",
    "--no-color-output",
    "--no-pretty",
)
NOTEBOOK_DEFAULT_ARGS: tuple[str, ...] = (
    "--ignore-missing-imports",
    "--follow-imports=silent",
    "--allow-redefinition",
    "--disable-error-code=top-level-await",
)
# Names IPython puts in every notebook's namespace.
IPYTHON_NAMES = frozenset({"display", "get_ipython", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_oh", "_ih"})

_HEADER = ("import typing as _dsq_typing", "_dsq_any: _dsq_typing.Any")
_ANY = "_dsq_any"
_UNDEFINED = re.compile(r'^Name "([^"]+)" is not defined')
_LINE_REFERENCE = re.compile(r"\b(?P<on>on )?line (?P<line>\d+)\b")
_ASSIGNED_NONE = re.compile(r"^(?P<head>.*\S)\s*=\s*None\s*$")
_SEVERITY = {"error": Severity.ERROR, "note": Severity.INFO}


def run_mypy(
    paths: Sequence[Path],
    *,
    strict: bool = False,
    args: Sequence[str] = (),
    cwd: Path | None = None,
) -> list[Diagnostic]:
    """Type-check the code cells of ``paths`` (``.ipynb`` files) with one mypy run.

    ``strict`` adds ``--strict``; ``args`` are extra mypy options, after dsquality's notebook
    defaults. mypy runs in ``cwd`` (default: the current directory), where it finds its
    configuration and cache; relative ``paths`` are relative to the current directory. Each
    finding's ``path`` is the path as given. Unreadable notebooks are skipped.

    Raises:
        ToolError: mypy is not installed in this Python environment, or fails (a crash, an
            invalid option or configuration).
    """
    entries = load_notebooks(paths)
    if not entries:
        return []
    if importlib.util.find_spec("mypy") is None:
        raise ToolError(
            "mypy",
            f"is not installed in this Python environment ({sys.executable})",
            hint="Install it with 'pip install mypy', or skip mypy with --no-mypy.",
        )
    options = [*NOTEBOOK_DEFAULT_ARGS, *(["--strict"] if strict else []), *args, *OUTPUT_ARGS]
    diagnostics: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="dsq-mypy-") as tmp:
        modules: dict[str, _Module] = {}
        for entry in entries:
            module = _build_module(entry)
            if module is not None:
                name = module_name(entry.absolute)
                (Path(tmp) / f"{name}.py").write_text("\n".join(module.lines) + "\n", encoding="utf-8")
                modules[name] = module
        pending = list(modules)
        while pending:
            records, blocked = _run(
                options, [str(Path(tmp) / f"{name}.py") for name in pending], Path(tmp), cwd, modules
            )
            diagnostics.extend(_diagnostics(records, modules))
            pending = [name for name in pending if name not in blocked]
            if not blocked:
                break
    return diagnostics


# --- building one Python file per notebook --------------------------------------------------------


@dataclass(slots=True)
class _Module:
    """The generated file of one notebook and the map from its lines back to cells."""

    entry: NotebookInput
    lines: list[str] = field(default_factory=lambda: list(_HEADER))
    # origin[i] is (cell, line) for line i + 1 of the file, or None for lines dsquality wrote.
    origin: list[tuple[int, int] | None] = field(default_factory=lambda: [None] * len(_HEADER))
    shifts: dict[tuple[int, int], int] = field(default_factory=dict)
    magics: MagicNames = field(default_factory=MagicNames)
    unknowable: set[str] = field(default_factory=lambda: set(IPYTHON_NAMES))

    def location(self, line: int) -> tuple[int, int] | None:
        """``(cell, line)`` of a 1-based line of the file, or None for lines dsquality wrote."""
        return self.origin[line - 1] if 1 <= line <= len(self.origin) else None


def _build_module(entry: NotebookInput) -> _Module | None:
    module = _Module(entry)
    for cell in entry.notebook.cells:
        if not cell.is_code:
            continue
        parsed = parse_cell(cell.source)
        module.magics.add_cell(cell.index, parsed.python.magics)
        code = parsed.python.code
        if code is None:  # %%bash, %%writefile…: not Python
            continue
        if parsed.tree is None:  # does not parse: DSQ210's business; mypy would stop at it
            module.unknowable.update(_names_bound_by_text(cell.source))
            continue
        lines = python_lines(code)
        original = python_lines(cell.source)
        for magic in parsed.python.magics:  # x = !cmd, %%capture x  ->  x = _dsq_any, not None
            number = magic.line
            if 1 <= number <= min(len(lines), len(original)) and lines[number - 1] != original[number - 1]:
                match = _ASSIGNED_NONE.match(lines[number - 1])
                if match:
                    lines[number - 1] = f"{match['head']} = {_ANY}"
        for number, text in enumerate(lines, start=1):
            module.lines.append(text)
            module.origin.append((cell.index, number))
        for number, shift in parsed.python.column_shift.items():
            module.shifts[(cell.index, number)] = shift
    module.unknowable.update(module.magics.all_bound)
    return module if len(module.lines) > len(_HEADER) else None


_BINDING_PATTERNS = (
    re.compile(r"^\s*(?:async\s+)?def\s+(?P<names>[A-Za-z_]\w*)"),
    re.compile(r"^\s*class\s+(?P<names>[A-Za-z_]\w*)"),
    re.compile(r"^\s*import\s+(?P<imports>.+)"),
    re.compile(r"^\s*from\s+\S+\s+import\s+(?P<imports>.+)"),
    re.compile(r"^\s*for\s+(?P<names>[\w\s,()\[\]]+?)\s+in\s"),
    re.compile(r"\bas\s+(?P<names>[A-Za-z_]\w*)\s*[:,)]"),
    re.compile(r"^\s*(?P<names>[A-Za-z_][\w\s,()\[\]*]*?)\s*(?::[^=]*)?(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=)"),
)


def _names_bound_by_text(source: str) -> set[str]:
    """Names a cell that does not parse probably binds, read from its text line by line."""
    names: set[str] = set()
    for line in _logical_lines(source):
        for pattern in _BINDING_PATTERNS:
            match = pattern.search(line)
            if match is None:
                continue
            if "imports" in pattern.groupindex:
                for part in match["imports"].strip("()\\ ").split(","):
                    words = part.split()
                    if words:
                        names.add(words[-1] if len(words) >= 3 and words[-2] == "as" else words[0].split(".")[0])  # noqa: PLR2004
            else:
                names.update(re.findall(r"[A-Za-z_]\w*", match["names"]))
    return names


def _logical_lines(source: str) -> Iterable[str]:
    """Physical lines joined while brackets are open or a line ends with a backslash (roughly)."""
    pending = ""
    for line in python_lines(source):
        pending = f"{pending} {line.strip()}" if pending else line
        depth = sum(pending.count(c) for c in "([{") - sum(pending.count(c) for c in ")]}")
        if depth <= 0 and not pending.endswith("\\"):
            yield pending
            pending = ""
    if pending:
        yield pending


# --- running mypy and reading its output --------------------------------------------------------


def _run(
    options: Sequence[str],
    files: Sequence[str],
    tmp: Path,
    cwd: Path | None,
    modules: Mapping[str, _Module],
) -> tuple[list[dict[str, Any]], set[str]]:
    """Run mypy once; return its records and, if a blocking error stopped it, the files to drop."""
    argv = [sys.executable, "-m", "mypy", *options]
    if sum(len(arg) + 1 for arg in [*argv, *files]) > MAX_COMMAND_CHARS:
        listing = tmp / "files.txt"
        listing.write_text("\n".join(files) + "\n", encoding="utf-8")
        argv.append(f"@{listing}")
    else:
        argv += ["--", *files]
    result = run_tool("mypy", argv, cwd=cwd, ok_codes=(0, 1, 2), env={"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"})
    records = list(_records(result.stdout))
    if result.returncode != 2:  # noqa: PLR2004 - 0 clean, 1 findings, 2 crash or blocking error
        return records, set()
    crashed = any(marker in result.stderr for marker in ("Traceback (most recent call last)", "INTERNAL ERROR"))
    blocked = {
        name for record in records if (name := _module_of(record)) in modules and record.get("severity") == "error"
    }
    if crashed or not blocked:
        raise ToolError("mypy", f"exited with code 2: {tail(result.stderr or result.stdout)}", output=result.stderr)
    log.debug("mypy stopped at %d file(s); running it again without them", len(blocked))
    return [record for record in records if _module_of(record) in blocked], blocked


def _module_of(record: Mapping[str, Any]) -> str:
    """The module a record is about: its file's stem, unique per notebook.

    Not the full path: from its cache, mypy replays a module's errors with the path of the run
    that wrote the cache, i.e. an earlier temporary directory.
    """
    return PurePath(str(record["file"])).stem


def _records(stdout: str) -> Iterable[dict[str, Any]]:
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            log.debug("mypy printed a line that is not JSON: %s", line)
            continue
        if isinstance(record, dict) and isinstance(record.get("file"), str):
            yield record


def _diagnostics(records: Iterable[Mapping[str, Any]], modules: Mapping[str, _Module]) -> Iterable[Diagnostic]:
    for record in records:
        module = modules.get(_module_of(record))
        if module is None:
            log.debug("mypy reported a file that dsquality did not write: %s", record["file"])
            continue
        diagnostic = _diagnostic(module, record)
        if diagnostic is not None:
            yield diagnostic


def _diagnostic(module: _Module, record: Mapping[str, Any]) -> Diagnostic | None:
    raw_code = record.get("code")
    code = raw_code if isinstance(raw_code, str) and raw_code else "misc"
    message = _message(record)
    severity = _SEVERITY.get(str(record.get("severity")), Severity.WARNING)
    line = _integer(record.get("line"))
    if line is None or line < 1:  # about the whole file
        return make_diagnostic(
            module.entry,
            source="mypy",
            code=code,
            name=code,
            message=message,
            severity=severity,
            cell=None,
            line=None,
            column=None,
        )
    where = module.location(line)
    if where is None:  # a line dsquality wrote
        return None
    message = _LINE_REFERENCE.sub(lambda match: _cell_reference(module, match), message)
    cell, cell_line = where
    match = _UNDEFINED.match(message)
    if code == "name-defined" and match and _unknowable(module, match.group(1), cell, cell_line):
        return None
    shift = module.shifts.get(where, 0)
    column = _integer(record.get("column"))
    end = _integer(record.get("end_line"))
    end_where = module.location(end) if end is not None else None
    end_column = _integer(record.get("end_column"))
    if end_where is None or end_where[0] != cell or end_column is None or end_column < 0:
        end_where, end_column = None, None
    else:  # mypy's end column is 0-based exclusive; dsquality's (like ruff's) is 1-based exclusive
        end_column += 1 + module.shifts.get(end_where, 0)
    return make_diagnostic(
        module.entry,
        source="mypy",
        code=code,
        name=code,
        message=message,
        severity=severity,
        cell=cell,
        line=cell_line,
        column=column + 1 + shift if column is not None and column >= 0 else None,
        end_line=end_where[1] if end_where is not None else None,
        end_column=end_column,
    )


def _cell_reference(module: _Module, match: re.Match[str]) -> str:
    """``on line 57`` of the generated file as ``in cell 12, line 3`` of the notebook."""
    where = module.location(int(match["line"]))
    if where is None:
        return match.group(0)
    return f"{'in ' if match['on'] else ''}cell {where[0]}, line {where[1]}"


def _unknowable(module: _Module, name: str, cell: int, line: int) -> bool:
    return name in module.unknowable or module.magics.explains_undefined(name, cell, line)


def _message(record: Mapping[str, Any]) -> str:
    """The message on one line, followed by the notes mypy attached to it."""
    message = str(record.get("message") or "").strip()
    hint = record.get("hint")
    if not isinstance(hint, str) or not hint.strip():
        return message
    text = ""
    for part in (line.strip() for line in hint.splitlines()):
        if part:
            text += (" " if not text or text.endswith(":") else "; ") + part
    return f"{message} (note:{text})"


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
