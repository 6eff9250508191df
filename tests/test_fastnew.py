"""Tests for dsquality.fastnew: instances of frozen slotted dataclasses made without their __init__."""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field

import pytest

from dsquality.analysis.facts import CallFact
from dsquality.fastnew import maker
from dsquality.notebook import Cell


@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int
    label: str = "origin"
    tags: tuple[str, ...] = ()


def test_makes_what_the_class_makes() -> None:
    make = maker(Point)
    made = make(1, 2, "a", ("t",))
    assert made == Point(1, 2, "a", ("t",))
    assert type(made) is Point
    assert hash(made) == hash(Point(1, 2, "a", ("t",)))
    assert repr(made) == "Point(x=1, y=2, label='a', tags=('t',))"
    assert dataclasses.replace(made, x=5) == Point(5, 2, "a", ("t",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.x = 3  # type: ignore[misc]


def test_every_value_must_be_given() -> None:
    with pytest.raises(TypeError):
        maker(Point)(1, 2)


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (Cell, (3, "code", "x = 1", "abc", {"tags": ["t"]}, ({"output_type": "stream"},), 7)),
        (CallFact, ("np.mean", frozenset({"axis"}), 1, 2, 3, None)),
    ],
)
def test_the_classes_made_with_it(cls: type, values: tuple[object, ...]) -> None:
    assert maker(cls)(*values) == cls(*values)


@dataclass(frozen=True)
class NoSlots:
    x: int


@dataclass(frozen=True, slots=True)
class PostInit:
    x: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", self.x + 1)


@dataclass(frozen=True, slots=True)
class WithInitVar:
    x: int
    scale: InitVar[int]


@dataclass(frozen=True, slots=True)
class NotInInit:
    x: int
    cache: dict[str, int] = field(default_factory=dict, init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeywordOnly:
    x: int


@pytest.mark.parametrize("cls", [NoSlots, PostInit, WithInitVar, NotInInit, KeywordOnly, int])
def test_classes_it_would_make_differently_are_refused(cls: type) -> None:
    with pytest.raises(TypeError):
        maker(cls)
