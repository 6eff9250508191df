"""Helpers for rule tests: build small notebooks cell by cell and run one rule on them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsquality.analysis.model import build_model
from dsquality.lint.registry import RULES, default_options
from dsquality.lint.rule import Finding, LintContext
from dsquality.notebook import parse_notebook

KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def code(
    source: str,
    *,
    count: int | None = None,
    outputs: Sequence[Mapping[str, Any]] = (),
    tags: Sequence[str] = (),
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A code cell; ``source`` is stored as a list of lines, as Jupyter saves it."""
    meta = dict(metadata or {})
    if tags:
        meta["tags"] = list(tags)
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": meta,
        "outputs": [dict(o) for o in outputs],
        "source": source.splitlines(keepends=True),
    }


def md(source: str, *, tags: Sequence[str] = ()) -> dict[str, Any]:
    """A markdown cell."""
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)} if tags else {}, "source": source}


def raw(source: str) -> dict[str, Any]:
    """A raw cell."""
    return {"cell_type": "raw", "metadata": {}, "source": source}


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    """A stream output."""
    return {"output_type": "stream", "name": name, "text": text}


def error(ename: str = "ValueError", evalue: str = "bad") -> dict[str, Any]:
    """An error output."""
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


def notebook(*cells: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A notebook document (nbformat 4.5) with ids ``c1``, ``c2``… and a Python kernelspec."""
    built = [dict(cell, id=f"c{index}") for index, cell in enumerate(cells, start=1)]
    return {
        "cells": built,
        "metadata": dict(KERNEL_METADATA if metadata is None else metadata),
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def make_context(**context: Any) -> LintContext:
    """A LintContext with every rule option at its default (override some with ``options=``)."""
    options = {**default_options(), **context.pop("options", {})}
    return LintContext(options=options, **context)


def run_rule(
    code_: str,
    document: Mapping[str, Any],
    *,
    path: str = "analysis.ipynb",
    **context: Any,
) -> list[Finding]:
    """Run rule ``code_`` on ``document`` with default options (overridable via ``options=``)."""
    raw_bytes = (json.dumps(document, indent=1) + "\n").encode()
    model = build_model(parse_notebook(raw_bytes, Path(path)))
    return list(RULES[code_].check(model, make_context(**context)))


def positions(findings: Sequence[Finding]) -> list[tuple[int | None, int | None]]:
    """``(cell, line)`` of each finding, in order."""
    return [(finding.cell, finding.line) for finding in findings]
