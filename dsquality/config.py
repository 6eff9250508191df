"""``[tool.dsquality]`` in pyproject.toml, validated into a frozen :class:`Config`.

Unknown keys and wrongly typed values are rejected with a :class:`~dsquality.errors.ConfigError`
that names the file, the key and, for a typo, the closest valid key. Example::

    [tool.dsquality]
    select = ["DSQ"]              # rule codes or prefixes; "ALL" for every rule
    extend-select = ["DSQ208"]
    ignore = ["DSQ401"]
    exclude = ["archive/**"]
    runnable = ["notebooks/*.ipynb"]
    max-cell-lines = 40           # a rule option (see `dsq rules`)

    [tool.dsquality.per-file-ignores]
    "legacy/*.ipynb" = ["DSQ101", "DSQ102"]

    [tool.dsquality.promote]        # validated by dsquality.promote.targets when promote runs
    tests-dir = "tests"             # generated tests go to <tests-dir>/test_<module>.py
    [tool.dsquality.promote.notebooks]
    "notebooks/features.ipynb" = "pkg/features.py"
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsquality.errors import ConfigError

__all__ = ["Config", "find_pyproject", "load_config", "matches_glob"]

_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude", "runnable", "template-dirs")
_BOOL_KEYS = ("ruff", "mypy")
_TABLE_KEYS = ("per-file-ignores", "promote", "clean")
_CLEAN_KEYS = ("keep-output-tag", "keep-metadata")

DEFAULT_EXCLUDE = (".git", ".venv", "venv", "node_modules", ".ipynb_checkpoints", ".dsq", "build", "dist", ".tox")


@dataclass(frozen=True, slots=True)
class Config:
    """The validated ``[tool.dsquality]`` table (defaults when there is none)."""

    root: Path = field(default_factory=Path.cwd)
    path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    runnable: tuple[str, ...] = ()
    ruff: bool = True
    mypy: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    template_dirs: tuple[Path, ...] = ()
    promote: Mapping[str, Any] = field(default_factory=dict)
    keep_output_tag: str = "keep-output"
    keep_metadata: tuple[str, ...] = ()

    def relative(self, path: Path, *, resolved: Path | None = None) -> str:
        """``path`` relative to the project root, POSIX style (for globs and reports).

        ``resolved`` is ``path.resolve()`` when the caller already has it.
        """
        try:
            return (resolved or path.resolve()).relative_to(_resolved(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def is_runnable(self, path: Path) -> bool:
        """Whether a ``runnable`` glob matches ``path``."""
        if not self.runnable:  # resolving the path is not free, and this is asked for every notebook
            return False
        relative = self.relative(path)
        return any(matches_glob(relative, pattern) for pattern in self.runnable)

    def is_excluded(self, path: Path, *, resolved: Path | None = None) -> bool:
        """Whether an ``exclude`` glob or a default excluded folder matches ``path``.

        ``resolved`` is ``path.resolve()`` when the caller already has it.
        """
        relative = self.relative(path, resolved=resolved)
        if any(part in self.exclude for part in relative.split("/")):
            return True
        return any(matches_glob(relative, pattern) for pattern in _globs(self.exclude))

    def ignored_codes(self, path: Path) -> tuple[str, ...]:
        """Codes ignored for ``path``: ``ignore`` plus matching ``per-file-ignores``."""
        relative = self.relative(path)
        extra = [
            code
            for pattern, codes in self.per_file_ignores.items()
            if matches_glob(relative, pattern)
            for code in codes
        ]
        return (*self.ignore, *extra)

    def fingerprint(self) -> str:
        """A hash of everything that changes lint results (for the cache)."""
        payload = json.dumps(
            [
                self.select,
                self.extend_select,
                self.ignore,
                sorted(self.per_file_ignores.items()),
                self.runnable,
                self.ruff,
                self.mypy,
                sorted(self.options.items()),
                self.keep_output_tag,
                self.keep_metadata,
            ],
            default=str,
        )
        import hashlib  # noqa: PLC0415 - only with a cache; OpenSSL's module takes ms to import

        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def matches_glob(relative: str, pattern: str) -> bool:
    """Glob match on a POSIX relative path; a pattern without ``/`` also matches the file name."""
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    if pattern.endswith("/**") and (relative + "/").startswith(pattern[:-2]):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(relative.rpartition("/")[2], pattern)


def _is_glob(pattern: str) -> bool:
    """Whether ``pattern`` can match more than the folder or file name it spells (then a part test decides)."""
    return "/" in pattern or any(char in pattern for char in "*?[")


@functools.lru_cache(maxsize=16)
def _globs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The patterns :func:`_is_glob` accepts (asked for every notebook found, so remembered)."""
    return tuple(pattern for pattern in patterns if _is_glob(pattern))


@functools.lru_cache(maxsize=16)
def _resolved_absolute(root: Path) -> Path:
    return root.resolve()


