"""Reproducibility rules on the notebook's environment: DSQ107, DSQ108 and DSQ109."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from dsquality.analysis.model import NotebookModel
from dsquality.lint import dependencies
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex
from dsquality.lint.rules.reproducibility._common import _column, _indent_column, _quote

# --- DSQ107 -----------------------------------------------------------------------------------

_INSTALL = lazy_regex(
    r"""^\s*(?:sudo\s+(?:-\S+\s+)*)?
    (?:
        \S+\s+(?:-\S+\s+)*-m\s+pip        # python -m pip, {sys.executable} -m pip
      | pip[\d.]*                        # pip, pip3, pip3.11
      | uv\s+pip
      | conda | mamba | micromamba
    )
    \s+(?:-\S+\s+)*install\b(?P<arguments>.*)$""",
    re.VERBOSE,
)
_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
_NOT_DEPENDENCIES = frozenset({"pip", "setuptools", "wheel", "uv"})


def _installs_packages(arguments: str) -> bool:
    """False for installs of requirement files or the project itself (``-r …``, ``-e .``) and of pip."""
    tokens = arguments.split()
    if any(token in {"-r", "--requirement"} or token.startswith(("-r", "--requirement=")) for token in tokens):
        return False
    packages = [token for token in tokens if not token.startswith("-")]
    local = [token for token in packages if token.startswith((".", "/", "~")) or token.endswith((".whl", ".tar.gz"))]
    return any(
        token not in local and token.strip("'\"").lower() not in _NOT_DEPENDENCIES and not token.startswith("$")
        for token in packages
    )


class InstallInNotebook(Rule):
    """A cell installs packages (`!pip install`, `%pip install`, `!conda install`…).

    ## What it does
    Reports `pip`, `python -m pip`, `uv pip`, `conda`, `mamba` and `micromamba` installs run from
    the notebook, as `!` shell lines, `%pip`/`%conda` magics, or in `%%bash` cells. Installs of
    requirement files (`-r requirements.txt`) or of the project itself (`-e .`) are fine.

    ## Why is this bad?
    The dependencies are declared nowhere a tool can read them, they change the environment of
    whoever runs the notebook, and usually without a pinned version, so two runs a month apart
    use different library versions.

    ## Example
    ```python
    %pip install xgboost
    import xgboost
    ```

    ## How to fix
    Declare the package in the project's dependencies (`requirements.txt`, `pyproject.toml` or
    `environment.yml`), install the environment before starting Jupyter, and delete the line:
    ```python
    # requirements.txt: xgboost==2.1.1
    import xgboost
    ```
    """

    code = "DSQ107"
    name = "install-in-notebook"
    summary = "A cell installs packages (!pip install, %pip install, !conda install)"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report install commands in magics, shell lines and shell cells."""
        for code in model.code_cells:
            magics = code.magics
            if not magics:
                continue
            if magics[0].kind == "cell" and magics[0].name in _SHELL_CELL_MAGICS:
                lines = list(enumerate(code.cell.lines, start=1))[magics[0].line :]
                commands = [(number, text) for number, text in lines if "install" in text]
            else:
                commands = [
                    (magic.line, magic.text.lstrip("!%"))
                    for magic in magics
                    if magic.kind in {"shell", "line"} and "install" in magic.text
                ]
            for line, command in commands:
                match = _INSTALL().match(command)
                if match is None or not _installs_packages(match["arguments"]):
                    continue
                yield Finding(
                    f"`{_quote(command, 60)}` installs packages from inside the notebook: declare them in the "
                    "project's dependencies (requirements.txt, pyproject.toml, environment.yml) and install "
                    "the environment before running",
                    cell=code.index,
                    line=line,
                    column=_indent_column(code, line),
                )


# --- DSQ108 -----------------------------------------------------------------------------------

_SYS_PATH_CALLS = frozenset({"sys.path.append", "sys.path.insert", "site.addsitedir"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names)


def _guarded(tree: ast.Module | None, line: int) -> bool:
    """True when the import at ``line`` sits in a ``try`` whose handler catches ImportError."""
    statements: list[ast.stmt] = list(tree.body) if tree is not None else []
    while statements:  # statements only: expressions cannot hold a try
        node = statements.pop()
        if not node.lineno <= line <= (node.end_lineno or node.lineno):
            continue
        if (
            isinstance(node, ast.Try | ast.TryStar)
            and node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.lineno)
            and any(_catches_import_error(handler) for handler in node.handlers)
        ):
            return True
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, ()):
                statements.extend(child.body if isinstance(child, ast.ExceptHandler | ast.match_case) else [child])
    return False


class _LocalModules(NamedTuple):
    """Where the notebook's own modules may come from."""

    directories: tuple[Path, ...]
    written: frozenset[str]  # modules the notebook writes itself (``%%writefile helpers.py``)
    unknown: bool  # the notebook extends ``sys.path`` with something we cannot read

    def has(self, top: str) -> bool:
        return top in self.written or any(
            (directory / f"{top}.py").is_file() or (directory / top).is_dir() for directory in self.directories
        )


def _local_modules(model: NotebookModel, context: LintContext) -> _LocalModules:
    notebook_dir = model.notebook.path.parent
    directories = [notebook_dir]
    if context.project_root is not None:
        directories += [context.project_root, context.project_root / "src"]
    written: set[str] = set()
    unknown = False
    for code in model.code_cells:
        for call in code.facts.calls:
            if call.func in _SYS_PATH_CALLS:
                argument = call.node.args[-1] if call.node.args else None
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    directories.append(notebook_dir / Path(argument.value).expanduser())
                else:
                    unknown = True
        for magic in code.magics:
            if magic.kind == "cell" and magic.name in {"writefile", "file"}:
                target = magic.text.split()[-1] if len(magic.text.split()) > 1 else ""
                if target.endswith(".py"):
                    written.add(Path(target).stem)
    return _LocalModules(tuple(directories), frozenset(written), unknown)


