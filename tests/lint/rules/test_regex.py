"""Tests of the rules' lazily compiled regexes."""

from __future__ import annotations

import re

import pytest

from dsquality.lint.rules._regex import lazy_regex


def test_compiles_on_first_call_and_keeps_the_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real_compile = re.compile

    def counting_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real_compile(pattern, flags)

    monkeypatch.setattr(re, "compile", counting_compile)
    regex = lazy_regex(r"ab+c", re.IGNORECASE)
    assert compiled == []
    first = regex()
    assert regex() is first
    assert compiled == [r"ab+c"]
    assert first.flags & re.IGNORECASE
    assert first.fullmatch("ABBC") is not None


def test_an_invalid_pattern_fails_when_used() -> None:
    regex = lazy_regex(r"(unclosed")
    with pytest.raises(re.error):
        regex()
