"""Making many instances of a frozen, slotted dataclass at about half the cost of calling it.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, the only way
past its ``__setattr__`` that raises. Setting the slots through their descriptors does the same
in about half the time, which counts for the objects made per cell of every notebook read
(:class:`~dsquality.notebook.Cell`, :class:`~dsquality.analysis.model.CodeCell`) and per call
of every cell parsed (:class:`~dsquality.analysis.facts.CallFact`). The instances are the same:
same class, same fields, equal and hashed alike. (A named tuple needs no such help: calling its
class is quicker still.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

__all__ = ["maker"]

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A function taking a value for each field of ``cls``, in order, and returning ``cls(*values)``.

    Raises:
        TypeError: ``cls`` is not a slotted dataclass whose ``__init__`` only sets its fields,
            given positionally: one with a ``__post_init__``, an ``InitVar``, or a field that
            is keyword-only or not set by ``__init__`` would be made differently.
    """
    if not is_dataclass(cls) or "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass without __post_init__")
    declared = fields(cls)
    if len(declared) != len(cls.__dataclass_fields__) or any(not item.init or item.kw_only for item in declared):
        raise TypeError(f"{cls.__name__} has fields that are not positional __init__ parameters")
    names = [item.name for item in declared]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    scope.update({f"_set_{name}": getattr(cls, name).__set__ for name in names})
    # Written out as dataclasses writes __init__: a loop over the fields would cost what is saved.
    lines = [f"def make({', '.join(names)}):", "    _obj = _new(_cls)"]
    lines += [f"    _set_{name}(_obj, {name})" for name in names]
    lines.append("    return _obj")
    exec("\n".join(lines), scope)  # noqa: S102 - the code above, from the dataclass's own field names
    make: Callable[..., T] = scope["make"]
    make.__qualname__ = f"maker({cls.__name__})"
    return make
