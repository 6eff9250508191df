"""Generated notebooks, valid and broken, through every public entry point: success or a clear DSQualityError.

Entry points (see tests/fuzz/properties.py): ``lint`` (``lint_paths`` with ``--fix``), ``lint_notebook``
(every rule), ``clean``, ``params``, ``endpoint`` (the Jupyter lint endpoint's core) and ``promote``.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.fuzz import properties
from tests.fuzz.properties import fuzz_settings
from tests.fuzz.strategies import notebook_bytes, promotable_documents

pytestmark = [
    pytest.mark.timeout(properties.TIMEOUT),
    # A failing example with a huge cell: hypothesis warns that its repr is large; show the failure instead.
    pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"),
]


@pytest.mark.parametrize("entry_point", sorted(properties.CHECKS.keys() - {"promote"}))
@fuzz_settings(400)
@given(notebook_bytes())
def test_generated_notebooks(entry_point: str, data: bytes) -> None:
    properties.CHECKS[entry_point](data)


@fuzz_settings(100)
@given(notebook_bytes())
def test_promote(data: bytes) -> None:
    properties.check_promote(data)


@fuzz_settings(40)
@given(notebook_bytes(promotable_documents()))
def test_promote_notebooks_that_reach_ruff(data: bytes) -> None:
    properties.check_promote(data)


@fuzz_settings(40)
@given(notebook_bytes(promotable_documents()))
def test_promote_check(data: bytes) -> None:
    properties.check_promote(data, check_only=True)


@fuzz_settings(30)
@given(notebook_bytes())
def test_lint_with_ruff(data: bytes) -> None:
    properties.check_lint(data, ruff=True)
