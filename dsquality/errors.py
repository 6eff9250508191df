"""Every error dsquality raises, under one root class: :class:`DSQualityError`.

Each error keeps structured fields (sizes, path, cell, parameter, versions) as attributes, so
callers can react to them without parsing text, and each one pickles with those fields intact
(errors cross process boundaries in parallel lint and batch runs). The message says what was
wrong, where, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError",
    "DSQualityError",
    "DataSizeError",
    "FileWriteError",
    "GridError",
    "KernelStartError",
    "MissingDependencyError",
    "ModelFileError",
    "NoTrainDataError",
    "NotFittedError",
    "NotLatestVersionError",
    "NotebookExecutionError",
    "NotebookFormatError",
    "NotebookVersionError",
    "ParameterError",
    "ParameterProblem",
    "ProfileError",
    "PromotionError",
    "PromotionProblem",
    "PromotionTargetError",
    "RecordError",
    "TemplateError",
    "TemplateTargetExistsError",
    "ToolError",
]


def _rebuild(cls: type[DSQualityError], args: tuple[Any, ...]) -> DSQualityError:
    # Used by pickle: create the instance without calling __init__ (whose signature differs per
    # class); __setstate__ then restores the structured fields from the instance __dict__.
    return cls.__new__(cls, *args)


class DSQualityError(Exception):
    """Root of every error dsquality raises on purpose.

    ``str(error)`` is a complete message: what was wrong, where, and how to fix it. The CLI prints
    it on one line and exits with :attr:`exit_code`.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self._full_message())

    def _full_message(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    def __str__(self) -> str:
        return self._full_message()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args), self.__dict__)


def _where(path: Path | None, cell: int | None = None, line: int | None = None) -> str:
    """Location prefix in the one numbering dsquality uses: 1-based cell among all cells."""
    parts = [str(path)] if path is not None else []
    if cell is not None:
        parts.append(f"cell {cell}")
    if line is not None:
        parts.append(f"line {line}")
    return ":".join(parts)


# --- errors for notebook code: data and models -------------------------------------------------


class NotFittedError(DSQualityError, ValueError, AttributeError):
    """A model was used (``predict``, ``score``, ``save``…) before ``fit``.

    Also a :class:`ValueError` and :class:`AttributeError`, like scikit-learn's, so code that
    catches scikit-learn's error keeps working.
    """

    def __init__(self, model_name: str, *, method: str = "predict") -> None:
        self.model_name = model_name
        self.method = method
        super().__init__(
            f"This {model_name} instance is not fitted yet, so '{method}' cannot be used.",
            hint=f"Call 'fit' with training data before '{method}'.",
        )


class DataSizeError(DSQualityError, ValueError):
    """Data has the wrong number of rows, columns or dimensions.

    ``name`` names the data (``"labels"``), ``quantity`` what was counted (``"rows"``,
    ``"dimensions"``), ``expected`` and ``actual`` the two counts.
    """

    def __init__(
        self,
        name: str,
        *,
        quantity: str,
        expected: int | str,
        actual: int,
        hint: str | None = None,
    ) -> None:
        self.name = name
        self.quantity = quantity
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{name} has {actual} {quantity}, expected {expected}.",
            hint=hint,
        )


class NoTrainDataError(DSQualityError, ValueError):
    """There is no data to train on (zero rows, or a split that leaves one side empty)."""

    def __init__(self, name: str = "features", *, n_samples: int = 0, hint: str | None = None) -> None:
        self.name = name
        self.n_samples = n_samples
        super().__init__(
            f"No training data: {name} has {n_samples} rows.",
            hint=hint or "Pass at least one sample; check the filter or query that produced the data.",
        )


