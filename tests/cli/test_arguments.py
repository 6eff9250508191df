import argparse

import pytest

from dsquality.cli.arguments import positive_int, seconds


def test_seconds_accepts_fractions() -> None:
    assert seconds("4.5") == 4.5


@pytest.mark.parametrize("text", ["0", "-1", "nan", "abc"])
def test_seconds_rejects_non_positive_or_non_numbers(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        seconds(text)


def test_positive_int() -> None:
    assert positive_int("3") == 3
    for text in ("0", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_int(text)
