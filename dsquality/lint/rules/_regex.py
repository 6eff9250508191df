"""Regexes compiled on first use, for the rules' rare paths.

Every ``dsq lint`` imports every rule, so a regex compiled at import costs each run (``re.compile``
takes 0.05 to 1 ms) even when only a notebook with a credential-like string or an unparsable cell
needs it. ``lazy_regex`` compiles such a regex the first time a rule asks for it, once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["lazy_regex"]


def lazy_regex(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled on its first call and kept."""
    return functools.cache(lambda: re.compile(pattern, flags))
