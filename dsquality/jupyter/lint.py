"""Linting for the Jupyter endpoint: a notebook file or the in-memory notebook of the frontend.

No tornado here: :func:`lint_to_json` takes plain values and returns the ``dsq lint --format json``
document, so it is tested (and benchmarked) without a server.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from dsquality.config import Config
from dsquality.lint.diagnostic import Diagnostic, LintReport
from dsquality.lint.engine import LintSettings, lint_notebook, lint_paths
from dsquality.lint.registry import RULES, rule_infos
from dsquality.lint.selection import Selection
from dsquality.notebook import dump_notebook, notebook_from_dict
from dsquality.report import FORMATTERS

__all__ = ["TOOLS", "lint_to_json"]

TOOLS = frozenset({"ruff", "mypy"})


def lint_to_json(
    config: Config,
    path: Path,
    display: str,
    *,
    document: Mapping[str, Any] | None = None,
    selection: Selection | None = None,
    tools: Collection[str] = (),
) -> str:
    """Lint one notebook and return the ``dsquality-lint`` JSON document, as ``dsq lint --format json`` prints it.

    Args:
        config: The project configuration (selection, options, per-file ignores).
        path: The notebook's file (absolute): read when ``document`` is None, and matched against
            the configuration's globs either way.
        display: The path reported in every finding (the server's API path, never absolute).
        document: The notebook's JSON as the frontend holds it (unsaved edits included).
        selection: Codes to select and ignore, on top of the configuration.
        tools: External tools to run too (``ruff``, ``mypy``); dsquality's own rules always run.

    Raises:
        NotebookFormatError: ``document`` is not an nbformat 3/4 notebook.
        ToolError: ruff or mypy failed.
    """
    selection = selection or Selection()
    if document is None:
        settings = LintSettings(selection=selection, ruff="ruff" in tools, mypy="mypy" in tools, cache=False, jobs=1)
        diagnostics: Iterable[Diagnostic] = lint_paths([path], config, settings).diagnostics
    else:
        notebook = notebook_from_dict(dict(document), path)
        merged = Selection(
            select=selection.select if selection.select is not None else config.select,
            extend_select=(*config.extend_select, *selection.extend_select),
            ignore=(*config.ignore, *selection.ignore),
        )
        rules = merged.enabled_rules(RULES)
        declared = None
        if any(rule.code == "DSQ108" for rule in rules):
            from dsquality.lint.dependencies import declared_dependencies  # noqa: PLC0415

            declared = declared_dependencies(config.root)
        external = _external(notebook.data, path, config, tools) if tools else []
        diagnostics = lint_notebook(
            notebook, config, rules, declared_dependencies=declared, external=external, ignore=merged.ignore
        )
    shown = Path(display)
    found = tuple(sorted((dataclasses.replace(d, path=shown) for d in diagnostics), key=Diagnostic.sort_key))
    return FORMATTERS["json"](LintReport(found, 1), rule_infos())


def _external(data: dict[str, Any], path: Path, config: Config, tools: Collection[str]) -> list[Diagnostic]:
    """Run ruff and/or mypy on a temporary copy of an in-memory notebook, findings moved back to ``path``."""
    found: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="dsq-lint-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(dump_notebook(data))
        if "ruff" in tools and config.ruff:
            from dsquality.lint.external.ruff import run_ruff  # noqa: PLC0415 - only when asked for

            found.extend(run_ruff([copy], cwd=config.root))
        if "mypy" in tools and config.mypy:
            from dsquality.lint.external.mypy import run_mypy  # noqa: PLC0415

            found.extend(run_mypy([copy], cwd=config.root))
    return [dataclasses.replace(d, path=path) for d in found]
