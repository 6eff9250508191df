"""Fixtures for the ruff and mypy tests: real tools, isolated from this repository's config."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the session: typeshed is analysed once, not once per test."""
    return tmp_path_factory.mktemp("mypy-cache")
