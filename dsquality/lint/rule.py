"""What a lint rule is: a code, a name, documentation, and a check over the code model.

A rule's docstring is its documentation, in four sections (the format ruff uses)::

    ## What it does
    ## Why is this bad?
    ## Example
    ## How to fix

``docs/rules.md`` is generated from these docstrings and a test keeps it in sync.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from dsquality.analysis.model import NotebookModel
from dsquality.lint.diagnostic import Severity

__all__ = ["DOC_SECTIONS", "Finding", "LintContext", "Rule", "RuleDoc"]

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "How to fix")


# Plain records are named tuples: every ``dsq lint`` imports this module, and a named tuple costs
# about a fifth of a frozen dataclass to create.
class Finding(NamedTuple):
    """What a rule reports; the engine adds the rule's code, name, severity and the file."""

    message: str
    cell: int | None = None  # 1-based among all cells; None: the whole notebook
    line: int | None = None  # 1-based within the cell
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})  # shared by every default context: read-only


class LintContext(NamedTuple):
    """What a rule may need beyond the notebook: settings and facts about the project.

    ``options`` holds the rule thresholds from ``[tool.dsquality]`` (e.g. ``max-cell-lines``),
    always filled with defaults; ``declared_dependencies`` the distribution/module names the
    project's dependency files declare (``None`` when it has no such file); ``runnable`` whether
    the configuration marks this notebook runnable.
    """

    options: Mapping[str, Any] = _NO_OPTIONS
    project_root: Path | None = None
    declared_dependencies: frozenset[str] | None = None
    runnable: bool = False


class RuleDoc(NamedTuple):
    """A rule's documentation, split into its four sections."""

    what: str
    why: str
    example: str
    fix: str


class Rule(ABC):
    """Base class of dsquality's notebook rules.

    Subclasses set the class attributes and implement :meth:`check`. Fixable rules set
    ``fixable = True`` and implement :meth:`fix`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    fixable: ClassVar[bool] = False
    # Settings this rule reads from ``[tool.dsquality]`` (kebab-case) and their defaults.
    options: ClassVar[Mapping[str, Any]] = {}

    @abstractmethod
    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Yield the rule's findings for one notebook."""

    def fix(self, data: dict[str, Any], findings: list[Finding], context: LintContext) -> None:
        """Edit the notebook JSON ``data`` in place so that ``findings`` go away.

        Only called for rules with ``fixable = True``; a fix must be safe: it never changes what
        the notebook computes.
        """
        raise NotImplementedError(self.code)

    @classmethod
    def doc(cls) -> RuleDoc:
        """The rule's documentation sections, parsed from its docstring."""
        text = inspect.getdoc(cls) or ""
        sections: dict[str, str] = {}
        for title, body in re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL):
            sections[title.strip()] = body.strip()
        missing = [title for title in DOC_SECTIONS if not sections.get(title)]
        if missing:
            message = f"rule {cls.code} lacks documentation sections: {', '.join(missing)}"
            raise ValueError(message)
        return RuleDoc(*(sections[title] for title in DOC_SECTIONS))