class NotLatestVersionError(DSQualityError):
    """A saved model was written by versions incompatible with the ones installed now.

    ``versions`` maps each mismatching component (``"scikit-learn"``, ``"model"``,
    ``"dsquality"``) to ``(saved, installed)``.
    """

    def __init__(self, path: Path, versions: Mapping[str, tuple[str, str]]) -> None:
        self.path = Path(path)
        self.versions = dict(versions)
        diffs = ", ".join(
            f"{name} {saved} (installed: {installed})" for name, (saved, installed) in sorted(self.versions.items())
        )
        super().__init__(
            f"{self.path}: model was saved with {diffs}.",
            hint="Re-train and save it with the installed versions, or load it with "
            "allow_version_mismatch=True if you accept the risk of wrong predictions.",
        )


class RecordError(DSQualityError, TypeError):
    """A value passed to :func:`dsquality.record` cannot be stored as JSON."""

    def __init__(self, name: str, type_name: str) -> None:
        self.name = name
        self.type_name = type_name
        super().__init__(
            f"record({name!r}, ...): a {type_name} value cannot be stored as JSON.",
            hint="Record a number, string, bool, None, list, dict or a small pandas DataFrame/Series.",
        )


# --- errors about input files: notebooks, configuration, parameters -----------------------------


class NotebookFormatError(DSQualityError):
    """A file is not a readable notebook: not JSON, not UTF-8, or not nbformat."""

    def __init__(self, path: Path | None, reason: str, *, cell: int | None = None, line: int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        self.cell = cell
        self.line = line
        where = _where(self.path, cell, line) or "<notebook>"
        super().__init__(
            f"{where}: not a valid notebook: {reason}.",
            hint="Fix the file (or restore it from version control); other notebooks are not affected.",
        )


class ConfigError(DSQualityError):
    """The ``[tool.dsquality]`` configuration is invalid."""

    def __init__(
        self,
        path: Path | None,
        key: str,
        reason: str,
        *,
        choices: Iterable[str] = (),
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.key = key
        self.reason = reason
        self.choices = tuple(choices)
        import difflib  # noqa: PLC0415 - only when a message is built; every command imports this module

        close = difflib.get_close_matches(key.rsplit(".", 1)[-1], self.choices, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else None
        if not hint and self.choices:
            hint = "Valid keys: " + ", ".join(self.choices) + "."
        where = f"{self.path} " if self.path else ""
        super().__init__(f"{where}[tool.dsquality] '{key}': {reason}.", hint=hint)


class FileWriteError(DSQualityError):
    """A file could not be written; the original file (if any) is left untouched."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(
            f"{self.path}: could not write the file: {reason}; the original was left untouched.",
            hint="Check that the directory is writable and the disk is not full, then run the command again.",
        )


@dataclass(frozen=True, slots=True)
class ParameterProblem:
    """One invalid notebook parameter: its name, what was expected, what was given, and why."""

    name: str
    reason: str
    expected: str | None = None
    given: str | None = None

    def describe(self) -> str:
        """One clause, e.g. ``alpha: expected float, got 'abc'``."""
        text = f"{self.name}: {self.reason}"
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", got {self.given})" if self.given is not None else ")"
        return text


class ParameterError(DSQualityError):
    """Parameters for a notebook run are invalid; all problems are reported together."""

    def __init__(self, notebook: Path | None, problems: Sequence[ParameterProblem]) -> None:
        self.notebook = Path(notebook) if notebook is not None else None
        self.problems = tuple(problems)
        where = f"{self.notebook}: " if self.notebook else ""
        count = len(self.problems)
        noun = "parameter" if count == 1 else "parameters"
        listed = "; ".join(problem.describe() for problem in self.problems)
        super().__init__(
            f"{where}{count} invalid {noun}: {listed}.",
            hint="Run 'dsq params NOTEBOOK' to see the names and types the notebook declares.",
        )


# --- errors from running notebooks --------------------------------------------------------------


class NotebookExecutionError(DSQualityError):
    """A cell raised while a notebook ran; the executed notebook was saved with the error.

    ``cell`` is 1-based among all cells of the *input* notebook, as ``dsq lint`` numbers them.
    A failed run is a finding, not a usage error, so the CLI exits 1.
    """

    exit_code = 1

    def __init__(
        self,
        notebook: Path,
        *,
        cell: int | None,
        ename: str,
        evalue: str,
        output: Path | None = None,
    ) -> None:
        self.notebook = Path(notebook)
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        self.output = Path(output) if output is not None else None
        where = _where(self.notebook, cell)
        saved = f" The executed notebook with the traceback is at {self.output}." if self.output else ""
        super().__init__(
            f"{where}: {ename}: {evalue}".rstrip(": ") + "." + saved,
            hint="Fix the cell and run the notebook again.",
        )


# --- errors from loading saved models ----------------------------------------------------------


class ModelFileError(DSQualityError):
    """A file cannot be loaded as a dsquality model: not a model file, damaged, or of another class.

    Raised by ``ModelInterface.load`` *before* unpickling whenever the magic line or the header
    is wrong, so a file that is not a dsquality model is never unpickled.
    """

    def __init__(self, path: Path, reason: str, *, hint: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(
            f"{self.path}: cannot load a dsquality model: {reason}.",
            hint=hint or "Load only files written by model.save(path); if the file was copied, check the copy.",
        )


# --- errors from external tools ----------------------------------------------------------------


class ToolError(DSQualityError):
    """An external tool (ruff, mypy) is not installed, or failed without producing results.

    ``tool`` names it, ``reason`` says what happened (one line), ``output`` keeps what the tool
    printed on stderr, for logs and bug reports.
    """

    def __init__(self, tool: str, reason: str, *, output: str = "", hint: str | None = None) -> None:
        self.tool = tool
        self.reason = " ".join(reason.split())
        self.output = output
        super().__init__(
            f"{tool}: {self.reason}.",
            hint=hint or f"Check that '{tool} --version' works in this environment, or skip {tool} with --no-{tool}.",
        )


class NotebookVersionError(DSQualityError):
    """Cleaning would have had to convert an nbformat 3 notebook to nbformat 4, so it was not written."""

    exit_code = 1

    def __init__(self, path: Path, version: int) -> None:
        self.path = Path(path)
        self.version = version
        super().__init__(
            f"{self.path}: nbformat {version} notebook left untouched: writing it cleaned would convert it to "
            "nbformat 4.",
            hint=f"Convert it first (`jupyter nbconvert --to notebook --inplace '{self.path}'`, or open and save it "
            "in Jupyter), review the result, then clean it.",
        )


# --- errors from profiling models (`dsq profile`) ------------------------------------------------


class ProfileError(DSQualityError, ValueError):
    """Input to ``dsq profile`` / ``profile_model`` is invalid, or the model failed while being measured.

    ``subject`` names what was wrong (``"--sizes"``, ``"model 'sklearn.svm:SVC'"``, a data file),
    ``reason`` says why.
    """

    def __init__(self, subject: str, reason: str, *, hint: str | None = None) -> None:
        self.subject = subject
        self.reason = reason
        super().__init__(
            f"{subject}: {reason}.",
            hint=hint or "Run 'dsq profile --help' for the accepted values.",
        )


class MissingDependencyError(DSQualityError, ImportError):
    """An optional package a feature needs is not installed (matplotlib for plots, pyarrow for Parquet).

    Also an :class:`ImportError`. ``extra`` names the dsquality extra that installs it, if any.
    """

    def __init__(self, package: str, *, feature: str, extra: str | None = None) -> None:
        self.package = package
        self.feature = feature
        self.extra = extra
        install = f"pip install 'dsquality[{extra}]'" if extra else f"pip install {package}"
        super().__init__(
            f"{feature} needs the '{package}' package, which is not installed.",
            hint=f"Install it with `{install}` and run the command again.",
        )


# --- errors from promoting notebook cells (`dsq promote`) -----------------------------------------


@dataclass(frozen=True, slots=True)
class PromotionProblem:
    """One reason a notebook cannot be promoted, at a cell and line (1-based, cell among all cells).

    ``names`` lists the offending names (empty when the problem is not about names); ``kind``
    says which check found it (``hidden-state``, ``import-time-work``, ``test-state``,
    ``unsupported``, ``ruff``, ``mypy``).
    """

    notebook: Path
    message: str
    cell: int | None = None
    line: int | None = None
    column: int | None = None
    names: tuple[str, ...] = ()
    kind: str = "promotion"

    def describe(self, *, with_notebook: bool = True) -> str:
        """``nb.ipynb:cell 4:line 2: message`` (without the notebook: ``cell 4:line 2: message``)."""
        where = _where(self.notebook if with_notebook else None, self.cell, self.line)
        return f"{where}: {self.message}" if where else self.message


class PromotionError(DSQualityError):
    """A notebook cannot be promoted (or its promoted files fail ruff or mypy); nothing was written.

    ``problems`` lists every problem found, each mapped to a cell and line of the notebook. A
    finding, not a usage error: the CLI exits 1.
    """

    exit_code = 1

    def __init__(self, notebook: Path, problems: Sequence[PromotionProblem]) -> None:
        self.notebook = Path(notebook)
        self.problems = tuple(problems)
        count = len(self.problems)
        listed = "; ".join(problem.describe(with_notebook=False) for problem in self.problems)
        super().__init__(
            f"{self.notebook}: cannot promote, {count} problem{'s' if count != 1 else ''}: {listed}.",
            hint="Fix the cells named in the notebook and run `dsq promote` again; nothing was written.",
        )


class PromotionTargetError(DSQualityError):
    """Where to promote a notebook is unknown, invalid or unsafe (e.g. a file not generated by dsq promote).

    ``path`` is the notebook or file concerned, ``reason`` says what is wrong. A usage error: exit 2.
    """

    def __init__(self, path: Path | None, reason: str, *, hint: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(
            f"{where}{reason}.",
            hint=hint
            or "Name the module with `dsq promote NOTEBOOK --module path/to/module.py` (remembered in the "
            "notebook), or map the notebook in [tool.dsquality.promote] of pyproject.toml.",
        )


# --- errors from batch runs (`dsq batch`) ----------------------------------------------------------


class GridError(DSQualityError):
    """A grid file for ``dsq batch`` cannot be read or is not of the grid format; no run was started.

    ``path`` is the grid file (``None`` for a grid given as text), ``reason`` says what is wrong.
    A usage error: exit 2. Parameter values are checked separately, as a :class:`ParameterError`.
    """

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(
            f"{where}not a valid grid: {reason}.",
            hint="A grid is a YAML mapping of parameter names to lists of values (every combination runs), "
            "and/or `runs:` with a list of mappings (one run each); see `dsq batch --help`.",
        )


# --- errors from notebook templates (`dsq new`, the Jupyter extension) ----------------------------


class TemplateError(DSQualityError):
    """A notebook template is unknown or unusable, or the path to create a notebook at is invalid.

    ``name`` is the template (or ``None`` when only the path is at fault), ``reason`` says what is
    wrong; ``choices`` lists the known templates, for a typo. A usage error: exit 2.
    """

    def __init__(self, name: str | None, reason: str, *, choices: Iterable[str] = (), hint: str | None = None) -> None:
        self.name = name
        self.reason = reason
        self.choices = tuple(choices)
        import difflib  # noqa: PLC0415 - only when a message is built

        close = difflib.get_close_matches(name, self.choices, n=1) if name else []
        if hint is None:
            hint = f"Did you mean '{close[0]}'?" if close else "Run 'dsq new --list' to see the available templates."
        where = f"template '{name}': " if name else ""
        super().__init__(f"{where}{reason}.", hint=hint)


class TemplateTargetExistsError(DSQualityError):
    """A notebook was to be created from a template where a file already exists; nothing was written.

    ``path`` is the existing file.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path}: already exists; a template never overwrites a file.",
            hint="Choose another path, or move the existing file away first.",
        )


class KernelStartError(DSQualityError):
    """Kernels cannot be started the way that was asked (forked from a template, with a memory limit).

    ``reason`` says what failed (fork not available, a ``--preload`` module that does not import or
    starts a thread); nothing ran. A usage error: exit 2.
    """

    def __init__(self, reason: str, *, hint: str | None = None) -> None:
        self.reason = reason
        super().__init__(f"{reason}.", hint=hint)