@functools.lru_cache(maxsize=16)
def _dependency_file_names(root: Path, stamp: tuple[tuple[str, int], ...]) -> str:  # noqa: ARG001 - cache key
    declared = dependencies.read_dependencies(root)
    names = []
    for path in declared.files if declared is not None else ():
        try:
            names.append(path.relative_to(root).as_posix())
        except ValueError:  # a file included from outside the project
            names.append(path.as_posix())
    return ", ".join(names) or "the project's dependency files"


def _files_read(root: Path | None) -> str:
    """The dependency files the declared names come from, for messages (read again only when they change)."""
    if root is None:
        return "the project's dependency files"
    try:
        stamp = tuple((path.name, path.stat().st_mtime_ns) for path in dependencies.dependency_files(root))
    except OSError:
        return "the project's dependency files"
    return _dependency_file_names(root, stamp)


class UndeclaredDependency(Rule):
    """An imported third-party module is not declared in the project's dependency files.

    ## What it does
    When the project has dependency files (`pyproject.toml`, `requirements*.txt`,
    `environment.yml`, `setup.cfg`, `Pipfile`), reports the first import of each third-party
    module that none of them declares. Import names are mapped to distribution names
    (`sklearn` is `scikit-learn`, `cv2` is `opencv-python`…). The standard library, IPython,
    modules next to the notebook or in the project, relative imports and imports guarded by
    `try`/`except ImportError` are not reported. Without dependency files the rule is silent.

    ## Why is this bad?
    Whoever installs the project's environment gets `ModuleNotFoundError` at this cell: the
    notebook only runs in the author's environment.

    ## Example
    ```python
    # requirements.txt: pandas
    import pandas as pd
    import seaborn as sns
    ```

    ## How to fix
    Add the distribution to the dependency file:
    ```python
    # requirements.txt: pandas, seaborn
    import pandas as pd
    import seaborn as sns
    ```
    """

    code = "DSQ108"
    name = "undeclared-dependency"
    summary = "An imported third-party module is not declared in the project's dependency files"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Report the first import of each undeclared third-party module."""
        declared = context.declared_dependencies
        if declared is None:
            return
        seen: set[str] = set()
        local: _LocalModules | None = None
        for code in model.code_cells:
            for fact in code.facts.imports:
                module = fact.module
                if (
                    not module
                    or module.startswith(".")
                    or dependencies.is_stdlib_module(module)
                    or dependencies.is_platform_module(module)
                ):
                    continue
                candidates = dependencies.import_distributions(module, fact.names)
                if candidates[0] in seen:
                    continue
                if _is_declared(module, candidates, declared):
                    seen.add(candidates[0])
                    continue
                local = local or _local_modules(model, context)
                top = module.split(".", 1)[0]
                if local.has(top) or (local.unknown and not dependencies.is_known_module(module)):
                    seen.add(candidates[0])
                    continue
                if _guarded(code.parsed.tree, fact.line):
                    continue
                seen.add(candidates[0])
                shown = module if dependencies.namespace_prefix(module) else top
                yield Finding(
                    f"`{shown}` is imported but not declared in {_files_read(context.project_root)}: add "
                    f"`{candidates[0]}` to the project's dependencies",
                    cell=code.index,
                    line=fact.line,
                    column=_column(code, fact.line, fact.column),
                )


def _is_declared(module: str, candidates: tuple[str, ...], declared: frozenset[str]) -> bool:
    if dependencies.normalize_name(module.split(".", 1)[0]) in declared:
        return True
    if any(candidate in declared for candidate in candidates):
        return True
    prefix = dependencies.namespace_prefix(module)
    return prefix is not None and any(name.startswith(prefix) for name in declared)


# --- DSQ109 -----------------------------------------------------------------------------------


def _named(metadata: Mapping[str, Any], key: str) -> bool:
    value = metadata.get(key)
    return isinstance(value, dict) and isinstance(value.get("name"), str) and bool(value["name"])


class MissingKernelspec(Rule):
    """The notebook has no kernelspec metadata.

    ## What it does
    Reports notebooks whose metadata has no `kernelspec` naming a kernel, and says whether
    `language_info` is missing too.

    ## Why is this bad?
    Jupyter, papermill and CI cannot tell which kernel (and so which language and environment)
    runs the notebook: they guess, or ask. Notebooks written by scripts or converted from other
    formats often lack it.

    ## Example
    ```python
    # notebook metadata
    {"metadata": {}}
    ```

    ## How to fix
    Open the notebook in Jupyter, select the kernel and save, or set it explicitly:
    ```python
    {"metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    ```
    """

    code = "DSQ109"
    name = "missing-kernelspec"
    summary = "No kernelspec / language_info metadata"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report a notebook without a named kernelspec."""
        metadata = model.notebook.metadata
        if _named(metadata, "kernelspec"):
            return
        also = " or language_info" if not _named(metadata, "language_info") else ""
        yield Finding(
            f"the notebook metadata has no kernelspec{also}: Jupyter, papermill and CI cannot tell which kernel "
            "runs it; select a kernel in Jupyter and save the notebook"
        )
