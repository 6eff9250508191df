"""Where a notebook is promoted to: the module file, the tests file, and the module's import name.

The module comes from, in order:

1. ``dsq promote NB --module pkg/mod.py`` (and ``--tests``), remembered in the notebook's metadata
   as ``{"dsquality": {"promote": {"module": "pkg/mod.py", "tests": "..."}}}``;
2. the remembered metadata;
3. ``[tool.dsquality.promote]`` in pyproject.toml::

       [tool.dsquality.promote]
       tests-dir = "tests"          # default folder of generated tests: <tests-dir>/test_<module>.py

       [tool.dsquality.promote.notebooks]
       "notebooks/features.ipynb" = "pkg/features.py"                       # module only
       "notebooks/clean.ipynb" = { module = "pkg/clean.py", tests = "tests/test_clean.py" }

When the metadata (or ``--module``) and the configuration name different files, that is an error,
not a silent choice. Every path is stored and compared relative to the project root (the folder of
pyproject.toml, else the notebook's folder), in POSIX form, so it does not depend on the current
directory. Tests go to ``<tests-dir>/test_<module name>.py`` unless ``--tests`` or the
configuration says otherwise.

The import name used by the generated tests follows the module's packages: ``pkg/sub/mod.py`` with
``pkg/__init__.py`` and ``pkg/sub/__init__.py`` is ``pkg.sub.mod``; a module outside a package is
named after its path from the root (a namespace package), without a leading ``src/``.
"""

from __future__ import annotations

import copy
import keyword
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from dsquality.config import Config
from dsquality.errors import ConfigError, PromotionTargetError
from dsquality.notebook import Notebook

__all__ = [
    "METADATA_KEY",
    "PromoteSettings",
    "Targets",
    "import_name",
    "remembered_metadata",
    "resolve_targets",
]

METADATA_KEY = "dsquality"
_PROMOTE_KEY = "promote"
_SETTINGS_KEYS = ("tests-dir", "notebooks")
_TARGET_KEYS = ("module", "tests")


@dataclass(frozen=True, slots=True)
class _Paths:
    """A module path and an optional tests path, both relative to the project root (POSIX)."""

    module: str | None = None
    tests: str | None = None


@dataclass(frozen=True, slots=True)
class PromoteSettings:
    """The validated ``[tool.dsquality.promote]`` table."""

    tests_dir: str = "tests"
    notebooks: Mapping[str, _Paths] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> PromoteSettings:
        """Validate ``config.promote``.

        Raises:
            ConfigError: an unknown key, or a value of the wrong type.
        """
        table = config.promote
        for key in table:
            if key not in _SETTINGS_KEYS:
                raise ConfigError(config.path, f"promote.{key}", "unknown key", choices=_SETTINGS_KEYS)
        tests_dir = table.get("tests-dir", "tests")
        if not isinstance(tests_dir, str) or not tests_dir:
            raise ConfigError(config.path, "promote.tests-dir", f"must be a folder name, not {tests_dir!r}")
        notebooks = table.get("notebooks", {})
        if not isinstance(notebooks, dict):
            raise ConfigError(config.path, "promote.notebooks", "must be a table of notebook = module")
        mapped: dict[str, _Paths] = {}
        for notebook, given in notebooks.items():
            key = f"promote.notebooks.{notebook}"
            value = {"module": given} if isinstance(given, str) else given
            if not isinstance(value, dict):
                raise ConfigError(config.path, key, f"must be a module path or a table, not {value!r}")
            for name, path in value.items():
                if name not in _TARGET_KEYS:
                    raise ConfigError(config.path, f"{key}.{name}", "unknown key", choices=_TARGET_KEYS)
                if not isinstance(path, str) or not path.endswith(".py"):
                    raise ConfigError(config.path, f"{key}.{name}", f"must be the path of a .py file, not {path!r}")
            if "module" not in value:
                raise ConfigError(config.path, f"{key}.module", "is missing")
            tests = _posix(value["tests"]) if "tests" in value else None
            mapped[_posix(notebook)] = _Paths(_posix(value["module"]), tests)
        return cls(tests_dir=_posix(tests_dir), notebooks=mapped)


@dataclass(frozen=True, slots=True)
class Targets:
    """Where one notebook's module and tests go.

    ``module`` and ``tests`` are absolute; ``module_key``/``tests_key`` are the same paths relative
    to ``root`` (POSIX), as stored in metadata and shown in headers; ``import_name`` is the dotted
    name the tests import the module by; ``remember`` is the notebook metadata to write, when the
    command line named a target the notebook does not remember yet.
    """

    root: Path
    module: Path
    tests: Path
    module_key: str
    tests_key: str
    import_name: str
    remember: dict[str, str] | None = None


