"""The fuzz harness itself: a hang is caught even where code swallows exceptions; unclear messages fail."""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path

import pytest

from dsquality.errors import FileWriteError, NotebookFormatError
from tests.fuzz.properties import assert_clear, hard_deadline, survives


def swallowing_sleep() -> None:
    """Code under test that swallows every Exception while it hangs."""
    with contextlib.suppress(Exception):  # the point of the test
        time.sleep(5)


def test_a_hang_fails_even_inside_except_exception() -> None:
    start = time.perf_counter()
    with pytest.raises(AssertionError, match="hang: the example did not finish within 0 s"), hard_deadline(0.2):
        swallowing_sleep()
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    "reason",
    [
        "nbformat 3 notebook could not be upgraded: (None, None)",  # the messages the fuzzer found
        "nbformat 3 notebook could not be upgraded: ",
        "nbformat 3 notebook could not be upgraded: cells",
        "x" * 3000,
    ],
)
def test_unclear_messages_fail(reason: str) -> None:
    with pytest.raises(AssertionError):
        assert_clear(NotebookFormatError(Path("nb.ipynb"), reason), Path("nb.ipynb"))


def test_a_message_must_name_the_file() -> None:
    with pytest.raises(AssertionError, match=r"does not name nb\.ipynb"):
        assert_clear(FileWriteError(Path("other.ipynb"), "disk full"), Path("nb.ipynb"))


def test_survives_passes_clear_errors_and_nothing_else() -> None:
    path = Path("nb.ipynb")

    def clear() -> None:
        raise NotebookFormatError(path, "not JSON: Expecting value at line 1 column 1")

    def bug() -> None:
        raise KeyError("cells")

    assert survives(clear, path) is None
    with pytest.raises(KeyError):
        survives(bug, path)


def test_an_outer_timer_survives_the_hard_deadline() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # as pytest-timeout arms it
        with hard_deadline(10):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 0.5
        time.sleep(0.7)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
