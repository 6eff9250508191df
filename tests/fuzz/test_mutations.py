"""Real notebooks with flipped bytes, truncations and deleted keys through every entry point.

The project's own notebooks (notebooks/, templates/) always; the shared corpus when it is there.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.fuzz import properties
from tests.fuzz.properties import fuzz_settings
from tests.fuzz.strategies import CORPUS, PROJECT_NOTEBOOKS, corpus_seeds, mutated

pytestmark = [
    pytest.mark.timeout(properties.TIMEOUT),
    # A failing example with a huge cell: hypothesis warns that its repr is large; show the failure instead.
    pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"),
]

CORPUS_SEEDS = corpus_seeds()
ENTRY_POINTS = sorted(properties.CHECKS.keys() - {"promote"})  # promote: see test_promote_mutated


def test_the_project_has_notebooks_to_mutate() -> None:
    assert len(PROJECT_NOTEBOOKS) >= 5


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@fuzz_settings(80)
@given(mutated(PROJECT_NOTEBOOKS))
def test_project_notebooks_mutated(entry_point: str, seed: tuple[str, bytes]) -> None:
    properties.CHECKS[entry_point](seed[1])


@fuzz_settings(40)
@given(mutated(PROJECT_NOTEBOOKS))
def test_promote_mutated(seed: tuple[str, bytes]) -> None:
    properties.check_promote(seed[1])


@pytest.mark.skipif(not CORPUS_SEEDS, reason=f"the shared corpus is not available at {CORPUS}")
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@fuzz_settings(60)
@given(mutated(CORPUS_SEEDS))
def test_corpus_notebooks_mutated(entry_point: str, seed: tuple[str, bytes]) -> None:
    properties.CHECKS[entry_point](seed[1])