def _resolved(root: Path) -> Path:
    """``root.resolve()``, remembered for absolute roots (every notebook's path is made relative to it)."""
    return _resolved_absolute(root) if root.is_absolute() else root.resolve()


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.dsquality]`` table.

    Without such a table anywhere, the nearest ``pyproject.toml`` (it still marks the root).
    """
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    nearest: Path | None = None
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file():
            import tomllib  # noqa: PLC0415 - only with a pyproject.toml: a few ms of every start otherwise

            nearest = nearest or candidate
            try:
                if "dsquality" in tomllib.loads(candidate.read_text(encoding="utf-8")).get("tool", {}):
                    return candidate
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return candidate  # reported properly by load_config
    return nearest


def load_config(start: Path | None = None, *, rule_options: Mapping[str, Any] | None = None) -> Config:
    """Load and validate the configuration that applies at ``start`` (default: the cwd).

    ``rule_options`` maps every rule option to its default; config values must have the same
    type (an int where the default is a float is accepted).

    Raises:
        ConfigError: the file cannot be parsed, or a key is unknown or has the wrong type.
    """
    if rule_options is None:
        from dsquality.lint.registry import default_options  # noqa: PLC0415 - avoids an import cycle

        rule_options = default_options()
    base = (start or Path.cwd()).resolve()
    if not base.is_dir():  # a notebook path: its folder is where the search starts
        base = base.parent
    pyproject = find_pyproject(base)
    if pyproject is None:
        return Config(root=base, options=dict(rule_options))
    import tomllib  # noqa: PLC0415 - see find_pyproject

    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(pyproject, "<file>", f"cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(pyproject, "<file>", f"is not valid TOML: {exc}") from exc
    table = document.get("tool", {}).get("dsquality", {})
    if not isinstance(table, dict):
        raise ConfigError(pyproject, "tool.dsquality", "must be a table")
    return _from_table(table, pyproject, rule_options)


def _from_table(table: Mapping[str, Any], pyproject: Path, rule_options: Mapping[str, Any]) -> Config:
    known = (*_LIST_KEYS, *_BOOL_KEYS, *_TABLE_KEYS, *rule_options)
    for key in table:
        if key not in known:
            raise ConfigError(pyproject, key, "unknown key", choices=sorted(known))
    lists = {key: _string_list(pyproject, key, table[key]) for key in _LIST_KEYS if key in table}
    for key in _BOOL_KEYS:
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(pyproject, key, f"must be true or false, not {table[key]!r}")
    options = dict(rule_options)
    for key, default in rule_options.items():
        if key in table:
            options[key] = _option_value(pyproject, key, table[key], default)
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(pyproject, "per-file-ignores", "must be a table of glob = [codes]")
    clean = table.get("clean", {})
    if not isinstance(clean, dict):
        raise ConfigError(pyproject, "clean", "must be a table")
    for key in clean:
        if key not in _CLEAN_KEYS:
            raise ConfigError(pyproject, f"clean.{key}", "unknown key", choices=_CLEAN_KEYS)
    promote = table.get("promote", {})
    if not isinstance(promote, dict):
        raise ConfigError(pyproject, "promote", "must be a table")
    root = pyproject.parent.resolve()
    keep_output_tag = clean.get("keep-output-tag", "keep-output")
    if not isinstance(keep_output_tag, str):
        raise ConfigError(pyproject, "clean.keep-output-tag", "must be a string")
    return Config(
        root=root,
        path=pyproject,
        select=lists.get("select"),
        extend_select=lists.get("extend-select", ()),
        ignore=lists.get("ignore", ()),
        per_file_ignores={
            pattern: _string_list(pyproject, f"per-file-ignores.{pattern}", codes)
            for pattern, codes in per_file.items()
        },
        exclude=(*lists.get("exclude", DEFAULT_EXCLUDE), *lists.get("extend-exclude", ())),
        runnable=lists.get("runnable", ()),
        ruff=table.get("ruff", True),
        mypy=table.get("mypy", True),
        options=options,
        template_dirs=tuple(root / directory for directory in lists.get("template-dirs", ())),
        promote=dict(promote),
        keep_output_tag=keep_output_tag,
        keep_metadata=_string_list(pyproject, "clean.keep-metadata", clean.get("keep-metadata", [])),
    )


def _string_list(pyproject: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(item, str) for item in value):
        raise ConfigError(pyproject, key, f"must be a list of strings, not {value!r}")
    return tuple(value)


def _option_value(pyproject: Path, key: str, value: object, default: object) -> object:
    if isinstance(default, bool):
        valid = isinstance(value, bool)
    elif isinstance(default, float):
        valid = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if valid else value  # type: ignore[arg-type]
    elif isinstance(default, int):
        valid = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list | tuple):
        valid = isinstance(value, list) and all(isinstance(item, str) for item in value)
    else:
        valid = isinstance(value, type(default))
    if not valid:
        expected = type(default).__name__
        raise ConfigError(pyproject, key, f"must be a {expected} (like the default {default!r}), not {value!r}")
    return value
