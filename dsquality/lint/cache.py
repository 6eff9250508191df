"""A content-hash cache of lint results, so an unchanged notebook is not analysed again.

The key covers everything that can change a notebook's findings: its bytes and path, the
dsquality, ruff and mypy versions, the configuration and the run's selection. Entries live in
``<project root>/.dsq/cache/lint/`` (with a ``.gitignore`` so they are never committed). mypy
findings can depend on other files (imported local modules); those are not part of the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

from dsquality import __version__
from dsquality.atomic import atomic_write_text
from dsquality.errors import FileWriteError
from dsquality.lint.diagnostic import Diagnostic

__all__ = ["LintCache", "tool_versions"]


@cache
def tool_versions() -> str:
    """Versions of dsquality, ruff and mypy, as part of every cache key."""
    versions = [__version__]
    for distribution in ("ruff", "mypy"):
        try:
            versions.append(metadata.version(distribution))
        except metadata.PackageNotFoundError:
            versions.append("-")
    return ",".join(versions)


class LintCache:
    """Lint results by notebook content; every write is atomic, every error is ignored."""

    def __init__(self, root: Path, run_key: str) -> None:
        self.directory = root / ".dsq" / "cache" / "lint"
        self.run_key = f"{tool_versions()}|{run_key}"

    def key(self, relative_path: str, raw: bytes) -> str:
        """The cache key of one notebook's content at one path."""
        digest = hashlib.sha256(self.run_key.encode())
        digest.update(relative_path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(raw)
        return digest.hexdigest()

    def get(self, key: str) -> list[Diagnostic] | None:
        """Cached diagnostics, or ``None`` when missing or unreadable."""
        try:
            entries = json.loads((self.directory / f"{key}.json").read_bytes())
            return [Diagnostic.from_dict(entry) for entry in entries]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, diagnostics: Sequence[Diagnostic]) -> None:
        """Store diagnostics; a cache that cannot be written is silently skipped."""
        with contextlib.suppress(OSError, FileWriteError):
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory.parents[1] / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by dsquality: caches and run outputs\n*\n", encoding="utf-8")
            atomic_write_text(self.directory / f"{key}.json", json.dumps([d.to_dict() for d in diagnostics]))
