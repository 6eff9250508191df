"""Rules of the reproducibility family (DSQ1xx).

Does the notebook give the same results when it is run again, from the top, by someone else, on
another machine? The rules read the facts collected in the model's one walk of each cell; the few
that need more (DSQ103 following a call into a function body or checking a ``try``, DSQ108 an
``except ImportError``) look at a cell's tree only for the rare candidates the cheap checks leave.
"""

from __future__ import annotations

from dsquality.lint.rule import Rule
from dsquality.lint.rules.reproducibility.environment import InstallInNotebook, MissingKernelspec, UndeclaredDependency
from dsquality.lint.rules.reproducibility.execution import ErrorOutput, NonLinearExecution, SkippedCell
from dsquality.lint.rules.reproducibility.paths import AbsolutePath
from dsquality.lint.rules.reproducibility.randomness import UnseededRandomness
from dsquality.lint.rules.reproducibility.use_before_define import UseBeforeDefine

__all__ = [
    "RULES",
    "AbsolutePath",
    "ErrorOutput",
    "InstallInNotebook",
    "MissingKernelspec",
    "NonLinearExecution",
    "SkippedCell",
    "UndeclaredDependency",
    "UnseededRandomness",
    "UseBeforeDefine",
]

RULES: tuple[type[Rule], ...] = (
    NonLinearExecution,
    SkippedCell,
    UseBeforeDefine,
    ErrorOutput,
    AbsolutePath,
    UnseededRandomness,
    InstallInNotebook,
    UndeclaredDependency,
    MissingKernelspec,
)