def resolve_targets(
    notebook: Notebook,
    config: Config,
    *,
    module: Path | None = None,
    tests: Path | None = None,
) -> Targets | None:
    """Where ``notebook`` is promoted to, or None when nothing names a module for it.

    ``module`` and ``tests`` are command-line paths, relative to the current directory.

    Raises:
        PromotionTargetError: the sources disagree, a path is not a ``.py`` file, or the module
            cannot be imported under its path.
        ConfigError: ``[tool.dsquality.promote]`` is invalid.
    """
    settings = PromoteSettings.from_config(config)
    root = config.root.resolve()
    configured = settings.notebooks.get(config.relative(notebook.path), _Paths())
    stored = remembered_metadata(notebook)
    given = _Paths(
        _relative(module, root) if module is not None else None,
        _relative(tests, root) if tests is not None else None,
    )
    chosen: dict[str, str] = {}
    for name in _TARGET_KEYS:
        command_line, metadata, config_value = getattr(given, name), stored.get(name), getattr(configured, name)
        if config_value is not None and (command_line or metadata or config_value) != config_value:
            source = f"--{name}" if command_line else "the notebook's metadata"
            raise PromotionTargetError(
                notebook.path,
                f"{source} says the {name} is '{command_line or metadata}', but [tool.dsquality.promote] in "
                f"{config.path} says '{config_value}'",
                hint="Make them agree: change the configuration, or promote with the configured path.",
            )
        value = command_line or metadata or config_value
        if value is not None:
            chosen[name] = value
    if "module" not in chosen:
        if given.tests is not None:
            raise PromotionTargetError(notebook.path, "--tests was given, but no module to promote to")
        return None
    module_key = chosen["module"]
    tests_key = chosen.get("tests") or f"{settings.tests_dir}/test_{PurePosixPath(module_key).stem}.py"
    for key in (module_key, tests_key):
        if not key.endswith(".py"):
            raise PromotionTargetError(notebook.path, f"'{key}' is not the path of a .py file")
    if module_key == tests_key:
        raise PromotionTargetError(notebook.path, f"the module and the tests would both be written to '{module_key}'")
    module_path = root / module_key
    remember = {name: value for name in _TARGET_KEYS if (value := getattr(given, name) or stored.get(name))}
    return Targets(
        root=root,
        module=module_path,
        tests=root / tests_key,
        module_key=module_key,
        tests_key=tests_key,
        import_name=import_name(module_path, root),
        remember=remember if (given.module or given.tests) and remember != stored else None,
    )


def remembered_metadata(notebook: Notebook) -> dict[str, str]:
    """The targets the notebook remembers (``metadata.dsquality.promote``), validated.

    Raises:
        PromotionTargetError: the metadata is there but is not a table of paths.
    """
    section = notebook.metadata.get(METADATA_KEY, {})
    promote = section.get(_PROMOTE_KEY, {}) if isinstance(section, dict) else None
    if not isinstance(promote, dict) or not all(
        key in _TARGET_KEYS and isinstance(value, str) for key, value in promote.items()
    ):
        raise PromotionTargetError(
            notebook.path,
            f"the notebook metadata '{METADATA_KEY}.{_PROMOTE_KEY}' is not a table of 'module' and 'tests' paths",
            hint="Promote it again with --module (and --tests) to rewrite it, or remove that metadata.",
        )
    return {key: _posix(value) for key, value in promote.items()}


def with_remembered(notebook: Notebook, remember: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the notebook's data whose metadata remembers ``remember``.

    A new key goes where nbformat would put it when the metadata keys are sorted (as nbformat and
    Jupyter write them), so saving the notebook in Jupyter later does not move it. Metadata that is
    not an object (``null``, a list: an invalid notebook) is left as it is, and nothing remembered.
    """
    data = copy.deepcopy(notebook.data)
    metadata = data.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        return data
    was_sorted = list(metadata) == sorted(metadata)
    section = metadata.get(METADATA_KEY)
    if not isinstance(section, dict):
        section = metadata[METADATA_KEY] = {}
    section[_PROMOTE_KEY] = dict(sorted(remember.items()))
    if was_sorted:
        data["metadata"] = dict(sorted(metadata.items()))
    return data


def import_name(module: Path, root: Path) -> str:
    """The dotted name ``module`` (a ``.py`` file under ``root``) is imported by.

    Raises:
        PromotionTargetError: a part of the name is not a Python identifier.
    """
    parts = [module.stem]
    directory = module.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    if len(parts) == 1 and directory != root:  # not in a package: a namespace package from the root
        try:
            folders = list(directory.relative_to(root).parts)
        except ValueError:
            folders = []
        if folders[:1] == ["src"]:
            folders = folders[1:]
        parts.extend(reversed(folders))
    dotted = ".".join(reversed(parts))
    for part in parts:
        if not part.isidentifier() or keyword.iskeyword(part):
            raise PromotionTargetError(
                module,
                f"cannot be imported as '{dotted}': '{part}' is not a valid Python name",
                hint="Use folder and file names made of letters, digits and underscores.",
            )
    return dotted


def _relative(path: Path, root: Path) -> str:
    """``path`` (relative to the current directory) relative to ``root``, POSIX style."""
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def _posix(path: str) -> str:
    """A configured path in normal POSIX form (``./a//b.py`` is ``a/b.py``)."""
    return PurePosixPath(path.replace("\\", "/")).as_posix()
