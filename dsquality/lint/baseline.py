"""Baselines: accept today's findings in legacy notebooks, fail only on new ones.

A baseline file is JSON listing a fingerprint and a count for each kind of finding per notebook.
Fingerprints use the cell id when the notebook has them (else the cell number), the code and the
message, but not line numbers, so editing other lines does not make old findings look new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from dsquality.atomic import atomic_write_text
from dsquality.errors import ConfigError
from dsquality.lint.diagnostic import Diagnostic

__all__ = ["apply_baseline", "fingerprint", "read_baseline", "write_baseline"]

_FORMAT = "dsquality-baseline"


def fingerprint(diagnostic: Diagnostic) -> str:
    """A line-independent identity of a finding."""
    where = diagnostic.cell_id or (str(diagnostic.cell) if diagnostic.cell is not None else "")
    text = "\0".join((diagnostic.path.as_posix(), where, diagnostic.code, diagnostic.message))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def write_baseline(path: Path, diagnostics: Iterable[Diagnostic]) -> None:
    """Write every finding's fingerprint to ``path`` (atomically)."""
    counts = Counter(fingerprint(diagnostic) for diagnostic in diagnostics)
    document = {"format": _FORMAT, "version": 1, "fingerprints": dict(sorted(counts.items()))}
    atomic_write_text(path, json.dumps(document, indent=1) + "\n")


def read_baseline(path: Path) -> Counter[str]:
    """Fingerprint counts from a baseline file.

    Raises:
        ConfigError: the file is missing or not a dsquality baseline.
    """
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(path, "--baseline", f"cannot be read: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(path, "--baseline", "is not JSON; write one with --write-baseline") from exc
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ConfigError(path, "--baseline", "is not a dsquality baseline; write one with --write-baseline")
    fingerprints = document.get("fingerprints", {})
    return Counter({str(key): int(value) for key, value in fingerprints.items()})


def apply_baseline(diagnostics: Iterable[Diagnostic], baseline: Counter[str]) -> list[Diagnostic]:
    """The findings not covered by the baseline (each baseline entry covers as many as it counts)."""
    remaining = Counter(baseline)
    new = []
    for diagnostic in diagnostics:
        key = fingerprint(diagnostic)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(diagnostic)
    return new
